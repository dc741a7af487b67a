"""Fixtures of the worker registry (a worker factory, reference data, sending enterprises), shared by the tests
of every app that builds on workers (support, reports…): a plugin of tests/conftest.py."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest

from workers import services
from workers.models import Country, Enterprise, EnterpriseStatus, Ethnicity, Programme, Sex

_serial = itertools.count(1)


def cccd(dob: dt.date, sex: str = Sex.MALE, province: str = "058", serial: int | None = None) -> str:
    """A citizen ID that passes the check for this birth date and sex."""
    digit = (0 if dob.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
    return f"{province}{digit}{dob.year % 100:02d}{serial if serial is not None else next(_serial):06d}"


@pytest.fixture
def make_worker(users, units):
    def make(unit=None, *, user=None, full_name=None, dob=dt.date(1995, 4, 12), sex=Sex.MALE, **extra):
        number = next(_serial)
        return services.worker_register(
            user=user or users.admin, citizen_id=extra.pop("citizen_id", None) or cccd(dob, sex, serial=number),
            full_name=full_name or f"Nguyễn Văn Thử {number:03d}", date_of_birth=dob, sex=sex,
            unit=unit or units.commune_a, **extra)

    return make


@pytest.fixture
def reference():
    class Ref:
        japan = Country.objects.get(code="JP")
        korea = Country.objects.get(code="KR")
        titp = Programme.objects.get(code="JP-TITP")
        eps = Programme.objects.get(code="KR-EPS")
        kinh = Ethnicity.objects.get(name="Kinh")
        cham = Ethnicity.objects.get(name="Chăm")

    return Ref


@pytest.fixture
def enterprises(db):
    class Ents:
        active = Enterprise.objects.create(name="Công ty Thử Nghiệm A", licence_no="T-001/GP", status=EnterpriseStatus.ACTIVE)
        suspended = Enterprise.objects.create(name="Công ty Thử Nghiệm B", licence_no="T-002/GP",
                                              status=EnterpriseStatus.SUSPENDED)

    return Ents


@pytest.fixture
def departed(make_worker, users, reference, enterprises):
    """A worker of unit A who departed to Japan on 01/03/2024 for 24 months."""
    worker = make_worker()
    departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1),
                                          country=reference.japan, programme=reference.titp,
                                          enterprise=enterprises.active, contract_months=24)
    worker.refresh_from_db()
    return worker, departure
