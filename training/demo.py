"""Demo "ready to depart" data of Ninh Thuận: classes run by the employment service centre, a vocational school, a
high school and two demo sending enterprises, with enrolments, JLPT N5/N4 certificates, EPS-TOPIK scores and skill
certificates; the expected departure (enterprise, market, date) of the workers in training or waiting; their
pre-departure checklists, a few incomplete for workers due to depart; skill certificates of some who departed.

Deterministic (a fixed seed, workers in citizen-ID order, fixed dates) and idempotent (a class by its code, an
enrolment by class and worker, a checklist entry by worker and item, an expected departure by worker are left alone
when there). Goes through the services, so capacities, the checklist and the statuses hold as in real use.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min

from portal import tree
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE
from portal.models import Structure, Unit
from support.models import Policy
from training import services
from training.models import ClassKind, Enrolment, Language, OrganiserKind, Result, TrainingClass
from workers import checklist
from workers.models import (
    ChecklistEntry,
    ChecklistItem,
    ChecklistStatus,
    Country,
    Departure,
    Enterprise,
    ExpectedDeparture,
    Programme,
    Status,
    StatusChange,
    Worker,
)

SEED = 20261919
CENTRE = "Trung tâm Dịch vụ việc làm tỉnh Ninh Thuận (demo)"
# code, name, kind, unit code, organiser, organiser's name or enterprise licence, country, programme, language,
# start, end, place, capacity, fee, policy code, (how many pool workers, their district or None)
CLASSES = [
    ("DEMO-NN-N5-2026", "Tiếng Nhật sơ cấp N5 – khóa 1/2026 (demo)", ClassKind.LANGUAGE, "58",
     OrganiserKind.EMPLOYMENT_CENTRE, CENTRE, "JP", "JP-TITP", Language.JAPANESE, dt.date(2026, 3, 2),
     dt.date(2026, 6, 30), "Phan Rang – Tháp Chàm", 30, 6_000_000, "DEMO-GNBV", 22),
    ("DEMO-NN-N4-2026", "Tiếng Nhật N4 – khóa 2/2026 (demo)", ClassKind.LANGUAGE, "58",
     OrganiserKind.EMPLOYMENT_CENTRE, CENTRE, "JP", "JP-SSW", Language.JAPANESE, dt.date(2026, 7, 6),
     dt.date(2026, 10, 30), "Phan Rang – Tháp Chàm", 25, 5_500_000, "DEMO-DTTS", 12),
    ("DEMO-HQ-EPS-2026", "Tiếng Hàn ôn thi EPS-TOPIK (demo)", ClassKind.LANGUAGE, "58",
     OrganiserKind.EMPLOYMENT_CENTRE, CENTRE, "KR", "KR-EPS", Language.KOREAN, dt.date(2026, 5, 4),
     dt.date(2026, 8, 31), "Phan Rang – Tháp Chàm", 10, 4_000_000, None, 11),
    ("DEMO-NGHE-NS-2026", "Kỹ năng nghề hàn điện (demo)", ClassKind.VOCATIONAL, "585",
     OrganiserKind.VOCATIONAL_SCHOOL, "Trường Trung cấp nghề Ninh Sơn (demo)", None, None, "", dt.date(2026, 4, 1),
     dt.date(2026, 7, 31), "Thị trấn Tân Sơn, Ninh Sơn", 20, 3_500_000, None, 8),
    ("DEMO-DH-SD-2026", "Bồi dưỡng kiến thức cần thiết – Công ty Sông Dinh (demo)", ClassKind.ORIENTATION, "58",
     OrganiserKind.ENTERPRISE, "DEMO-001/LĐTBXH-GP", "JP", "JP-TITP", "", dt.date(2026, 9, 1), dt.date(2026, 10, 25),
     "Trung tâm đào tạo của doanh nghiệp", 40, 1_000_000, "DEMO-GNBV", 16),
    ("DEMO-DH-PR-2026", "Giáo dục định hướng – Công ty Phan Rang (demo)", ClassKind.ORIENTATION, "58",
     OrganiserKind.ENTERPRISE, "DEMO-002/LĐTBXH-GP", "TW", "TW-FACTORY", "", dt.date(2026, 11, 2),
     dt.date(2026, 12, 15), "Trung tâm đào tạo của doanh nghiệp", 30, None, None, 12),
    ("DEMO-THPT-BA-2027", "Tiếng Nhật tại Trường THPT Bác Ái (demo)", ClassKind.LANGUAGE, "584",
     OrganiserKind.HIGH_SCHOOL, "Trường THPT Bác Ái (demo)", "JP", None, Language.JAPANESE, dt.date(2027, 1, 5),
     dt.date(2027, 5, 28), "Xã Phước Đại, Bác Ái", 35, None, None, 0),
]
ENROL_BEFORE_START = 10  # days
LAST_DAY = dt.date(2026, 11, 20)  # no demo event after this day (as workers.demo)
DEPARTED_WITH_SKILL = 0.3  # of the 2026 departures not on a skilled programme


def _units() -> dict[str, Unit]:
    codes = {row[3] for row in CLASSES}
    return {u.code: u for u in Unit.objects.filter(structure=Structure.LEGACY, code__in=codes)}


def _classes(admin) -> tuple[list[TrainingClass], int]:
    units = _units()
    enterprises = {e.licence_no: e for e in Enterprise.objects.filter(licence_no__startswith="DEMO-")}
    countries = {c.code: c for c in Country.objects.all()}
    programmes = {p.code: p for p in Programme.objects.all()}
    policies = {p.code: p for p in Policy.objects.filter(code__startswith="DEMO-")}
    made, classes = 0, []
    for (code, name, kind, unit, organiser, organiser_name, country, programme, language, start, end, place,
         capacity, fee, policy, _count) in CLASSES:
        existing = TrainingClass.objects.filter(code=code).first()
        if existing is not None:
            classes.append(existing)
            continue
        enterprise = enterprises.get(organiser_name) if organiser == OrganiserKind.ENTERPRISE else None
        classes.append(services.class_save(user=admin, data=services.ClassInput(
            code=code, name=name, kind=kind, unit=units[unit], organiser_kind=organiser,
            organiser_name="" if enterprise else organiser_name, enterprise=enterprise,
            country=countries.get(country), programme=programmes.get(programme), language=language, start_date=start,
            end_date=end, place=place, capacity=capacity, fee=fee, policy=policies.get(policy) if policy else None,
            note="Dữ liệu minh hoạ (demo).")))
        made += 1
    return classes, made


def _pool(province: Unit) -> list[Worker]:
    return list(Worker.objects.filter(full_name__contains=" Demo ", unit__path__startswith=province.path,
                                      status__in=checklist.POOL_STATUSES)
                .select_related("unit", "wished_country").order_by("citizen_id"))


def _rng(*keys) -> random.Random:
    """A generator of its own for each decision (a class's learners, a worker's papers…): what one decision draws
    does not shift the next, so a second load makes the same choices and finds them made."""
    return random.Random(":".join(str(key) for key in (SEED, *keys)))


def _result(training_class: TrainingClass, worker: Worker, number: int) -> services.ResultInput | None:
    """What became of a learner of a class already over (None: a class still running)."""
    if training_class.end_date >= LAST_DAY:
        return None
    rng = _rng(training_class.code, worker.citizen_id)
    roll = rng.random()
    if roll < 0.06:
        return services.ResultInput(result=Result.DROPPED, attendance=rng.randint(20, 50))
    if roll < 0.16:
        return services.ResultInput(result=Result.FAILED, attendance=rng.randint(60, 85))
    day = min(training_class.end_date + dt.timedelta(days=rng.randint(10, 25)), LAST_DAY)
    attendance = rng.randint(85, 100)
    code = training_class.code
    if code == "DEMO-HQ-EPS-2026":
        return services.ResultInput(result=Result.PASSED, attendance=attendance, certificate_no=f"EPS-DEMO-{number:04d}",
                                    certificate_date=day, level="EPS-TOPIK", score=rng.randint(121, 178))
    if training_class.kind == ClassKind.LANGUAGE:
        level = "JLPT N4" if "N4" in code else "JLPT N5"
        return services.ResultInput(result=Result.PASSED, attendance=attendance,
                                    certificate_no=f"{level[-2:]}-DEMO-{number:04d}", certificate_date=day, level=level)
    if training_class.kind == ClassKind.VOCATIONAL:
        return services.ResultInput(result=Result.PASSED, attendance=attendance,
                                    certificate_no=f"KNN-DEMO-{number:04d}", certificate_date=day, level="Bậc 2")
    return services.ResultInput(result=Result.PASSED, attendance=attendance, certificate_no=f"BD-DEMO-{number:04d}",
                                certificate_date=day)


def _enrolments(admin, classes: list[TrainingClass], pool: list[Worker]) -> int:
    registered = dict(StatusChange.objects.filter(worker__in=pool).values("worker_id").annotate(first=Min("at"))
                      .values_list("worker_id", "first"))
    known = set(Enrolment.objects.filter(training_class__in=classes).values_list("training_class_id", "worker_id"))
    counts = {row[0]: row[-1] for row in CLASSES}
    made, number = 0, 0
    for training_class in classes:
        start = training_class.start_date
        enrol_on = min(start - dt.timedelta(days=ENROL_BEFORE_START), LAST_DAY)
        candidates = [w for w in pool if registered.get(w.pk) and registered[w.pk].date() <= enrol_on
                      and (training_class.unit.code == "58" or tree.is_within(w.unit.path, training_class.unit.path))]
        _rng(training_class.code).shuffle(candidates)
        for worker in candidates[:counts[training_class.code]]:
            number += 1
            if (training_class.pk, worker.pk) in known:
                continue
            enrolment = services.enrolment_create(user=admin, training_class=training_class, worker=worker,
                                                  enrolled_on=enrol_on, confirm_over_capacity=True)
            outcome = _result(training_class, worker, number)
            if outcome is not None:
                services.enrolment_update(user=admin, enrolment=enrolment, data=outcome)
            made += 1
    return made


def _expected(admin, pool: list[Worker]) -> int:
    enterprises = list(Enterprise.objects.filter(licence_no__startswith="DEMO-").order_by("licence_no"))[:5]
    japan = Country.objects.get(code="JP")
    known = set(ExpectedDeparture.objects.filter(worker__in=pool).values_list("worker_id", flat=True))
    made = 0
    for worker in pool:
        rng = _rng("expected", worker.citizen_id)
        roll = rng.random()
        date = (dt.date(2026, 12, 1) + dt.timedelta(days=rng.randint(0, 75)) if worker.status == Status.WAITING
                else dt.date(2027, 2, 1) + dt.timedelta(days=rng.randint(0, 90)))
        if worker.pk in known:
            continue
        if roll < 0.2:
            continue  # no enterprise yet: counted as "no enterprise recorded"
        checklist.expected_departure_set(user=admin, worker=worker, enterprise=rng.choice(enterprises),
                                         country=worker.wished_country or japan, date=date)
        made += 1
    return made


def _dates(rng: random.Random, around: dt.date) -> dt.date:
    return min(around - dt.timedelta(days=rng.randint(5, 60)), LAST_DAY)


def _checklists(admin, pool: list[Worker]) -> int:
    """The waiting workers' papers: most items done, a few missing or failed (the "due to depart" list)."""
    items = {item.code: item for item in ChecklistItem.objects.filter(unit__isnull=True)}
    known = set(ChecklistEntry.objects.filter(worker__in=pool).values_list("worker_id", "item_id"))
    expected = {e.worker_id: e for e in ExpectedDeparture.objects.filter(worker__in=pool)}
    made = 0
    for position, worker in enumerate(pool):
        if worker.status != Status.WAITING:
            continue
        rng = _rng("checklist", worker.citizen_id)
        soon = expected[worker.pk].date if worker.pk in expected and expected[worker.pk].date else dt.date(2026, 12, 15)
        gaps = {"visa", "contract_registered", "insurance", "welfare_fund"} if position % 4 == 0 else (
            {"passport", "visa"} if position % 4 == 1 else set())
        entries = []
        for code, item in items.items():
            if code in gaps or code in ("skill_cert", "orientation_cert", "language_cert", "loan_papers") \
                    or (worker.pk, item.pk) in known:
                continue
            day = _dates(rng, soon - dt.timedelta(days=20))
            if code == "health":
                failed = position % 11 == 3
                entries.append(checklist.EntryInput(item=item, status=ChecklistStatus.FAILED if failed
                                                    else ChecklistStatus.DONE, date=day,
                                                    result="Không đủ sức khỏe" if failed else "Đủ sức khỏe (loại I)"))
            else:
                entries.append(checklist.EntryInput(item=item, status=ChecklistStatus.DONE, date=day,
                                                    document_no=f"DEMO-{code.upper()[:4]}-{worker.pk:05d}"))
        if entries:
            checklist.checklist_save(user=admin, worker=worker, entries=entries)
            made += len(entries)
    return made


def _departed_skills(admin, province: Unit) -> int:
    """A skill certificate for some who departed in 2026 on a programme that is not skilled by itself."""
    item = ChecklistItem.objects.get(code="skill_cert")
    departures = list(Departure.objects.filter(unit__path__startswith=province.path, date__year=2026,
                                               worker__full_name__contains=" Demo ")
                      .exclude(programme__is_skilled=True).select_related("worker", "worker__unit")
                      .order_by("worker__citizen_id"))
    known = set(ChecklistEntry.objects.filter(item=item).values_list("worker_id", flat=True))
    made = 0
    for departure in departures:
        rng = _rng("skill", departure.worker.citizen_id)
        if rng.random() >= DEPARTED_WITH_SKILL or departure.worker_id in known:
            continue
        checklist.checklist_set(user=admin, worker=departure.worker, item=item, status=ChecklistStatus.DONE,
                                date=departure.date - dt.timedelta(days=rng.randint(30, 120)),
                                document_no=f"KNN-DEMO-{departure.worker_id:05d}", result="Bậc 2")
        made += 1
    return made


def load() -> str:
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    province = Unit.objects.get(structure=Structure.LEGACY, code=DEMO_PROVINCE)
    with transaction.atomic(), acting_as(admin):
        services.rule_set(user=admin, province=province, over_capacity_percent=10)
        classes, made = _classes(admin)
        pool = _pool(province)
        enrolled = _enrolments(admin, classes, pool)
        expected = _expected(admin, _pool(province))
        entries = _checklists(admin, _pool(province))
        skills = _departed_skills(admin, province)
    return (f"classes created {made}, enrolments created {enrolled}, expected departures created {expected}, "
            f"checklist entries created {entries}, skill certificates of departed workers {skills}")
