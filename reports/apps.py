from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Progress reports")

    def ready(self) -> None:
        from portal import invalidation
        from portal.sections import register_menu

        invalidation.track("reports.ProgressSnapshot", ("unit",))  # the dashboard's trend
        register_menu("main", key="progress", label=_("Progress"), url_name="progress:form", order=20)
