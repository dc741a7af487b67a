from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support and loans")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from portal.exports import register_export
        from portal.scoping import can_approve
        from portal.sections import register_menu, register_section, register_tab
        from support import models, selectors
        from support.exports import SUMMARY_EXPORT_LABEL, summary_export

        register_export("support_summary", summary_export, label=lambda: SUMMARY_EXPORT_LABEL)

        for model in (models.PolicyItem, models.PolicyBudget, models.Payment, models.PaymentLine, models.Loan,
                      models.LoanEligibility, models.PolicyVersion, models.PolicyCap):
            auditlog.register(model)
        auditlog.register(models.Policy, m2m_fields={"eligible_statuses"})
        # The worker page shows what the worker received; the registry's tabs lead to the support pages.
        register_section("workers:worker_detail", template="support/worker_section.html",
                         context=lambda request, worker: {"support": selectors.worker_support(worker)})
        register_tab("workers", key="support", label=_("Support and loans"), url_name="support:summary", after="workers")
        # Provincial staff keep their policies on the portal's screens (the administration drop-down leads there).
        register_menu("admin", key="policies", label=_("Support policies"), url_name="support:policy_list", order=30,
                      visible=can_approve)
