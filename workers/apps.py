from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Workers")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from workers import models

        for model in (models.Country, models.Programme, models.Ethnicity, models.HouseholdStatus,
                      models.Enterprise, models.Departure, models.Return):
            auditlog.register(model)
        auditlog.register(models.Worker, m2m_fields={"household_statuses"}, exclude_fields=["name_key"])
        for model in (models.PolicyItem, models.PolicyBudget, models.Payment, models.PaymentLine, models.Loan,
                      models.LoanEligibility):
            auditlog.register(model)
        auditlog.register(models.Policy, m2m_fields={"eligible_statuses"})
