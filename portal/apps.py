from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from portal.dashboard import connect_invalidation
        from portal.models import Scope, Unit

        auditlog.register(Unit)
        auditlog.register(Scope)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        connect_invalidation()  # cached dashboard figures follow every write (portal.cache_version)
