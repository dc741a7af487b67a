"""Complaints and fraud cases against sending enterprises, unlicensed companies and brokers.

A ``Case`` is handled by one unit (a district, a commune or the province) and moves through a fixed
workflow (``complaints.workflow``): received → being verified → referred → resolved / rejected / closed.
Each step is a ``CaseStep`` with its start date and its statutory due date, computed from the
``StepDeadline`` of its status (data, seeded by a migration, edited in /admin/). The party complained
about is matched to a ``Party`` (one broker across many cases and units, by normalised phone and name);
categories are data (``Category``). Attachments are kept outside the web root (``PRIVATE_MEDIA_ROOT``) and
served only through a scoped view; every opening of a case is logged (``CaseAccess``).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from complaints.storage import private_storage
from portal.models import Unit
from portal.scoping import ScopedQuerySet
from workers.models import BilingualName, Country, Enterprise, Worker


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    VERIFYING = "verifying", _("Being verified")
    REFERRED = "referred", _("Referred")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.RECEIVED, Status.VERIFYING, Status.REFERRED)
FINAL_STATUSES = (Status.RESOLVED, Status.REJECTED, Status.CLOSED)


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone or hotline")
    ONLINE = "online", _("Online")
    TRANSFERRED = "transferred", _("Transferred by another body")


class ComplainantKind(models.TextChoices):
    WORKER = "worker", _("A worker in the registry")
    PERSON = "person", _("A person not in the registry")
    RELATIVE = "relative", _("A relative of a worker")
    OFFICIAL = "official", _("An official")
    ANONYMOUS = "anonymous", _("Anonymous")


class PartyKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Licensed sending enterprise")
    COMPANY = "company", _("Unlicensed company")
    BROKER = "broker", _("Individual broker")


class ReferredTo(models.TextChoices):
    POLICE = "police", _("Police")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    MINISTRY = "ministry", _("The Ministry")
    ENTERPRISE = "enterprise", _("The enterprise")
    OTHER = "other", _("Another body")


class Category(BilingualName):
    """What a complaint is about (kept as data, edited in /admin/)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("offered for new cases"), default=True)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")
        ordering = ["order", "code"]


class StepDeadline(models.Model):
    """The statutory time allowed for one step of a case, counted in calendar days from the day the step
    started, and how much one extension adds (0: the step cannot be extended). A change applies to the steps
    that start afterwards: a step's due date is fixed when it starts."""

    status = models.CharField(_("step"), max_length=10, unique=True,
                              choices=[(value, label) for value, label in Status.choices if value in OPEN_STATUSES])
    days = models.PositiveSmallIntegerField(_("days allowed"))
    extension_days = models.PositiveSmallIntegerField(_("days one extension adds"), default=0)
    legal_basis = models.CharField(_("legal basis"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("statutory deadline of a step")
        verbose_name_plural = _("statutory deadlines of the steps")
        ordering = ["status"]
        constraints = [models.CheckConstraint(condition=Q(days__gt=0), name="stepdeadline_days_positive")]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.days}"


class PartyQuerySet(models.QuerySet):
    def visible_to(self, user) -> PartyQuerySet:
        """A party's own page opens to those who see at least one of its cases; the warning list
        (``complaints.selectors.party_warnings``) shows counts across the province to every user of it."""
        return self.filter(Exists(Case.objects.visible_to(user).filter(party=OuterRef("pk"))))


class Party(models.Model):
    """The enterprise, company or person complained about, as one party across every case that names it.

    A licensed enterprise is one party through ``enterprise``; others are matched by the normalised phone
    (``phone_key``, also any phone given in their cases) or, without a conflicting phone, by the normalised
    name (``complaints.parties``)."""

    kind = models.CharField(_("kind"), max_length=10, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=255)
    name_key = models.CharField(max_length=255, editable=False, db_index=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_key = models.CharField(max_length=15, blank=True, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    enterprise = models.OneToOneField(Enterprise, verbose_name=_("sending enterprise"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="complaint_party")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = _("party complained about")
        verbose_name_plural = _("parties complained about")
        ordering = ["name", "pk"]
        constraints = [
            # One party per phone: two intakes naming a new broker at the same moment cannot make two.
            models.UniqueConstraint(fields=["phone_key"], condition=~Q(phone_key=""), name="party_unique_phone"),
            models.CheckConstraint(condition=Q(kind="enterprise", enterprise__isnull=False)
                                   | (~Q(kind="enterprise") & Q(enterprise__isnull=True)),
                                   name="party_enterprise_iff_licensed"),
        ]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    SCOPE_FIELD = "unit"

    number = models.CharField(_("case number"), max_length=40, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("handling unit"), on_delete=models.PROTECT,
                             related_name="complaint_cases")
    received_on = models.DateField(_("date received"))
    channel = models.CharField(_("received by"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON)
    # Who complains: confidential (complaints.selectors.sees_complainant).
    complainant_kind = models.CharField(_("complainant"), max_length=10, choices=ComplainantKind.choices)
    worker = models.ForeignKey(Worker, verbose_name=_("worker concerned"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="complaint_cases")
    complainant_name = models.CharField(_("complainant's name"), max_length=120, blank=True)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    complainant_address = models.CharField(_("complainant's address"), max_length=255, blank=True)
    # Against whom, as given; ``party`` is the match across cases.
    respondent_kind = models.CharField(_("complained about"), max_length=10, choices=PartyKind.choices)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("sending enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="complaint_cases")
    respondent_name = models.CharField(_("name of the party"), max_length=255)
    respondent_name_key = models.CharField(max_length=255, editable=False)
    respondent_phone = models.CharField(_("phone of the party"), max_length=30, blank=True)
    respondent_phone_key = models.CharField(max_length=15, blank=True, editable=False)
    respondent_address = models.CharField(_("address of the party"), max_length=255, blank=True)
    party = models.ForeignKey(Party, verbose_name=_("party"), on_delete=models.PROTECT, related_name="cases")
    # What.
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases")
    country = models.ForeignKey(Country, verbose_name=_("country concerned"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    incident_date = models.DateField(_("date of the facts"), null=True, blank=True)
    amount_claimed = models.PositiveBigIntegerField(_("amount claimed (đồng)"), null=True, blank=True)
    description = models.TextField(_("description"), max_length=5000)
    # Where the case stands (kept by the services from its steps).
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    step_started_on = models.DateField(_("current step since"))
    due_on = models.DateField(_("due date of the current step"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Outcome.
    amount_recovered = models.PositiveBigIntegerField(_("money recovered (đồng)"), null=True, blank=True)
    sanction = models.CharField(_("sanction imposed"), max_length=500, blank=True)
    referral_result = models.CharField(_("result of the referral"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint case")
        verbose_name_plural = _("complaint cases")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status__in=FINAL_STATUSES) & Q(closed_on__isnull=False))
                | (Q(status__in=OPEN_STATUSES) & Q(closed_on__isnull=True)),
                name="case_closed_on_iff_final"),
            models.CheckConstraint(
                condition=~Q(complainant_kind="anonymous") | (Q(complainant_name="") & Q(complainant_phone="")
                                                              & Q(complainant_address="")),
                name="case_anonymous_has_no_identity"),
            models.CheckConstraint(
                condition=Q(respondent_kind="enterprise", enterprise__isnull=False)
                | (~Q(respondent_kind="enterprise") & Q(enterprise__isnull=True)),
                name="case_enterprise_iff_licensed"),
        ]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="case_unit_received"),
            models.Index(fields=["received_on"], name="case_received"),
            models.Index(fields=["status", "due_on"], name="case_status_due"),
            models.Index(fields=["enterprise", "received_on"], name="case_enterprise_received"),
            models.Index(fields=["respondent_phone_key"], name="case_respondent_phone"),
            models.Index(fields=["respondent_name_key"], name="case_respondent_name"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CaseStep(models.Model):
    """One step of a case: who moved it into which status, from which date, due when, and why."""

    SCOPE_FIELD = "case__unit"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("step"), max_length=10, choices=Status.choices)
    started_on = models.DateField(_("from"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extended by (days)"), default=0)
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    extended_on = models.DateField(_("extended on"), null=True, blank=True)
    referred_to = models.CharField(_("referred to"), max_length=12, choices=ReferredTo.choices, blank=True)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "started_on", "pk"]
        constraints = [
            # The workflow has no loop: a status is reached once (a double submission cannot add a step twice).
            models.UniqueConstraint(fields=["case", "status"], name="casestep_once_per_status"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="casestep_ends_after_start"),
        ]

    @property
    def late(self) -> bool:
        """Whether the step ended after its due date (None-safe: a step without a deadline is never late)."""
        return bool(self.due_on and self.ended_on and self.ended_on > self.due_on)


def attachment_path(instance: Attachment, filename: str) -> str:
    return filename  # the service names the file (complaints.attachments.stored_name)


class Attachment(models.Model):
    SCOPE_FIELD = "case__unit"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=4)  # pdf | jpeg | png
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "uploaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "sha256"], name="attachment_once_per_case")]

    def __str__(self) -> str:
        return self.original_name


class CaseAccess(models.Model):
    """Who opened which case, and when (the complainant's identity is personal data: Law 91/2025/QH15)."""

    SCOPE_FIELD = "case__unit"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    full = models.BooleanField(_("saw the complainant"), default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("case opening")
        verbose_name_plural = _("case openings")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="caseaccess_at"),
            models.Index(fields=["case", "at"], name="caseaccess_case_at"),
            models.Index(fields=["user", "at"], name="caseaccess_user_at"),
        ]


class CaseNumberCounter(models.Model):
    """The last number given in a series (``KN-58-2026``), locked while the next one is taken."""

    series = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)
