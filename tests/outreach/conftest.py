"""Fixtures for outreach: a known dataset for the funnel, built through the services."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest

from outreach import services
from outreach.models import Kind
from workers import services as worker_services
from workers.models import Country, Sex, Status

_serial = itertools.count(500)


def cccd(dob: dt.date = dt.date(1998, 5, 1), sex: str = Sex.MALE, serial: int | None = None) -> str:
    digit = (0 if dob.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
    return f"058{digit}{dob.year % 100:02d}{serial if serial is not None else next(_serial):06d}"


@pytest.fixture
def register(users, units):
    """``register(unit, phone=…, citizen_id=…)`` → a worker registered through the workers service."""

    def make(unit=None, *, phone: str = "", citizen_id: str | None = None, name: str | None = None):
        number = next(_serial)
        return worker_services.worker_register(
            user=users.admin, citizen_id=citizen_id or cccd(serial=number), full_name=name or f"Lê Thị Thử {number}",
            date_of_birth=dt.date(1998, 5, 1), sex=Sex.MALE, unit=unit or units.commune_a, phone=phone)

    return make


@pytest.fixture
def depart(users):
    def make(worker, date=dt.date(2026, 6, 1)):
        return worker_services.departure_record(user=users.admin, worker=worker, date=date,
                                                country=Country.objects.get(code="JP"))

    return make


@pytest.fixture
def campaigns(users, units):
    province = services.campaign_create(
        user=users.province, unit=units.province, name="Chiến dịch tỉnh 2026", date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 12, 31), channels=["job_fair", "counselling", "facebook"], budget=100_000_000,
        goal_reached=10_000, goal_registrations=100, goal_departures=40)
    ninh_son = services.campaign_create(
        user=users.official_a, unit=units.a, name="Ninh Sơn trên mạng", date_from=dt.date(2026, 2, 1),
        date_to=dt.date(2026, 9, 30), channels=["facebook"], budget=5_000_000)
    bac_ai = services.campaign_create(
        user=users.official_b, unit=units.b, name="Bác Ái vào mùa", date_from=dt.date(2026, 1, 1),
        date_to=dt.date(2026, 6, 30), channels=["counselling"])
    return SimpleNamespace(province=province, a=ninh_son, b=bac_ai)


@pytest.fixture
def dataset(users, units, campaigns, register, depart):
    """Known figures (see test_funnel.py for the arithmetic).

    * fair (Ninh Sơn commune, provincial campaign): 400 attendees, 20 enterprises, 150 counselled, 30 M đồng;
      leads: Anh (phone, registers with +84 form and departs), Bình (CCCD, registers and is counselled),
      Chi (never registers).
    * post (Facebook, Ninh Sơn campaign): reach 5.000, 2 M đồng; lead Dũng registers only.
    * session (counselling in Bác Ái, provincial campaign): 100 attendees, 100 counselled, 8 M đồng;
      lead Em registers in Bác Ái and departs.
    * old fair (Ninh Sơn, 2025, no campaign): 50 attendees, 1 M đồng: outside the period.
    * Phúc registers with no lead at all: never counted.
    """
    fair = services.activity_record(
        user=users.official_a, unit=units.commune_a, kind=Kind.JOB_FAIR, date=dt.date(2026, 3, 10),
        name="Phiên giao dịch việc làm tháng 3", campaign=campaigns.province, enterprises=20, attendees=400,
        counselled=150, registrations=30, cost=30_000_000)
    post = services.activity_record(
        user=users.official_a, unit=units.a, kind=Kind.MEDIA, channel="facebook", date=dt.date(2026, 4, 2),
        name="Bài đăng tuyển TTS Nhật Bản", campaign=campaigns.a, reach=5_000, cost=2_000_000)
    session = services.activity_record(
        user=users.official_b, unit=units.b, kind=Kind.COUNSELLING, date=dt.date(2026, 5, 5),
        name="Tư vấn tại xã", campaign=campaigns.province, attendees=100, counselled=100, cost=8_000_000)
    old = services.activity_record(
        user=users.official_a, unit=units.a, kind=Kind.JOB_FAIR, date=dt.date(2025, 10, 1), name="Phiên cũ",
        attendees=50, enterprises=3, cost=1_000_000)
    admin = users.admin
    anh = services.lead_record(user=admin, activity=fair, full_name="Anh", phone="0912 000 001")
    binh_id = cccd(serial=900001)
    binh = services.lead_record(user=admin, activity=fair, full_name="Bình", citizen_id=binh_id)
    chi = services.lead_record(user=admin, activity=fair, full_name="Chi", phone="0912000003")
    dung = services.lead_record(user=admin, activity=post, full_name="Dũng", phone="0912000004")
    em = services.lead_record(user=admin, activity=session, full_name="Em", phone="0912000005")

    w_anh = register(units.commune_a, phone="+84 912 000 001")
    w_binh = register(units.commune_a, citizen_id=binh_id)
    worker_services.worker_change_status(user=admin, worker=w_binh, to_status=Status.COUNSELLED)
    w_dung = register(units.a, phone="0912.000.004")
    w_em = register(units.commune_b, phone="84912000005")
    w_phuc = register(units.commune_a, phone="0912000099")
    depart(w_anh)
    depart(w_em)
    depart(w_phuc)
    return SimpleNamespace(
        fair=fair, post=post, session=session, old=old, anh=anh, binh=binh, chi=chi, dung=dung, em=em,
        w_anh=w_anh, w_binh=w_binh, w_dung=w_dung, w_em=w_em, w_phuc=w_phuc)
