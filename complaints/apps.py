from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints and fraud cases")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from complaints import models, sections
        from complaints.exports import CASES_EXPORT_LABEL, SUMMARY_EXPORT_LABEL, cases_export, summary_export
        from portal.exports import register_export
        from portal.sections import register_menu, register_section

        register_export("complaints", cases_export, label=lambda: CASES_EXPORT_LABEL)
        register_export("complaints_summary", summary_export, label=lambda: SUMMARY_EXPORT_LABEL)

        for model in (models.Category, models.StepDeadline, models.Party, models.CaseStep, models.Attachment):
            auditlog.register(model)
        # The audit log is for administrators, but the complainant's contact need not be spelt out there too.
        auditlog.register(models.Case, exclude_fields=["respondent_name_key", "respondent_phone_key", "updated_at"],
                          mask_fields=["complainant_phone", "complainant_address"])
        register_menu("main", key="complaints", label=_("Complaints"), url_name="complaints:case_list", order=50)
        register_menu("admin", key="complaint_access", label=_("Case access log"), url_name="complaints:access_log",
                      order=40)
        # What the cases give back on the pages of the registry: the counts on the enterprises' list, and a
        # worker's own cases (for those who may see that the worker complained).
        register_section("workers:enterprise_list", template="complaints/enterprise_section.html",
                         context=sections.enterprise_section)
        register_section("workers:worker_detail", template="complaints/worker_section.html",
                         context=sections.worker_section, order=200)
        # The home page's inbox (portal.sections): what awaits the user's action here.
        from complaints import panels as inbox_panels
        from portal.sections import register_home_panel

        register_home_panel("complaints", template="complaints/_inbox.html", context=inbox_panels.inbox_context,
                            count=inbox_panels.inbox_count, order=30)
        # The inbox's count of overdue cases is cached: a write to a case drops it (portal.invalidation).
        from portal import invalidation

        invalidation.track("complaints.Case", ("unit",))
        invalidation.track("complaints.CaseStep", ("case", "unit"))
