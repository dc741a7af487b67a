"""Objects of unit B (Bác Ái) for the portal-wide URL walk (tests/test_url_scope.py).

``FACTORIES`` maps each workers URL that takes an id to a function of the
walk's ``env`` (``env.units``, ``env.users``) returning the URL kwargs.
``enterprise_edit`` is not here: enterprises are national (not owned by a
unit) and only provincial staff and administrators edit them (others: 403).
"""
from __future__ import annotations

import datetime as dt
import itertools

from workers import services
from workers.models import Country, Sex

_serial = itertools.count(700001)


def worker_b(env):
    dob = dt.date(1994, 5, 6)
    number = next(_serial)
    return services.worker_register(
        user=env.users.admin, citizen_id=f"058094{number:06d}", full_name=f"Người Bác Ái {number}",
        date_of_birth=dob, sex=Sex.MALE, unit=env.units.commune_b, confirm_duplicate=True)


def _departure_b(env):
    worker = worker_b(env)
    return services.departure_record(user=env.users.admin, worker=worker, date=dt.date(2024, 4, 1),
                                     country=Country.objects.get(code="JP"))


def _returned_b(env):
    departure = _departure_b(env)
    return services.return_record(user=env.users.admin, departure=departure, date=dt.date(2025, 4, 1))


def _absconding_b(env):
    departure = _departure_b(env)
    return services.absconding_record(user=env.users.admin, departure=departure, learned_on=dt.date(2024, 9, 1),
                                      source="family")


def _rule(env):
    from workers.models import OverstayRule, Programme

    return OverstayRule.objects.create(programme=Programme.objects.get(code="KR-EPS"), year=2030, min_stayers=53,
                                       min_rate=28, window_from=dt.date(2029, 1, 1), window_to=dt.date(2030, 2, 28),
                                       as_of=dt.date(2030, 2, 28))


def _enterprise(env):
    from workers.models import Enterprise

    return Enterprise.objects.create(name="Công ty Thử nghiệm Đọc", licence_no="TEST/URL-READ")


def _import_job_b(env):
    """A finished (rejected: the file is no sheet) worker import job of Bác Ái's official."""
    from portal.jobs import job_create, job_run
    from workers.import_jobs import upload_keep

    job = job_create(user=env.users.official_b, unit=env.units.b, kind="import_workers", enqueue=False,
                     params={"upload": upload_keep(b"not a workbook"), "label": "import"})
    return {"pk": job_run(job.pk).pk}


FACTORIES = {
    "workers:import_result": _import_job_b,
    "workers:worker_detail": lambda env: {"pk": worker_b(env).pk},
    "workers:worker_edit": lambda env: {"pk": worker_b(env).pk},
    "workers:worker_status": lambda env: {"pk": worker_b(env).pk},
    "workers:departure_create": lambda env: {"pk": worker_b(env).pk},
    "workers:return_create": lambda env: {"pk": _departure_b(env).pk},
    "workers:contract_edit": lambda env: {"pk": _departure_b(env).pk},
    "workers:extension_create": lambda env: {"pk": _departure_b(env).pk},
    "workers:absconding_create": lambda env: {"pk": _departure_b(env).pk},
    "workers:absconding_close": lambda env: {"pk": _absconding_b(env).pk},
    "workers:follow_up_create": lambda env: {"pk": _returned_b(env).pk},
    "workers:worker_checklist": lambda env: {"pk": worker_b(env).pk},
}
NOT_UNIT_OBJECTS = {"workers:enterprise_edit"}
# National reference lists (countries, programmes): edited by the national administrator only (404 to everyone else).
ADMIN_ONLY = {"workers:country_edit", "workers:programme_edit"}
# National objects no unit owns, edited by the province only (tests/test_url_scope.py).
NATIONAL = {"workers:overstay_rule_edit": lambda env: {"pk": _rule(env).pk}}
# National objects every signed-in user reads (the figures they show are the user's own units').
READ_BY_ALL = {"workers:enterprise_detail": lambda env: {"pk": _enterprise(env).pk}}
