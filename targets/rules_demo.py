"""Demo of the validation rules and outlier flags: a warning rule, a range set by the province, a month sent back
because women outnumber the departures (an error rule), and a draft with an unusual figure (an outlier) that
also breaks the warning rule. Self-contained: it picks the demo's latest returned and draft months, whatever the
story around them; idempotent."""
from __future__ import annotations

import statistics

from django.contrib.auth import get_user_model
from django.db import transaction

from notifications.services import silenced
from portal.audit import acting_as
from targets import rules, services
from targets.models import Indicator, MonthlyReport, ReportStatus, Severity, ValidationRule

WARNING_RULE = ("counselled", ">=", "departed",
                "Số lượt tư vấn thường không ít hơn số lao động đã xuất cảnh: kiểm tra lại hoặc giải trình.")


def _latest(status: str) -> MonthlyReport | None:
    return (MonthlyReport.objects.filter(status=status, values__isnull=False).select_related("unit")
            .order_by("-month", "unit__path").distinct().first())


def load() -> str:
    admin = get_user_model().objects.filter(username="admin").first()
    if admin is None:
        return "no admin: skipped"
    done = []
    with transaction.atomic(), acting_as(admin), silenced():
        left, operator, right, message = WARNING_RULE
        if not ValidationRule.objects.filter(left=left, operator=operator, right=right).exists():
            services.rule_save(user=admin, left=left, operator=operator, right=right, message=message,
                               severity=Severity.WARNING)
            done.append("warning rule")
        returned = _latest(ReportStatus.RETURNED)
        if returned is not None:
            values = services.report_values(returned)
            if not rules.rule_violations(values):
                departed = values.get("departed") or 0
                services.figures_save(user=admin, unit=returned.unit, month=returned.month, version=returned.version,
                                      values={"departed": departed, "departed_female": departed + 2})
                done.append(f"rule violation {returned}")
        draft = _latest(ReportStatus.DRAFT)
        if draft is not None:
            values = services.report_values(draft)
            if "departed" not in {flag.code for flag in rules.outlier_flags(draft.unit, draft.month, values)}:
                series = rules.history_series([draft.unit_id], draft.month)
                usual = series.get((draft.unit_id, "departed"), [])
                departed = 10 * max(3, round(statistics.median(usual))) if usual else 60
                # Counselled at its usual level (not an outlier itself), below the departures: the warning rule.
                usual = series.get((draft.unit_id, "counselled"), [])
                counselled = min(round(statistics.median(usual)) if usual else departed // 2, departed - 1)
                services.figures_save(user=admin, unit=draft.unit, month=draft.month, version=draft.version,
                                      values={"departed": departed, "counselled": counselled})
                done.append(f"outlier {draft}")
        province = returned.unit.parent if returned is not None and returned.unit.parent_id else None
        absconded = Indicator.objects.filter(code="absconded").first()
        if province is not None and absconded is not None:
            services.range_set(user=admin, unit=province, indicator=absconded, minimum=0, maximum=5)
    return ", ".join(done) or "already there"
