from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Progress reports")

    def ready(self) -> None:
        from portal import invalidation

        invalidation.track("reports.ProgressSnapshot", ("unit",))  # the dashboard's trend
