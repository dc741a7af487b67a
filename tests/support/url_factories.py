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
