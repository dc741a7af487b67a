"""Support objects of unit B (Bác Ái) for the portal-wide URL walk (tests/test_url_scope.py)."""
from __future__ import annotations

import datetime as dt
import itertools

from support import services
from support.models import LegalBasis, Policy
from tests.workers.url_factories import worker_b
from workers.models import HouseholdStatus

_serial = itertools.count(800001)


def _policy_b(env):
    """A policy run by Bác Ái itself (a district budget): officials of other districts do not see it."""
    number = next(_serial)
    return Policy.objects.create(code=f"URL-B-{number}", name="Chính sách huyện Bác Ái", unit=env.units.b,
                                 legal_basis=LegalBasis.OTHER, valid_from=dt.date(2020, 1, 1))


def _loan_b(env):
    worker = worker_b(env)
    worker.household_statuses.set([HouseholdStatus.objects.get(code="poor")])
    return services.loan_record(user=env.users.admin, worker=worker, amount=80_000_000,
                                date=dt.date(2024, 3, 1), term_months=36)


FACTORIES = {
    "support:policy_detail": lambda env: {"pk": _policy_b(env).pk},
    "support:payment_create": lambda env: {"pk": worker_b(env).pk},
    "support:loan_create": lambda env: {"pk": worker_b(env).pk},
    "support:loan_status": lambda env: {"pk": _loan_b(env).pk},
}


def _policy_of_the_province(env):
    number = next(_serial)
    return Policy.objects.create(code=f"URL-58-{number}", name="Chính sách của tỉnh", unit=env.units.province,
                                 legal_basis=LegalBasis.PROVINCIAL, valid_from=dt.date(2020, 1, 1))


# Policies are edited by provincial staff only (officials, viewers: 403), as national objects are: the walk checks
# it that way; tests/support/test_policy_screens.py checks another province's policy answers 404.
NATIONAL = {"support:policy_edit": lambda env: {"pk": _policy_of_the_province(env).pk}}
