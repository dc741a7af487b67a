from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Workers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from portal import invalidation
        from portal.exports import register_export
        from portal.scoping import can_approve
        from portal.sections import register_menu, register_tab
        from workers import models
        from workers.exports import DUE_EXPORT_LABEL, EXPORT_LABEL, due_export, worker_export

        register_export("workers", worker_export, label=lambda: EXPORT_LABEL)
        register_export("due", due_export, label=lambda: DUE_EXPORT_LABEL)
        for model in (models.Country, models.Programme, models.Ethnicity, models.HouseholdStatus,
                      models.Enterprise, models.EnterpriseStatusChange, models.Departure, models.Return,
                      models.ContractExtension, models.Absconding, models.FollowUp, models.OverstayRule,
                      models.AftercareSettings, models.ChecklistItem, models.ChecklistEntry,
                      models.ExpectedDeparture):
            auditlog.register(model)
        auditlog.register(models.Worker, m2m_fields={"household_statuses"}, exclude_fields=["name_key"])
        # What the cached figures (dashboard, progress, the worker list's count and filters) read: a write drops
        # its province's (portal.invalidation). A departure counts under its unit and its worker's (the list
        # shows a worker's last departure under the worker's unit).
        invalidation.track("workers.Country")
        invalidation.track("workers.Enterprise")
        invalidation.track("workers.Worker", ("unit",))
        invalidation.track_moves("workers.Worker")
        invalidation.track_m2m("workers.Worker_household_statuses", ("unit",))
        invalidation.track("workers.StatusChange", ("worker", "unit"))
        invalidation.track("workers.Departure", ("unit",), ("worker", "unit"))
        invalidation.track("workers.Return", ("departure", "unit"), ("departure", "worker", "unit"))
        # After departure: the overstay warnings and the returnees' figures read these.
        invalidation.track("workers.ContractExtension", ("departure", "unit"))
        invalidation.track("workers.Absconding", ("departure", "unit"))
        invalidation.track("workers.FollowUp", ("return_record", "departure", "unit"))
        invalidation.track("workers.OverstayRule")
        invalidation.track("workers.AftercareSettings", ("unit",))
        # The coverage goals read the checklist (skill certificates) and the programmes' flags; the waiting pool's
        # split by enterprise reads the expected departures.
        invalidation.track("workers.Programme")
        invalidation.track("workers.ChecklistItem")
        invalidation.track("workers.ChecklistEntry", ("worker", "unit"))
        invalidation.track("workers.ExpectedDeparture", ("worker", "unit"))
        register_menu("main", key="workers", label=_("Workers"), url_name="workers:index", order=30)
        # Reference data on the portal's screens (administration drop-down): enterprises edited by provincial staff,
        # countries and programmes read by them and edited by the national administrator.
        register_menu("admin", key="enterprises", label=_("Sending enterprises"), url_name="workers:enterprise_list",
                      order=40, visible=can_approve)
        register_menu("admin", key="reference", label=_("Countries and programmes"), url_name="workers:reference",
                      order=45, visible=can_approve)
        register_tab("workers", key="returnees", label=_("Returnees"), url_name="workers:returnee_list",
                     after="workers")
        # The home page's inbox (portal.sections): what awaits the user's action here.
        from portal.sections import register_home_panel
        from workers import panels as inbox_panels

        register_home_panel("followups", template="workers/_inbox_followups.html", context=inbox_panels.inbox_context,
                            count=inbox_panels.inbox_count, order=20)
