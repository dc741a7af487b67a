from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = _("History before going live")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from history import models, selectors
        from portal import invalidation
        from portal.scoping import can_write
        from portal.sections import register_menu, register_section

        auditlog.register(models.ColumnMapping)
        auditlog.register(models.ImportBatch, exclude_fields=["preview", "header", "created", "mapping"])
        auditlog.register(models.HistoryFigure)
        auditlog.register(models.HistoricLink)
        # History figures feed the progress reports and the dashboard (reports.progress).
        invalidation.track("history.HistoryFigure", ("unit",))
        # The worker page shows the link between a historic record (old CMND) and a later registration (CCCD).
        register_section("workers:worker_detail", template="history/worker_section.html",
                         context=lambda request, worker: selectors.worker_history(request.user, worker), order=50)
        register_menu("main", key="history", label=_("Historical data"), url_name="history:index", order=45,
                      visible=can_write)
