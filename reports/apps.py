from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Progress reports")

    def ready(self) -> None:
        from portal import invalidation
        from portal.exports import register_export
        from portal.sections import register_menu, register_section, register_tab
        from reports import tasks  # noqa: F401  (registers the reports' tasks: the dashboard sends them by name)
        from reports.aftercare.exports import (
            OVERSTAY_EXPORT_LABEL,
            SCORECARD_EXPORT_LABEL,
            overstay_export,
            scorecard_export,
        )
        from reports.exports import POOL_EXPORT_LABEL, pool_export
        from reports.sourcing import source_progress

        register_export("pool", pool_export, label=lambda: POOL_EXPORT_LABEL)
        register_export("overstay", overstay_export, label=lambda: OVERSTAY_EXPORT_LABEL)
        register_export("scorecard", scorecard_export, label=lambda: SCORECARD_EXPORT_LABEL)

        invalidation.track("reports.ProgressSnapshot", ("unit",))  # the dashboard's trend
        register_menu("main", key="progress", label=_("Progress"), url_name="progress:form", order=20)
        register_menu("main", key="aftercare", label=_("After departure"), url_name="aftercare:overstay", order=35)
        # The after-departure navigation is the registry's (workers/aftercare/_nav.html): the reports go first.
        register_tab("aftercare", key="overstay", label=_("Overstay and suspension risk"),
                     url_name="aftercare:overstay", after="start")
        register_tab("aftercare", key="scorecard", label=_("Enterprise scorecard"), url_name="aftercare:scorecard",
                     after="start")
        from reports.aftercare.views import enterprise_card_context

        register_section("workers:enterprise_detail", template="reports/aftercare/_enterprise_card.html",
                         context=enterprise_card_context)
        # The waiting pool reads the registry and the classes: reached from the training and the registry tabs.
        register_tab("training", key="pool", label=_("Waiting pool"), url_name="progress:pool", after="classes")
        register_tab("workers", key="pool", label=_("Waiting pool"), url_name="progress:pool")
        # The source-creation targets' page (targets) shows their progress (registry and classes).
        register_section("targets:source_table", template="reports/source_section.html", context=lambda request, page: {
            "source": {"year": page["year"], "rows": source_progress(unit=page["parent"], year=page["year"])}})
