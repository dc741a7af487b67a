"""Warnings shown beside a report in the approval queue.

A check is a function ``(reports) -> {report id: [message, …]}`` over the whole queue at once (so that it
runs a fixed number of queries); :func:`register_report_check` adds one (the validation rules, when they
exist, register theirs). The portal's own check flags outliers: a figure far above what the unit usually
reports.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from portal import formats
from targets.models import MonthlyReport, MonthlyValue, ReportStatus

Check = Callable[[list[MonthlyReport]], dict[int, list[str]]]
_checks: list[Check] = []

OUTLIER_MONTHS = 6  # the unit's usual level: the mean of its last approved months
OUTLIER_FACTOR = 3
OUTLIER_MIN_EXCESS = 10  # small figures move a lot: a jump from 1 to 4 is not an outlier


def register_report_check(check: Check) -> None:
    if check not in _checks:
        _checks.append(check)


def report_warnings(reports: Iterable[MonthlyReport]) -> dict[int, list[str]]:
    reports = list(reports)
    found: dict[int, list[str]] = defaultdict(list)
    if not reports:
        return found
    for check in _checks:
        for report_id, messages in check(reports).items():
            found[report_id].extend(messages)
    return found


def outliers(reports: list[MonthlyReport]) -> dict[int, list[str]]:
    """A figure more than three times the unit's mean of its last six approved months (and at least 10 above)."""
    values = list(MonthlyValue.objects.filter(report__in=reports).select_related("indicator")
                  .values_list("report_id", "indicator_id", "indicator__name_vi", "value"))
    units = {r.unit_id for r in reports}
    earliest = min(r.month for r in reports)
    history: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for unit_id, month, indicator_id, value in (
            MonthlyValue.objects.filter(report__unit_id__in=units, report__status=ReportStatus.APPROVED,
                                        report__month__lt=max(r.month for r in reports),
                                        report__month__gte=earliest.replace(year=earliest.year - 1))
            .values_list("report__unit_id", "report__month", "indicator_id", "value")):
        history[(unit_id, indicator_id)].append((month, value))
    by_id = {r.pk: r for r in reports}
    found: dict[int, list[str]] = defaultdict(list)
    for report_id, indicator_id, name, value in values:
        report = by_id[report_id]
        past = sorted((m, v) for m, v in history.get((report.unit_id, indicator_id), []) if m < report.month)
        past = [v for _m, v in past[-OUTLIER_MONTHS:]]
        if len(past) < 3:
            continue
        mean = sum(past) / len(past)
        if value > OUTLIER_FACTOR * mean and value - mean >= OUTLIER_MIN_EXCESS:
            found[report_id].append(_("%(indicator)s: %(value)s, usually about %(mean)s") % {
                "indicator": name, "value": formats.format_int(value), "mean": formats.format_int(round(mean))})
    return found


register_report_check(outliers)
