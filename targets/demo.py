"""Demo data of Ninh Thuận: the real 2021 quotas, two plans, and the monthly figures of its districts up to 06/2025.

Idempotent: each piece is looked up by its natural key first and left alone if present.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from notifications.services import silenced
from portal import tree
from portal.audit import acting_as
from portal.demo import demo_progress
from portal.models import Structure, Unit
from targets import services
from targets.models import CoverageKind, MonthlyReport, MonthlyReportEvent, Plan, ReportAction, ReportStatus
from workers.models import Departure

PROVINCE = "58"
# The real allocation of 2021 (total 150).
QUOTAS_2021 = {"585": 25, "586": 20, "587": 26, "589": 15, "588": 14, "584": 30, "582": 20}
PLAN_2023 = ("Kế hoạch đưa người lao động đi làm việc ở nước ngoài giai đoạn 2023–2025", [400, 600, 700])
PLAN_2026 = ("Kế hoạch giai đoạn 2026–2030: ít nhất 800 lao động mỗi năm", [800] * 5)

# Ninh Thuận's districts report up to 06/2025, when the reform abolished them: their months are all approved (the
# months since are reported by Khánh Hòa's communes: reports.figures_demo).
SPECIAL: dict[tuple[str, dt.date], str | None] = {}
RETURN_COMMENTS = {
    "584": "Số lao động nữ chưa khớp với danh sách xuất cảnh (minh hoạ).",
}
OUTLIERS: dict[tuple[str, dt.date], dict[str, int]] = {}
NOTIFIED: set[tuple[str, dt.date]] = set()  # history: loaded without notifications
FIRST_MONTH, LAST_MONTH = dt.date(2025, 1, 1), dt.date(2025, 6, 1)


def split(total: int, weights: dict[str, int]) -> dict[str, int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``."""
    whole = sum(weights.values())
    exact = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (-(exact[k] - out[k]), k))[: total - sum(out.values())]:
        out[k] += 1
    return out


def _months():
    month = FIRST_MONTH
    while month <= LAST_MONTH:
        yield month
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _registry_departures(province: Unit) -> dict[tuple[str, dt.date], int]:
    """Departures in the registry per district code and month of the demo's months: the figures each district
    reports (the registry is loaded first, ``settings.DEMO_LOADERS``), so that the two sources agree."""
    last_day = dt.date(LAST_MONTH.year + LAST_MONTH.month // 12, LAST_MONTH.month % 12 + 1, 1) - dt.timedelta(days=1)
    codes = dict(Unit.objects.filter(parent=province).values_list("path", "code"))
    counts: dict[tuple[str, dt.date], int] = {}
    for path, date in Departure.objects.filter(unit__path__startswith=province.path,
                                               date__range=(FIRST_MONTH, last_day)).values_list("unit__path", "date"):
        district = tree.child_path(province.path, path)
        if district in codes:
            key = (codes[district], date.replace(day=1))
            counts[key] = counts.get(key, 0) + 1
    return counts


def _figures(code: str, month: dt.date, departed: int) -> dict[str, int]:
    k = (month.year - 2025) * 12 + month.month
    return {
        "departed": departed,
        "departed_female": departed * 2 // 5,
        "departed_poor": departed // 5,
        "departed_ethnic_minority": departed * (3 if code == "584" else 1) // 5,
        "counselled": departed * 8 + k % 5,
        "registered": departed * 3 + (k + 1) % 3,
        "waiting": departed * 2 + k % 4,
        "returned": departed // 3,
        "absconded": 1 if (k + int(code)) % 11 == 0 else 0,
    }


def _backdate(report: MonthlyReport, code: str, month: dt.date, *, reviewed: bool) -> None:
    """The demo's history is written in one go: give each month the days a unit would really have sent it (the
    1st to the 6th of the next month, so that about one month in six is a day late) and the province approved
    it (two days later), so that the board's timeliness means something."""
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    k = (month.year - 2025) * 12 + month.month
    sent = timezone.make_aware(dt.datetime(following.year, following.month, 1 + (k + int(code)) % 6, 9, 0))
    approved = sent + dt.timedelta(days=2)
    if approved >= timezone.now():
        return
    MonthlyReport.objects.filter(pk=report.pk).update(
        submitted_at=sent, **({"reviewed_at": approved} if reviewed else {}))
    events = MonthlyReportEvent.objects.filter(report=report)
    events.filter(action=ReportAction.SAVED).update(at=sent - dt.timedelta(hours=1))
    events.filter(action=ReportAction.SUBMITTED).update(at=sent)
    if reviewed:
        events.filter(action=ReportAction.APPROVED).update(at=approved)


def load() -> str:
    User = get_user_model()
    admin, staff = User.objects.get(username="admin"), User.objects.get(username="tinh")
    units = {u.code: u for u in Unit.objects.filter(structure=Structure.LEGACY, code__in=[PROVINCE, *QUOTAS_2021])}
    province = units[PROVINCE]
    created = {"quotas": 0, "plans": 0, "reports": 0}
    with transaction.atomic(), acting_as(staff):
        if not province.quotas.filter(year=2021).exists():
            services.quota_set(user=staff, unit=province, year=2021, target=150)
            services.quota_allocate(user=staff, parent=province, year=2021,
                                    targets={units[c].pk: t for c, t in QUOTAS_2021.items()})
            created["quotas"] += 8
        for (name, targets), first, stretch, goals in (
            (PLAN_2023, 2023, Decimal("130"), [
                services.GoalInput(CoverageKind.ORIENTATION_CERTIFICATE, Decimal("100")),
                services.GoalInput(CoverageKind.COMMUNES_COVERED, Decimal("100")),
            ]),
            (PLAN_2026, 2026, None, []),
        ):
            if Plan.objects.filter(unit=province, name=name).exists():
                continue
            plan = services.plan_create(
                user=staff, unit=province, name=name, first_year=first, last_year=first + len(targets) - 1,
                targets=targets, stretch_percent=stretch, decision_no="Số liệu minh hoạ (demo)", goals=goals,
                note="Dữ liệu minh hoạ, không phải văn bản thật.",
            )
            created["plans"] += 1
            if first == 2023:
                for year, target in zip(plan.years, targets, strict=True):
                    shares = split(target, QUOTAS_2021)
                    services.quota_allocate(user=staff, parent=province, year=year,
                                            targets={units[c].pk: t for c, t in shares.items()})
    existing = set(MonthlyReport.objects.filter(unit__in=units.values(), month__gte=FIRST_MONTH).values_list("unit__code", "month"))
    registry = _registry_departures(province)
    for code in demo_progress(QUOTAS_2021, desc="districts"):
        for month in _months():
            status = SPECIAL.get((code, month), ReportStatus.APPROVED)
            if status is None or (code, month) in existing:
                continue
            quiet = silenced() if (code, month) not in NOTIFIED else contextlib.nullcontext()
            with transaction.atomic(), acting_as(admin), quiet:
                report = services.figures_save(user=admin, unit=units[code], month=month,
                                               values={**_figures(code, month, registry.get((code, month), 0)),
                                                       **OUTLIERS.get((code, month), {})},
                                               version=None)
                if status != ReportStatus.DRAFT:
                    checks = services.figures_check(unit=units[code], month=month, values=services.report_values(report))
                    report = services.figures_submit(user=admin, report=report, version=report.version, comment=(
                        "Số liệu tăng đột biến do tổ chức ngày hội việc làm (minh hoạ)." if checks.needs_comment else ""))
                if status == ReportStatus.APPROVED:
                    services.figures_approve(user=staff, report=report, version=report.version)
                elif status == ReportStatus.RETURNED:
                    services.figures_return(user=staff, report=report, version=report.version,
                                            comment=RETURN_COMMENTS.get(code, RETURN_COMMENTS["584"]))
                if status != ReportStatus.DRAFT:
                    _backdate(report, code, month, reviewed=status == ReportStatus.APPROVED)
            created["reports"] += 1
    return ", ".join(f"{k} created {v}" for k, v in created.items())
