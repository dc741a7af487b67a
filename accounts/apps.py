from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from accounts import models, signals  # noqa: F401  (signals: the forced password change at login)
        from accounts.selectors import unit_accounts
        from portal.scoping import can_manage_accounts, manages_accounts
        from portal.sections import register_menu, register_section

        auditlog.register(models.AccountProfile)
        auditlog.register(models.InactivityRule)
        # The accounts screens, for the national administrator and the provincial administrators.
        register_menu("admin", key="accounts", label=_("User accounts"), url_name="accounts:user_list", order=1,
                      visible=manages_accounts)
        register_menu("admin", key="accounts_import", label=_("Accounts in bulk from Excel"),
                      url_name="accounts:import_upload", order=2, visible=manages_accounts)
        # A unit's page lists its accounts, with a button to add one, to those who manage them.
        register_section("unit_detail", template="accounts/unit_section.html", order=50, context=lambda request, unit: {
            "unit_accounts": unit_accounts(request.user, unit) if can_manage_accounts(request.user, unit) else None})
