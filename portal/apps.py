from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from portal import invalidation, tasks  # noqa: F401  (tasks: registered in every process, for portal.jobs)
        from portal.models import Scope, Unit

        auditlog.register(Unit)
        auditlog.register(Scope)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        # Units and the reform's mapping are national data: a change drops every cached figure.
        invalidation.track("portal.Unit")
        invalidation.track("portal.UnitSuccession")
