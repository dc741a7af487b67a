"""Warnings shown beside a report in the approval queue.

A check is a function ``(reports) -> {report id: [message, …]}`` over the whole queue at once (so that it
runs a few queries); :func:`register_report_check` adds one. The portal's own checks list the validation rules
a report breaks and flag outliers (``targets.rules``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from targets import rules
from targets.models import MonthlyReport, MonthlyValue

Check = Callable[[list[MonthlyReport]], dict[int, list[str]]]
_checks: list[Check] = []


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
    """The figures beyond the unit's median ± 3 × MAD of its last 24 months, or outside the province's range
    (``targets.rules``); units with fewer than six months of history are not flagged."""
    values: dict[int, dict[str, int]] = defaultdict(dict)
    names = {}
    for report_id, code, name, value in (MonthlyValue.objects.filter(report__in=reports)
                                         .values_list("report_id", "indicator__code", "indicator__name_vi", "value")):
        values[report_id][code] = value
        names[code] = name
    by_month: dict = defaultdict(list)
    for report in reports:
        by_month[report.month].append(report)
    found: dict[int, list[str]] = defaultdict(list)
    ranges = rules.all_ranges({report.unit for report in reports})
    for month, group in by_month.items():
        series = rules.history_series({r.unit_id for r in group}, month)
        for report in group:
            for flag in rules.outlier_flags(report.unit, month, values.get(report.pk, {}), series=series,
                                            ranges=ranges):
                found[report.pk].append(f"{names.get(flag.code, flag.code)}: {flag}")
    return found


def rule_warnings(reports: list[MonthlyReport]) -> dict[int, list[str]]:
    """The validation rules each report breaks."""
    values: dict[int, dict[str, int]] = defaultdict(dict)
    for report_id, code, value in MonthlyValue.objects.filter(report__in=reports).values_list(
            "report_id", "indicator__code", "value"):
        values[report_id][code] = value
    active = rules.active_rules()
    return {report.pk: [str(v) for v in rules.rule_violations(values.get(report.pk, {}), active)]
            for report in reports if values.get(report.pk)}


register_report_check(rule_warnings)
register_report_check(outliers)
