from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Workers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from portal import invalidation
        from portal.sections import register_menu
        from workers import models

        for model in (models.Country, models.Programme, models.Ethnicity, models.HouseholdStatus,
                      models.Enterprise, models.Departure, models.Return, models.ChecklistItem,
                      models.ChecklistEntry, models.ExpectedDeparture):
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
        # The coverage goals read the checklist (skill certificates) and the programmes' flags; the waiting pool's
        # split by enterprise reads the expected departures.
        invalidation.track("workers.Programme")
        invalidation.track("workers.ChecklistItem")
        invalidation.track("workers.ChecklistEntry", ("worker", "unit"))
        invalidation.track("workers.ExpectedDeparture", ("worker", "unit"))
        register_menu("main", key="workers", label=_("Workers"), url_name="workers:index", order=30)
