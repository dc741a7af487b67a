"""Demo: the monthly figures since the 2025 reform, reported by Khánh Hòa's communes (2025 structure).

The story the demo tells: today is after the reform, so the year's work happens in the 2025 structure; Ninh
Thuận's legacy districts hold the figures up to 06/2025 (``targets.demo``). From 07/2025 every commune of
Khánh Hòa reports its month, and its "departed" is what the worker registry counts under it (the legacy
communes' departures count under their successors: ``portal.tree.UnitTree``), so the two sources agree,
except for the deliberate differences below, which the reconciliation page lists. Two commune officials
(``xaninhson``, ``xabacai``) have months in every state of the chase.

Runs after the loaders that record departures (``settings.DEMO_LOADERS``). The approved months are written in
bulk (reports, values, events and audit entries), the few months in other states through the services.
Idempotent: nothing is written for a commune and month that already has a report.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal import cache_version
from portal.audit import acting_as, audit_bulk_created
from portal.demo import demo_progress
from portal.models import Level, Structure, Unit
from reports.progress.period import Period
from reports.progress.reconciliation import reconciliation_rows
from targets import services
from targets.models import Indicator, MonthlyReport, MonthlyReportEvent, MonthlyValue, ReportAction, ReportStatus

PROVINCE = "56"
FIRST_MONTH, LAST_MONTH = dt.date(2025, 7, 1), dt.date(2026, 10, 1)
XA_NINH_SON, XA_BAC_AI = "22810", "22795"
# (commune, month) → the state of a month that is not simply approved (None: not reported, so overdue).
SPECIAL = {
    (XA_NINH_SON, dt.date(2026, 9, 1)): ReportStatus.RETURNED,
    (XA_NINH_SON, dt.date(2026, 10, 1)): None,
    (XA_BAC_AI, dt.date(2026, 10, 1)): ReportStatus.SUBMITTED,
    ("22813", dt.date(2026, 10, 1)): ReportStatus.SUBMITTED,  # Xã Lâm Sơn, with a figure that stands out
    ("22849", dt.date(2026, 10, 1)): ReportStatus.DRAFT,  # Xã Thuận Bắc
}
OUTLIERS = {("22813", dt.date(2026, 10, 1)): {"counselled": 400}}  # the approval queue flags it
RETURN_COMMENT = "Số lao động nữ chưa khớp với danh sách xuất cảnh (minh hoạ)."
# The deliberate differences between the approved figures and the registry (what the commune reported minus what
# the registry holds), each with the reason the reconciliation would lead an official to find.
DIFFERENCES = {
    ("22813", dt.date(2026, 3, 1)): (2, "Hai lao động xuất cảnh qua doanh nghiệp nhưng chưa nhập vào sổ đăng ký "
                                       "(minh hoạ)."),
    ("22840", dt.date(2026, 4, 1)): (-1, "Một lao động xuất cảnh cuối tháng, xã chưa kịp báo trong tháng (minh hoạ)."),
}


def _values(departed: int, k: int) -> dict[str, int]:
    return {
        "departed": departed, "departed_female": departed * 2 // 5, "departed_poor": departed // 5,
        "departed_ethnic_minority": departed // 5, "counselled": departed * 8 + 3 + k % 5,
        "registered": departed * 3 + 1 + k % 3, "waiting": departed * 2 + k % 4, "returned": departed // 3,
        "absconded": 0,
    }


def _months():
    month = FIRST_MONTH
    while month <= LAST_MONTH:
        yield month
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _sent(month: dt.date, k: int) -> dt.datetime:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return timezone.make_aware(dt.datetime(following.year, following.month, 1 + k % 5, 9, 0))


def load() -> str:
    province = Unit.objects.filter(structure=Structure.NEW, code=PROVINCE).first()
    if province is None:
        return "no 2025-structure Khánh Hòa: nothing to do"
    User = get_user_model()
    staff = User.objects.get(username="khanhhoa")
    communes = {u.code: u for u in Unit.objects.filter(parent=province, level=Level.COMMUNE)}
    months = list(_months())
    # What the registry counts under each commune and month (the reconciliation's own numbers).
    registry: dict[tuple[int, dt.date], int] = {}
    for year in sorted({m.year for m in months}):
        for line in reconciliation_rows(province, Period.for_year(year), today=LAST_MONTH.replace(day=28)):
            registry[(line["unit_id"], dt.date.fromisoformat(line["month"]))] = line["registry"]
    existing = set(MonthlyReport.objects.filter(unit__in=communes.values(), month__gte=FIRST_MONTH)
                   .values_list("unit__code", "month"))
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=_values(0, 0))}
    approved, special, number = [], [], 0
    for code in sorted(communes):
        unit = communes[code]
        for k, month in enumerate(months):
            if (code, month) in existing:
                continue
            departed = registry.get((unit.pk, month), 0) + DIFFERENCES.get((code, month), (0, ""))[0]
            values = {**_values(max(departed, 0), k + int(code)), **OUTLIERS.get((code, month), {})}
            if (code, month) in SPECIAL:
                special.append((unit, month, SPECIAL[(code, month)], values))
            else:
                approved.append((unit, month, values, k + int(code)))
    with transaction.atomic(), acting_as(staff):
        reports = [MonthlyReport(unit=unit, month=month, status=ReportStatus.APPROVED, submitted_at=_sent(month, k),
                                 reviewed_by=staff, reviewed_at=_sent(month, k) + dt.timedelta(days=2),
                                 comment=DIFFERENCES.get((unit.code, month), (0, ""))[1], updated_by=staff)
                   for unit, month, _values_, k in approved]
        MonthlyReport.objects.bulk_create(reports, batch_size=500)
        MonthlyValue.objects.bulk_create(
            [MonthlyValue(report=report, indicator=indicators[code], value=value)
             for report, (_unit, _month, values, _k) in zip(reports, approved, strict=True)
             for code, value in values.items()], batch_size=2000)
        MonthlyReportEvent.objects.bulk_create(
            [MonthlyReportEvent(report=report, action=action, by=staff, at=at)
             for report in reports
             for action, at in ((ReportAction.SAVED, report.submitted_at - dt.timedelta(hours=1)),
                                (ReportAction.SUBMITTED, report.submitted_at),
                                (ReportAction.APPROVED, report.reviewed_at))], batch_size=2000)
        audit_bulk_created(staff, reports)
        cache_version.bump([province])  # bulk writes send no signal
        # The months in other states go through the services (their events, the notifications the officials see),
        # saved by the administrator (the deadline has passed by today) and dated back to when a commune sends them.
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        for unit, month, status, values in demo_progress(special, desc="months"):
            if status is None:
                continue
            number += 1
            with acting_as(admin):
                report = services.figures_save(user=admin, unit=unit, month=month, values=values, version=None)
                if status != ReportStatus.DRAFT:
                    # An outlier (the demo has one on purpose) or a broken warning rule needs an explanation.
                    checks = services.figures_check(unit=unit, month=month, values=services.report_values(report))
                    report = services.figures_submit(user=admin, report=report, version=report.version, comment=(
                        "Số tư vấn tăng do tổ chức ngày hội việc làm tại xã (minh hoạ)." if checks.needs_comment else ""))
            if status == ReportStatus.RETURNED:
                services.figures_return(user=staff, report=report, version=report.version, comment=RETURN_COMMENT)
            if status != ReportStatus.DRAFT:
                sent = _sent(month, 0)
                MonthlyReport.objects.filter(pk=report.pk).update(submitted_at=sent)
                report.events.filter(action=ReportAction.SAVED).update(at=sent - dt.timedelta(hours=1))
                report.events.filter(action=ReportAction.SUBMITTED).update(at=sent)
    return f"2025-structure monthly figures: {len(reports)} approved months, {number} in other states"
