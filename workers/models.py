"""The worker registry: people, their pipeline, departures, returns, sending enterprises.

Reference lists (countries, programmes, ethnic groups, household statuses)
are data (see ``workers/reference.py`` and the data migration). ``Departure``
copies the worker's home unit and a few attributes at departure time so that
progress reports are one ``GROUP BY`` on departures, with no join through
workers.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet


class BilingualName(models.Model):
    """Reference rows named in Vietnamese and English; ``name`` follows the active language."""

    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    def __str__(self) -> str:
        return self.name


class Country(BilingualName):
    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    is_high_income = models.BooleanField(_("high-income market"), default=False)

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name_vi"]


class Programme(BilingualName):
    code = models.CharField(_("code"), max_length=20, unique=True)
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="programmes")
    order = models.PositiveSmallIntegerField(default=0)
    # The coverage goals (reports.progress): a departure on a skilled programme counts as skilled work; a
    # programme's own high-income flag overrides its country's (None: as the country).
    is_skilled = models.BooleanField(_("skilled work"), default=False,
                                     help_text=_("Departures on it count as skilled workers."))
    is_high_income = models.BooleanField(_("high-income market"), null=True, blank=True,
                                         help_text=_("Empty: as its country."))

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["order", "code"]


class Ethnicity(models.Model):
    code = models.CharField(_("code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    is_majority = models.BooleanField(_("majority group"), default=False)

    class Meta:
        verbose_name = _("ethnic group")
        verbose_name_plural = _("ethnic groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HouseholdStatus(BilingualName):
    code = models.CharField(_("code"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("household status")
        verbose_name_plural = _("household statuses")
        ordering = ["order", "code"]


class EnterpriseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Licence revoked")


class Enterprise(models.Model):
    """A licensed sending enterprise (national licence, not tied to a unit)."""

    name = models.CharField(_("name"), max_length=255)
    licence_no = models.CharField(_("licence number"), max_length=50, unique=True)
    licence_date = models.DateField(_("licence date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.ACTIVE)

    class Meta:
        verbose_name = _("sending enterprise")
        verbose_name_plural = _("sending enterprises")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="enterprise_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == EnterpriseStatus.ACTIVE


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    COUNSELLED = "counselled", _("Counselled")
    TRAINING = "training", _("In training")
    WAITING = "waiting", _("Waiting to depart")
    DEPARTED = "departed", _("Departed")
    RETURNED = "returned", _("Returned")
    ABSCONDED = "absconded", _("Absconded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Worker(models.Model):
    SCOPE_FIELD = "unit"

    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, unique=True)
    full_name = models.CharField(_("full name"), max_length=120)
    name_key = models.CharField(max_length=120, editable=False)  # normalise_name(full_name), for duplicates and search
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    ethnicity = models.ForeignKey(Ethnicity, verbose_name=_("ethnic group"), null=True, blank=True, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="workers")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    household_statuses = models.ManyToManyField(HouseholdStatus, verbose_name=_("household status"), blank=True)
    education = models.CharField(_("education"), max_length=120, blank=True)
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    skills = models.CharField(_("skills"), max_length=255, blank=True)
    wished_country = models.ForeignKey(
        Country, verbose_name=_("wished-for market"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["full_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(citizen_id__regex=r"^[0-9]{12}$"), name="worker_citizen_id_12_digits"),
            models.CheckConstraint(condition=Q(version__gte=1), name="worker_version_positive"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="worker_unit_status"),
            models.Index(fields=["status"], name="worker_status"),
            models.Index(fields=["name_key", "date_of_birth"], name="worker_dedup"),
            models.Index(fields=["full_name"], name="worker_full_name"),
        ]

    def __str__(self) -> str:
        return self.full_name


class StatusChange(models.Model):
    """One step of a worker's timeline: who moved them from which status to which, when and why."""

    SCOPE_FIELD = "worker__unit"

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["worker", "at", "pk"]
        indexes = [
            # A worker's timeline in order, and "the status at a date" (reports.progress: the last change
            # before the end of a period) read from the index alone, without visiting the table.
            models.Index(fields=["worker", "at", "id"], include=["to_status"], name="statuschange_worker_at_cover"),
            # Who moved on after a date (reports.progress: the waiting count at the end of a period).
            models.Index(fields=["at"], name="statuschange_at"),
        ]


class Departure(models.Model):
    SCOPE_FIELD = "unit"

    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="departures")
    date = models.DateField(_("departure date"))
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="departures")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), null=True, blank=True, on_delete=models.PROTECT)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("sending enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="departures")
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    contract_months = models.PositiveSmallIntegerField(_("contract length (months)"), null=True, blank=True)
    orientation_cert_no = models.CharField(_("orientation certificate number"), max_length=50, blank=True)
    orientation_cert_date = models.DateField(_("orientation certificate date"), null=True, blank=True)
    warning = models.CharField(_("warning"), max_length=500, blank=True)
    # Snapshot at departure time, for GROUP BY reports without a join through workers.
    unit = models.ForeignKey(Unit, verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="departures")
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    is_poor_or_near_poor = models.BooleanField(_("poor or near-poor household"), default=False)
    is_ethnic_minority = models.BooleanField(_("ethnic minority"), default=False)
    has_orientation_cert = models.BooleanField(_("has an orientation certificate"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("departure")
        verbose_name_plural = _("departures")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(contract_months__isnull=True) | Q(contract_months__gt=0),
                                   name="departure_contract_months_positive"),
            models.UniqueConstraint(fields=["worker", "date"], name="departure_one_per_worker_and_date"),
        ]
        indexes = [
            models.Index(fields=["unit", "date"], name="departure_unit_date"),
            models.Index(fields=["date"], name="departure_date"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.country} ({self.date:%d/%m/%Y})"


class Return(models.Model):
    SCOPE_FIELD = "departure__unit"

    departure = models.OneToOneField(Departure, on_delete=models.PROTECT, related_name="return_record")
    date = models.DateField(_("return date"))
    early = models.BooleanField(_("returned early"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    follow_up = models.CharField(_("after return"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date"], name="return_date")]


class AccessLog(models.Model):
    """Who opened which worker's full record, and when (Law 91/2025/QH15)."""

    SCOPE_FIELD = "worker__unit"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="access_logs")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("record access")
        verbose_name_plural = _("record accesses")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["at"], name="accesslog_at"),
            models.Index(fields=["user", "at"], name="accesslog_user_at"),
            models.Index(fields=["worker", "at"], name="accesslog_worker_at"),
        ]



# --- Ready to depart: the pre-departure file -------------------------------------------------------------------------


class ChecklistStatus(models.TextChoices):
    PENDING = "pending", _("Not yet")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    WAIVED = "waived", _("Not required")


class ChecklistItem(BilingualName):
    """One paper or step a worker needs before departure (health check, passport, visa…), kept as data.

    A row without ``unit`` applies in every province; one with a unit (a province) only to the workers of that
    province. ``required`` items that are not done make the departure form and the "due to depart" list warn.
    """

    code = models.SlugField(_("code"), max_length=30, unique=True)
    unit = models.ForeignKey(Unit, verbose_name=_("only in this province"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required before departure"), default=True)
    needs_number = models.BooleanField(_("needs a document number"), default=False)
    has_result = models.BooleanField(_("has a result (passed or failed)"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pre-departure checklist item")
        verbose_name_plural = _("pre-departure checklist items")
        ordering = ["order", "code"]


class ChecklistEntry(models.Model):
    """Where one worker stands on one checklist item: status, date of the document or result, its number."""

    SCOPE_FIELD = "worker__unit"

    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="checklist")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="entries")
    status = models.CharField(_("status"), max_length=8, choices=ChecklistStatus.choices,
                              default=ChecklistStatus.PENDING)
    date = models.DateField(_("date"), null=True, blank=True)
    document_no = models.CharField(_("document number"), max_length=60, blank=True)
    result = models.CharField(_("result or level"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pre-departure checklist entry")
        verbose_name_plural = _("pre-departure checklist entries")
        ordering = ["worker", "item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "item"], name="checklist_entry_one_per_item"),
            models.CheckConstraint(condition=Q(status__in=["pending", "waived"]) | Q(date__isnull=False),
                                   name="checklist_entry_result_has_a_date"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} – {self.item}: {self.get_status_display()}"


class ExpectedDeparture(models.Model):
    """The departure a worker in training or waiting is being prepared for: the sending enterprise that recruited
    them, the market and programme, the expected date. The waiting pool is counted by its enterprise."""

    SCOPE_FIELD = "worker__unit"

    worker = models.OneToOneField(Worker, on_delete=models.CASCADE, related_name="expected_departure")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("sending enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="expected_departures")
    country = models.ForeignKey(Country, verbose_name=_("market"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("expected departure date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("expected departure")
        verbose_name_plural = _("expected departures")
        indexes = [models.Index(fields=["date"], name="expected_departure_date")]

    def __str__(self) -> str:
        return f"{self.worker} → {self.enterprise or '—'}"
