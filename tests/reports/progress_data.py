"""Data for the progress tests, built straight with the ORM (not through other apps' screens)."""
from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from portal.models import Level, Structure, Unit
from targets.models import CoverageGoal, CoverageKind, Indicator, MonthlyReport, MonthlyValue, Plan, Quota
from workers.models import Country, Departure, Programme, Return, Sex, StatusChange, Worker

# Ninh Thuận 2021 (total 150), by district code.
QUOTAS_2021 = {"585": 25, "586": 20, "587": 26, "589": 15, "588": 14, "584": 30, "582": 20}
_serial = itertools.count(1)


def unit(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code)


def communes(district_code: str) -> list[Unit]:
    return list(Unit.objects.filter(parent__code=district_code, parent__structure=Structure.LEGACY,
                                    level=Level.COMMUNE).order_by("code"))


def set_quotas_2021(plan: Plan | None = None) -> None:
    Quota.objects.create(unit=unit("58"), year=2021, target=150, plan=plan)
    for code, target in QUOTAS_2021.items():
        Quota.objects.create(unit=unit(code), year=2021, target=target, plan=plan)


def make_worker(home: Unit, *, sex: str = Sex.MALE, status: str = "registered") -> Worker:
    number = next(_serial)
    with transaction.atomic():  # outreach links leads on save with select_for_update
        return Worker.objects.create(
            citizen_id=f"058{0 if sex == Sex.MALE else 1}95{number:06d}", full_name=f"Người Thử {number:04d}",
            name_key=f"nguoi thu {number:04d}", date_of_birth=dt.date(1995, 1, 1), sex=sex, unit=home,
            status=status,
        )


def depart(home: Unit, day: dt.date, country: str = "JP", *, sex: str = Sex.MALE, poor: bool = False,
           minority: bool = False, cert: bool = True, programme: str | None = None,
           returned: dt.date | None = None) -> Departure:
    worker = make_worker(home, sex=sex, status="returned" if returned else "departed")
    departure = Departure.objects.create(
        worker=worker, date=day, country=Country.objects.get(code=country),
        programme=Programme.objects.get(code=programme) if programme else None, unit=home, sex=sex,
        is_poor_or_near_poor=poor, is_ethnic_minority=minority, has_orientation_cert=cert,
        orientation_cert_no="BD-1" if cert else "",
    )
    if returned:
        Return.objects.create(departure=departure, date=returned)
    return departure


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def timeline(worker: Worker, *steps: tuple[str, dt.date]) -> None:
    """Give ``worker`` status changes at the given dates (``at`` is auto_now_add: set it afterwards)."""
    previous = ""
    for status, day in steps:
        change = StatusChange.objects.create(worker=worker, from_status=previous, to_status=status)
        StatusChange.objects.filter(pk=change.pk).update(at=at(day))
        previous = status
    Worker.objects.filter(pk=worker.pk).update(status=previous)


def approved_figures(home: Unit, month: dt.date, **values: int) -> MonthlyReport:
    report = MonthlyReport.objects.create(unit=home, month=month, status="approved")
    for code, value in values.items():
        MonthlyValue.objects.create(report=report, indicator=Indicator.objects.get(code=code), value=value)
    return report


def multi_year_plan() -> Plan:
    """1,700 over 2023–2025 split 400/600/700, stretch 130%, with two coverage goals."""
    province = unit("58")
    plan = Plan.objects.create(unit=province, name="Kế hoạch thử 2023–2025", first_year=2023, last_year=2025,
                               stretch_percent=130)
    for year, target in ((2023, 400), (2024, 600), (2025, 700)):
        Quota.objects.create(unit=province, year=year, target=target, plan=plan)
    CoverageGoal.objects.create(plan=plan, kind=CoverageKind.ORIENTATION_CERTIFICATE, percent=100)
    CoverageGoal.objects.create(plan=plan, kind=CoverageKind.COMMUNES_COVERED, percent=100)
    return plan


def h1_2021_dataset() -> dict:
    """Ninh Thuận 2021 quotas and departures (see tests/reports/test_progress.py for the expected numbers).

    H1 2021: Ninh Sơn 10 (JP 6, KR 3, TW 1 – the TW worker returned on 15/05/2021), Bác Ái 6 (JP 2, KR 4),
    Phan Rang – Tháp Chàm 6 (TW 5, DE 1); one more Ninh Sơn departure in July; 3 Ninh Sơn departures
    in H1 2020. Waiting at 30/06/2021: one Ninh Sơn worker in training.
    """
    set_quotas_2021()
    son, ai, pr = communes("585"), communes("584"), communes("582")
    for i in range(6):
        depart(son[0], dt.date(2021, 1, 15), "JP", sex=Sex.FEMALE if i < 4 else Sex.MALE, poor=i < 2,
               cert=i >= 2, programme="JP-TITP")
    for _ in range(3):
        depart(son[1], dt.date(2021, 2, 10), "KR", programme="KR-EPS")
    returned = depart(son[2], dt.date(2021, 3, 5), "TW", returned=dt.date(2021, 5, 15))
    depart(son[3], dt.date(2021, 7, 1), "JP")
    for i in range(6):
        depart(ai[0], dt.date(2021, 4, 1), "JP" if i < 2 else "KR", minority=i < 3)
    for i in range(6):
        depart(pr[0], dt.date(2021, 5, 20), "TW" if i < 5 else "DE")
    for _ in range(3):
        depart(son[0], dt.date(2020, 4, 1), "JP")
    training = make_worker(son[4])
    timeline(training, ("registered", dt.date(2021, 1, 5)), ("training", dt.date(2021, 3, 1)))
    withdrawn = make_worker(son[4])
    timeline(withdrawn, ("waiting", dt.date(2021, 2, 1)), ("withdrawn", dt.date(2021, 5, 1)))
    later = make_worker(ai[1])
    timeline(later, ("registered", dt.date(2021, 1, 5)), ("training", dt.date(2021, 8, 1)))
    make_worker(pr[1])  # registered, no timeline: never counted as waiting
    return {"returned": returned}
