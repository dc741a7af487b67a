from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets and monthly figures")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from notifications.reminders import register_reminder_source
        from portal import invalidation
        from portal.exports import register_export
        from portal.scoping import can_approve
        from portal.sections import register_home_panel, register_menu
        from targets import models, panels
        from targets.exports import DUE_BOARD_EXPORT_LABEL, due_board_export

        register_export("due_board", due_board_export, label=lambda: DUE_BOARD_EXPORT_LABEL)

        for model in (
            models.Plan, models.CoverageGoal, models.Quota, models.Indicator,
            models.MonthlyReport, models.MonthlyValue,
        ):
            auditlog.register(model)
        # What the cached figures (dashboard, progress) read: a write drops its province's (portal.invalidation).
        invalidation.track("targets.Indicator")
        for label in ("targets.Plan", "targets.Quota", "targets.MonthlyReport"):
            invalidation.track(label, ("unit",))
        invalidation.track("targets.CoverageGoal", ("plan", "unit"))
        invalidation.track("targets.MonthlyValue", ("report", "unit"))
        register_menu("main", key="targets", label=_("Targets"), url_name="targets:index", order=10)
        # The monthly chase: the inbox on the home page, the morning reminders.
        register_home_panel("targets", template="targets/_inbox.html", context=panels.inbox_context,
                            count=panels.inbox_count, order=10)
        register_reminder_source("targets.reminders.monthly_reminders")
        register_menu("admin", key="indicators", label=_("Indicators of the monthly report"),
                      url_name="targets:indicator_list", order=50, visible=can_approve)
        register_menu("admin", key="rules", label=_("Validation rules"), url_name="targets:rule_list", order=51,
                      visible=can_approve)
        register_menu("admin", key="ranges", label=_("Usual ranges of the figures"), url_name="targets:range_list",
                      order=52, visible=can_approve)
        register_menu("admin", key="rule_violations", label=_("Rule violations this year"),
                      url_name="targets:rule_violations", order=53, visible=can_approve)
