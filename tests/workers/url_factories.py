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


FACTORIES = {
    "workers:worker_detail": lambda env: {"pk": worker_b(env).pk},
    "workers:worker_edit": lambda env: {"pk": worker_b(env).pk},
    "workers:worker_status": lambda env: {"pk": worker_b(env).pk},
    "workers:departure_create": lambda env: {"pk": worker_b(env).pk},
    "workers:return_create": lambda env: {"pk": _departure_b(env).pk},
    "workers:worker_checklist": lambda env: {"pk": worker_b(env).pk},
}
NOT_UNIT_OBJECTS = {"workers:enterprise_edit"}
