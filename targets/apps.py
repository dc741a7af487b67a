from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("Targets and monthly figures")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from targets import models

        for model in (
            models.Plan, models.CoverageGoal, models.Quota, models.Indicator,
            models.MonthlyReport, models.MonthlyValue,
        ):
            auditlog.register(model)
