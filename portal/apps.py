from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model
        from django.db.backends.signals import connection_created
        from django.db.models import IntegerField

        from portal import invalidation, tasks  # noqa: F401  (tasks: registered in every process, for portal.jobs)
        from portal.collation import register_sqlite_collation
        from portal.db import IntegerIn

        IntegerField.register_lookup(IntegerIn)  # an id too large for its column is no match, not a server error
        from portal.models import Scope, Unit
        from portal.sections import register_menu

        # Vietnamese alphabetical order on SQLite too (PostgreSQL has the ICU collation: portal.collation).
        connection_created.connect(register_sqlite_collation, dispatch_uid="portal_vi_collation")
        auditlog.register(Unit)
        auditlog.register(Scope)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])
        # Units and the reform's mapping are national data: a change drops every cached figure.
        invalidation.track("portal.Unit")
        invalidation.track("portal.UnitSuccession")
        # The menu: each app adds its own entries (portal.sections); these are the core's.
        register_menu("main", key="units", label=_("Units"), url_name="unit_list", order=90)
        # /admin/ stays for the national administrator's emergencies; every task has its screen in the portal.
        register_menu("admin", key="django_admin", label=_("Technical administration (/admin/, emergencies only)"),
                      url_name="admin:index", order=999)
        register_menu("admin", key="audit", label=_("Audit log"), url_name="audit_list", order=20)
        register_menu("admin", key="dissolved_scopes", label=_("Accounts of abolished units"),
                      url_name="dissolved_scopes", order=30)
