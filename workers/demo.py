"""Demo workers for Ninh Thuận: a few hundred obviously fake people ("… Demo 001").

Deterministic (a fixed random seed and fixed dates) and idempotent (a worker
whose citizen ID is already there is left alone). Goes through the services,
so timelines, departure snapshots and warnings are what real use produces;
the timeline's timestamps are then set back to the plan's dates.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal import cache_version, tree
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE, demo_progress
from portal.models import Level, Structure, Unit
from workers import services
from workers.contracts import add_months
from workers.models import (
    AbscondingSource,
    Country,
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    Ethnicity,
    HouseholdStatus,
    Programme,
    Sex,
    Status,
    StatusChange,
    Worker,
)

BAC_AI_PATH = tree.build_path(Structure.LEGACY, tree.build_path(Structure.LEGACY, None, DEMO_PROVINCE), "584")  # a poor district

SEED = 20261126
COUNT = 360
LAST_DAY = dt.date(2026, 11, 20)  # no demo event after this day

ENTERPRISES = [
    ("Công ty TNHH Demo Nhân lực Sông Dinh", "DEMO-001/LĐTBXH-GP", dt.date(2019, 3, 12), EnterpriseStatus.ACTIVE),
    ("Công ty CP Demo Cung ứng Lao động Phan Rang", "DEMO-002/LĐTBXH-GP", dt.date(2018, 7, 2), EnterpriseStatus.ACTIVE),
    ("Công ty TNHH Demo Xuất khẩu Lao động Cà Ná", "DEMO-003/LĐTBXH-GP", dt.date(2020, 1, 20), EnterpriseStatus.ACTIVE),
    ("Công ty CP Demo Hợp tác Quốc tế Tháp Chàm", "DEMO-004/LĐTBXH-GP", dt.date(2017, 10, 5), EnterpriseStatus.ACTIVE),
    ("Công ty TNHH Demo Nhân lực Vĩnh Hy", "DEMO-005/LĐTBXH-GP", dt.date(2021, 5, 18), EnterpriseStatus.ACTIVE),
    ("Công ty CP Demo Đào tạo và Cung ứng Ninh Chữ", "DEMO-006/LĐTBXH-GP", dt.date(2016, 4, 8), EnterpriseStatus.SUSPENDED),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"]
CHAM_FAMILY = ["Đàng", "Thuận", "Lưu", "Quảng", "Thông"]
RAGLAI_FAMILY = ["Pinăng", "Katơr", "Chamaléa", "Pi Năng", "Mấu"]
COUNTRY_WEIGHTS = {"JP": 50, "KR": 15, "TW": 25, "DE": 3, "SA": 2, "AE": 1, "RO": 2, "HU": 1, "AU": 1}
PROGRAMME_WEIGHTS = {
    "JP": {"JP-TITP": 70, "JP-SSW": 25, "JP-ENG": 5}, "KR": {"KR-EPS": 80, "KR-SEASON": 20},
    "TW": {"TW-FACTORY": 70, "TW-CARE": 30},
}
STATUS_WEIGHTS = {
    Status.REGISTERED: 14, Status.COUNSELLED: 9, Status.TRAINING: 10, Status.WAITING: 9, Status.DEPARTED: 35,
    Status.RETURNED: 14, Status.ABSCONDED: 4, Status.WITHDRAWN: 5,
}
OCCUPATIONS = ["Chế biến thực phẩm", "Xây dựng", "Cơ khí", "Nông nghiệp", "Điều dưỡng", "Điện tử", "May mặc", "Thủy sản"]


@dataclass
class Plan:
    number: int
    citizen_id: str
    full_name: str
    date_of_birth: dt.date
    sex: str
    unit: Unit
    ethnicity: Ethnicity
    household: list = field(default_factory=list)
    status: str = Status.REGISTERED
    registered_on: dt.date = LAST_DAY
    departure: dict | None = None
    return_on: dt.date | None = None
    early: bool = False
    extension: tuple[dt.date, dt.date] | None = None  # (new end, approved on)


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def _plans() -> list[Plan]:
    rng = random.Random(SEED)
    units = list(Unit.objects.filter(structure=Structure.LEGACY, path__startswith=tree.build_path(Structure.LEGACY, None, DEMO_PROVINCE),
                                     level__in=(Level.DISTRICT, Level.COMMUNE)).order_by("path"))
    communes = [u for u in units if u.level == Level.COMMUNE]
    districts = [u for u in units if u.level == Level.DISTRICT]
    ethnic = {e.name: e for e in Ethnicity.objects.filter(name__in=["Kinh", "Chăm", "Ra-glai"])}
    household = {h.code: h for h in HouseholdStatus.objects.all()}
    countries = {c.code: c for c in Country.objects.filter(code__in=COUNTRY_WEIGHTS)}
    programmes = {p.code: p for p in Programme.objects.select_related("country")}
    by_country: dict[str, list[Programme]] = {}
    for p in programmes.values():
        by_country.setdefault(p.country.code, []).append(p)
    enterprises = list(Enterprise.objects.filter(licence_no__startswith="DEMO-").order_by("licence_no"))
    plans = []
    for number in range(1, COUNT + 1):
        unit = rng.choice(communes) if rng.random() < 0.9 else rng.choice(districts)
        group = _pick(rng, {"Kinh": 70, "Chăm": 16, "Ra-glai": 14})
        sex = Sex.MALE if rng.random() < 0.62 else Sex.FEMALE
        family = rng.choice({"Kinh": FAMILY, "Chăm": CHAM_FAMILY, "Ra-glai": RAGLAI_FAMILY}[group])
        middle = "Văn" if sex == Sex.MALE else "Thị"
        dob = _day(rng, dt.date(1982, 1, 1), dt.date(2005, 12, 31))
        century_digit = (0 if dob.year < 2000 else 2) + (0 if sex == Sex.MALE else 1)
        citizen_id = f"{'058' if rng.random() < 0.85 else rng.choice(['056', '060', '079', '068'])}{century_digit}{dob.year % 100:02d}9{number:05d}"
        codes = set()
        if rng.random() < 0.12:
            codes.add("poor")
        elif rng.random() < 0.12:
            codes.add("near_poor")
        if group != "Kinh":
            codes.add("ethnic_minority")
        if rng.random() < 0.04:
            codes.add("merit")
        if rng.random() < 0.05:
            codes.add("land_recovered")
        if unit.code == "584" or tree.is_within(unit.path, BAC_AI_PATH):
            codes.add("poor_district")
        plan = Plan(number=number, citizen_id=citizen_id, full_name=f"{family} {middle} Demo {number:03d}",
                    date_of_birth=dob, sex=sex, unit=unit, ethnicity=ethnic[group],
                    household=[household[c] for c in sorted(codes)], status=_pick(rng, STATUS_WEIGHTS))
        abroad = plan.status in (Status.DEPARTED, Status.RETURNED, Status.ABSCONDED)
        if abroad:
            latest = dt.date(2023, 12, 31) if plan.status == Status.RETURNED else LAST_DAY
            date = _day(rng, dt.date(2021, 1, 4), latest)
            date = max(date, dob.replace(year=dob.year + 18) + dt.timedelta(days=1))
            if date > LAST_DAY:
                plan.status, abroad = Status.WAITING, False
        if abroad:
            code = _pick(rng, COUNTRY_WEIGHTS)
            programme = programmes[_pick(rng, PROGRAMME_WEIGHTS[code])] if code in PROGRAMME_WEIGHTS else (
                by_country.get(code, [None])[0])
            enterprise = enterprises[-1] if rng.random() < 0.05 else rng.choice(enterprises[:-1])
            if programme is not None and programme.code == "KR-EPS":
                enterprise = None  # EPS goes through the public Centre of Overseas Labour
            months = rng.choice([12, 24, 36, 36, 36, 60]) if code != "KR" or programme.code == "KR-EPS" else 5
            certified = rng.random() < 0.93
            plan.departure = {
                "date": date, "country": countries[code], "programme": programme, "enterprise": enterprise,
                "occupation": rng.choice(OCCUPATIONS), "contract_months": months,
                "orientation_cert_no": f"DEMO-GCN-{number:04d}" if certified else "",
                "orientation_cert_date": date - dt.timedelta(days=rng.randint(7, 40)) if certified else None,
            }
            plan.registered_on = date - dt.timedelta(days=rng.randint(150, 330))
            if plan.status == Status.RETURNED:
                plan.early = rng.random() < 0.3
                end = add_months(date, months)
                back = _day(rng, date + dt.timedelta(days=60), end) if plan.early else end + dt.timedelta(days=rng.randint(0, 20))
                if back > LAST_DAY:
                    back, plan.early = _day(rng, date + dt.timedelta(days=60), LAST_DAY), True
                plan.return_on = back
        else:
            plan.registered_on = _day(rng, dt.date(2024, 6, 1), LAST_DAY)
        plans.append(plan)
    _settle_contracts(plans)
    return plans


def _settle_contracts(plans: list[Plan]) -> None:
    """Workers still "departed" whose contract ended long before the demo's last day mostly came home at its end
    or had it extended; a few stay on (the overstays the portal computes). Drawn from a random stream of its
    own, so that the people, units and departures above stay as they were."""
    rng = random.Random(SEED + 7)
    for plan in plans:
        if plan.status != Status.DEPARTED or plan.departure is None:
            continue
        end = add_months(plan.departure["date"], plan.departure["contract_months"])
        if end + dt.timedelta(days=45) >= LAST_DAY:
            continue
        draw = rng.random()
        if draw < 0.12:
            continue  # overstaying: computed from the contract's end, no return recorded
        longer = add_months(end, 12 * rng.randint(1, 3))
        if draw < 0.30 and longer > LAST_DAY:
            plan.extension = (longer, end - dt.timedelta(days=rng.randint(20, 80)))
        else:
            plan.status, plan.return_on = Status.RETURNED, min(end + dt.timedelta(days=rng.randint(0, 20)), LAST_DAY)


def _path(status: str) -> list[str]:
    return {
        Status.REGISTERED: [], Status.COUNSELLED: [Status.COUNSELLED],
        Status.TRAINING: [Status.COUNSELLED, Status.TRAINING],
        Status.WAITING: [Status.COUNSELLED, Status.TRAINING, Status.WAITING],
        Status.WITHDRAWN: [Status.COUNSELLED, Status.WITHDRAWN],
    }.get(status, [Status.COUNSELLED, Status.TRAINING, Status.WAITING])


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# The history of one demo enterprise's licence status (the others: their status since their licence date).
SUSPENSION = ("DEMO-006/LĐTBXH-GP", dt.date(2026, 3, 16), "Quyết định số 00/QĐ-QLLĐNN đình chỉ hoạt động (dữ liệu demo)")


def _status_history() -> None:
    """Each demo enterprise's status as its first history row; the suspended one: active from its licence, then the
    decision that suspended it. Rows already there are left alone."""
    suspended_no, suspended_on, decision = SUSPENSION
    for enterprise in Enterprise.objects.filter(licence_no__startswith="DEMO-", status_changes__isnull=True):
        if enterprise.licence_no == suspended_no:
            EnterpriseStatusChange.objects.create(enterprise=enterprise, to_status=EnterpriseStatus.ACTIVE,
                                                  date=enterprise.licence_date)
            EnterpriseStatusChange.objects.create(enterprise=enterprise, from_status=EnterpriseStatus.ACTIVE,
                                                  to_status=enterprise.status, date=suspended_on, decision_no=decision)
        else:
            EnterpriseStatusChange.objects.create(enterprise=enterprise, to_status=enterprise.status,
                                                  date=enterprise.licence_date)


def load() -> str:
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    with transaction.atomic(), acting_as(admin):
        made_enterprises = 0
        for name, licence_no, licence_date, status in ENTERPRISES:
            _obj, created = Enterprise.objects.get_or_create(
                licence_no=licence_no, defaults={"name": name, "licence_date": licence_date, "status": status})
            made_enterprises += created
        _status_history()
        existing = set(Worker.objects.filter(full_name__contains=" Demo ").values_list("citizen_id", flat=True))
        created = 0
        for plan in demo_progress(_plans(), desc="workers"):
            if plan.citizen_id in existing:
                continue
            _create(plan, admin)
            created += 1
    return f"enterprises created {made_enterprises}, workers created {created}, unchanged {COUNT - created}"


def _create(plan: Plan, user) -> None:
    worker = services.worker_register(
        user=user, citizen_id=plan.citizen_id, full_name=plan.full_name, date_of_birth=plan.date_of_birth,
        sex=plan.sex, unit=plan.unit, ethnicity=plan.ethnicity, household_statuses=plan.household,
        phone=f"0900{plan.number:06d}", education="THPT", wished_country=plan.departure["country"] if plan.departure else None,
        note="Demo", confirm_duplicate=True)
    moments = [plan.registered_on]
    steps = _path(plan.status)
    for index, status in enumerate(steps, start=1):
        services.worker_change_status(user=user, worker=worker, to_status=status)
        end = plan.departure["date"] - dt.timedelta(days=1) if plan.departure else LAST_DAY
        moments.append(min(plan.registered_on + dt.timedelta(days=30 * index), end))
    if plan.departure:
        departure = services.departure_record(user=user, worker=worker, **plan.departure)
        moments.append(plan.departure["date"])
        if plan.extension:
            new_end, approved_on = plan.extension
            services.contract_extend(user=user, departure=departure, new_end=new_end, approved_on=approved_on,
                                     note="Gia hạn hợp đồng")
        if plan.return_on:
            services.return_record(user=user, departure=departure, date=plan.return_on, early=plan.early,
                                   reason="Hết hợp đồng" if not plan.early else "Sức khỏe",
                                   follow_up="Làm việc tại địa phương")
            moments.append(plan.return_on)
        elif plan.status == Status.ABSCONDED:
            learned = min(plan.departure["date"] + dt.timedelta(days=200), LAST_DAY)
            services.absconding_record(user=user, departure=departure, learned_on=learned,
                                       source=AbscondingSource.ENTERPRISE, note="Demo")
            moments.append(learned)
    changes = list(StatusChange.objects.filter(worker=worker).order_by("pk"))
    for change, day in zip(changes, moments, strict=True):
        change.at = _at(day)
    StatusChange.objects.bulk_update(changes, ["at"])
    cache_version.bump()  # bulk_update sends no signal: the waiting counts read these dates
