from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = _("Outreach")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_save

        from outreach import models
        from outreach.exports import CAMPAIGN_EXPORT_LABEL, FUNNEL_EXPORT_LABEL, campaign_export, funnel_export
        from outreach.signals import link_leads_on_worker_save, link_leads_on_workers_registered
        from portal.exports import register_export
        from portal.sections import register_menu
        from workers.models import Worker
        from workers.services import workers_registered

        register_export("outreach_funnel", funnel_export, label=lambda: FUNNEL_EXPORT_LABEL)
        register_export("outreach_campaign", campaign_export, label=lambda: CAMPAIGN_EXPORT_LABEL)
        auditlog.register(models.Campaign)
        auditlog.register(models.Activity)
        auditlog.register(models.Lead, exclude_fields=["phone_key"])
        post_save.connect(link_leads_on_worker_save, sender=Worker, dispatch_uid="outreach_link_leads")
        workers_registered.connect(link_leads_on_workers_registered, sender=Worker, dispatch_uid="outreach_link_leads_bulk")
        register_menu("main", key="outreach", label=_("Outreach"), url_name="outreach:index", order=40)
