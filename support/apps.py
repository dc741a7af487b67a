from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Support and loans")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from portal.sections import register_section, register_tab
        from support import models, selectors

        for model in (models.PolicyItem, models.PolicyBudget, models.Payment, models.PaymentLine, models.Loan,
                      models.LoanEligibility):
            auditlog.register(model)
        auditlog.register(models.Policy, m2m_fields={"eligible_statuses"})
        # The worker page shows what the worker received; the registry's tabs lead to the support pages.
        register_section("workers:worker_detail", template="support/worker_section.html",
                         context=lambda request, worker: {"support": selectors.worker_support(worker)})
        register_tab("workers", key="support", label=_("Support and loans"), url_name="support:summary", after="workers")
