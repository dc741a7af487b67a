"""Outreach: campaigns, the activities that spread the word, and the people they reach (leads).

Scope: an activity and its leads belong to the activity's unit. A campaign
belongs to its unit, and is also *visible* (read-only) to an official whose
unit takes part in it, i.e. has an activity under it: a provincial campaign
shows up in Ninh Sơn's list once Ninh Sơn records a job fair for it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet, scope_filter, scope_q


class Channel(models.TextChoices):
    NEWSPAPER = "newspaper", _("Newspaper")
    RADIO = "radio", _("Radio")
    TV = "tv", _("Television")
    PORTAL = "portal", _("Provincial portal")
    FACEBOOK = "facebook", _("Facebook")
    ZALO = "zalo", _("Zalo")
    BULLETIN = "bulletin", _("Bulletin")
    CONFERENCE = "conference", _("Conference")
    COUNSELLING = "counselling", _("Counselling session")
    JOB_FAIR = "job_fair", _("Job fair")


MEDIA_CHANNELS = (Channel.NEWSPAPER, Channel.RADIO, Channel.TV, Channel.PORTAL, Channel.FACEBOOK, Channel.ZALO,
                  Channel.BULLETIN)


class Kind(models.TextChoices):
    JOB_FAIR = "job_fair", _("Job fair")
    CONFERENCE = "conference", _("Conference")
    COUNSELLING = "counselling", _("Counselling session")
    MEDIA = "media", _("Media item")


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Campaigns of the user's units (and of the legacy units a 2025 user inherited), and those above in
        which one of their units takes part."""
        condition = scope_q(user, "unit")
        if condition is None:
            return self
        taking_part = Activity.objects.visible_to(user).values("campaign_id")
        return self.filter(condition | Q(pk__in=taking_part))

    def open_to(self, user) -> CampaignQuerySet:
        """Campaigns an activity of the user may join: their units' and their ancestors' campaigns (not an
        abolished unit's: nothing new is entered on those)."""
        return scope_filter(self, user, field="unit", above=True, inherited=False)


class Campaign(models.Model):
    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=255)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    target_groups = models.TextField(_("target groups"), blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    budget = models.PositiveBigIntegerField(_("budget (đồng)"), default=0)
    goal_reached = models.PositiveIntegerField(_("goal: people reached"), default=0)
    goal_registrations = models.PositiveIntegerField(_("goal: registrations"), default=0)
    goal_departures = models.PositiveIntegerField(_("goal: departures"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-date_from", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")), name="campaign_period_ordered"),
            models.UniqueConstraint(fields=["unit", "name", "date_from"], name="campaign_unique_name_per_unit"),
        ]
        indexes = [models.Index(fields=["unit", "date_from"], name="campaign_unit_date")]

    def __str__(self) -> str:
        return self.name

    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]


NON_NEGATIVE = ("enterprises", "attendees", "counselled", "registrations", "reach", "cost")


class Activity(models.Model):
    SCOPE_FIELD = "unit"

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="activities")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="outreach_activities")
    kind = models.CharField(_("activity type"), max_length=12, choices=Kind.choices)
    # For events the channel is the kind itself (job fair, conference, counselling), so that the
    # funnel by channel is one GROUP BY; for media items it is where the item appeared.
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    date = models.DateField(_("date"))
    name = models.CharField(_("name or title"), max_length=255)
    place = models.CharField(_("place"), max_length=255, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    counselled = models.PositiveIntegerField(_("people counselled"), default=0)
    registrations = models.PositiveIntegerField(_("registrations collected"), default=0)
    reach = models.PositiveIntegerField(_("reach / views"), default=0)
    cost = models.PositiveBigIntegerField(_("cost (đồng)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outreach activity")
        verbose_name_plural = _("outreach activities")
        ordering = ["-date", "-pk"]
        constraints = [
            *(models.CheckConstraint(condition=Q(**{f"{f}__gte": 0}), name=f"activity_{f}_non_negative")
              for f in NON_NEGATIVE),
            models.UniqueConstraint(fields=["unit", "date", "kind", "name"], name="activity_natural_key"),
        ]
        indexes = [
            models.Index(fields=["unit", "date"], name="activity_unit_date"),
            models.Index(fields=["campaign", "date"], name="activity_campaign_date"),
            models.Index(fields=["date"], name="activity_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d/%m/%Y})"

    @property
    def is_media(self) -> bool:
        return self.kind == Kind.MEDIA


class LinkMethod(models.TextChoices):
    NONE = "", _("Not linked")
    AUTO = "auto", _("Linked automatically")
    MANUAL = "manual", _("Set by hand")


class Lead(models.Model):
    """A person reached by an activity, followed once they register as a worker.

    ``link_method`` "manual" means a person decided the link (or decided that
    there is none, with ``worker`` empty): automatic linking never touches it.
    """

    SCOPE_FIELD = "activity__unit"

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="leads")
    full_name = models.CharField(_("full name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_key = models.CharField(max_length=20, blank=True, editable=False)
    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="outreach_leads")
    worker = models.ForeignKey("workers.Worker", verbose_name=_("worker"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="outreach_leads")
    link_method = models.CharField(_("link"), max_length=6, choices=LinkMethod.choices, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["full_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(citizen_id="") | Q(citizen_id__regex=r"^[0-9]{12}$"),
                                   name="lead_citizen_id_12_digits"),
        ]
        indexes = [
            models.Index(fields=["phone_key"], name="lead_phone_key"),
            models.Index(fields=["citizen_id"], name="lead_citizen_id"),
            models.Index(fields=["activity", "full_name"], name="lead_activity_name"),
        ]

    def __str__(self) -> str:
        return self.full_name
