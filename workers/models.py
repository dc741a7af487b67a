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
from django.db.models import F, Q
from django.utils import timezone
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
    order = models.PositiveSmallIntegerField(_("order"), default=0,
                                             help_text=_("Lists show smaller numbers first, then by name."))

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["order", "name_vi"]


class Programme(BilingualName):
    code = models.CharField(_("code"), max_length=20, unique=True)
    country = models.ForeignKey(Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="programmes")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
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


class EnterpriseStatusChange(models.Model):
    """One change of an enterprise's licence status: on which date, by which decision (the first row: its status
    when it was entered)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("sending enterprise"), on_delete=models.CASCADE,
                                   related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=10, choices=EnterpriseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=EnterpriseStatus.choices)
    date = models.DateField(_("date of the change"))
    decision_no = models.CharField(_("decision"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("enterprise status change")
        verbose_name_plural = _("enterprise status changes")
        ordering = ["enterprise", "date", "pk"]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.to_status} ({self.date:%d/%m/%Y})"


class Sector(models.TextChoices):
    """The employer's sector, as the receiving countries' programmes name them."""

    MANUFACTURING = "manufacturing", _("Manufacturing")
    CONSTRUCTION = "construction", _("Construction")
    AGRICULTURE = "agriculture", _("Agriculture and livestock")
    FISHERY = "fishery", _("Fishery")
    CARE = "care", _("Caregiving and nursing")
    SERVICES = "services", _("Services")
    OTHER = "other", _("Other")


class Currency(models.TextChoices):
    """Currencies of the wages in contracts (ISO 4217)."""

    JPY = "JPY", _("JPY – Japanese yen")
    KRW = "KRW", _("KRW – Korean won")
    TWD = "TWD", _("TWD – New Taiwan dollar")
    USD = "USD", _("USD – US dollar")
    EUR = "EUR", _("EUR – euro")
    AUD = "AUD", _("AUD – Australian dollar")
    SAR = "SAR", _("SAR – Saudi riyal")
    AED = "AED", _("AED – UAE dirham")
    RON = "RON", _("RON – Romanian leu")
    HUF = "HUF", _("HUF – Hungarian forint")
    GBP = "GBP", _("GBP – pound sterling")
    CNY = "CNY", _("CNY – Chinese yuan")
    SGD = "SGD", _("SGD – Singapore dollar")
    MYR = "MYR", _("MYR – Malaysian ringgit")
    VND = "VND", _("VND – Vietnamese đồng")


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

    # Empty (NULL) only for a record brought in from history with an old 9-digit ID card number (CMND) alone:
    # never invented into a CCCD. A later registration with a CCCD is linked to it (history.HistoricLink).
    citizen_id = models.CharField(_("citizen ID (CCCD)"), max_length=12, unique=True, null=True, blank=True)
    legacy_id_number = models.CharField(_("old ID card number (CMND)"), max_length=9, blank=True, default="",
                                        db_default="")  # raw inserts (COPY, the synthetic data) may leave it out
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
            models.CheckConstraint(condition=Q(legacy_id_number="") | Q(legacy_id_number__regex=r"^[0-9]{9}$"),
                                   name="worker_legacy_id_9_digits"),
            models.CheckConstraint(condition=Q(citizen_id__isnull=False) | ~Q(legacy_id_number=""),
                                   name="worker_has_an_id_number"),
            models.UniqueConstraint(fields=["legacy_id_number"], condition=~Q(legacy_id_number=""),
                                    name="worker_legacy_id_unique"),
            models.CheckConstraint(condition=Q(version__gte=1), name="worker_version_positive"),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="worker_unit_status"),
            # The pool in training or waiting (reports.progress), read from the index alone: status, unit and key.
            models.Index(fields=["status", "unit"], include=["id"], name="worker_status_unit"),
            # A worker's unit by key from the index alone (reports.progress: the stays that ended after a date).
            models.Index(fields=["id"], include=["unit"], name="worker_id_unit"),
            models.Index(fields=["name_key", "date_of_birth"], name="worker_dedup"),
            models.Index(fields=["full_name"], name="worker_full_name"),
            # worker_name_vi, on PostgreSQL only (migration 0020): the lists' Vietnamese order, read from the index.
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def id_number(self) -> str:
        """The CCCD, else the old CMND of a historic record."""
        return self.citizen_id or self.legacy_id_number

    @property
    def has_only_legacy_id(self) -> bool:
        return not self.citizen_id and bool(self.legacy_id_number)


class StatusChange(models.Model):
    """One step of a worker's timeline: who moved them from which status to which, when and why."""

    SCOPE_FIELD = "worker__unit"

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    # When it happened: the time of entry on a screen; the event's own date for what is brought in from history.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    # When the worker left this status: the ``at`` of their next change (by ``at``, then id); empty for the status
    # they are in. Kept by the database itself (triggers of migration 0015, on every insert, delete and change of
    # ``worker``/``at``, whoever writes: services, COPY, imports, rollbacks), so "the status at a date" is one
    # indexed range, ``at < D <= ended_at``, and costs what the period holds, not the whole timeline
    # (reports.progress). ``manage.py status_intervals --check`` recomputes it from the timeline and compares.
    ended_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The worker's home unit, kept by the database (triggers of migration 0019: a change takes its worker's unit,
    # a worker who moves takes their changes with them), so the stays in the pool at a past date are counted by
    # unit from an index alone (reports.progress). ``status_intervals --check`` compares it with the worker's.
    unit = models.ForeignKey(Unit, null=True, blank=True, editable=False, on_delete=models.DO_NOTHING,
                             db_constraint=False, db_index=False, related_name="+")

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
            # Who was in training or waiting at a date D (reports.progress): their stay in it began before D and
            # ended after it (or has not ended): the stays that ended after D, and the open ones.
            models.Index(fields=["ended_at", "at"], include=["worker", "to_status", "unit"],
                         condition=models.Q(to_status__in=["training", "waiting"]), name="statuschange_waiting_stay"),
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
    # The contract (one departure, one contract). ``contract_end`` is the end in force: the end signed (or the
    # departure date + ``contract_months``), moved by each extension (``ContractExtension`` keeps the history).
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    employer_name = models.CharField(_("employer"), max_length=255, blank=True, default="", db_default="")
    employer_country = models.ForeignKey(Country, verbose_name=_("employer's country"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    employer_sector = models.CharField(_("employer's sector"), max_length=20, choices=Sector.choices, blank=True,
                                       default="", db_default="")
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=12, decimal_places=2, null=True, blank=True)
    wage_currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True, default="",
                                     db_default="")
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
            models.CheckConstraint(condition=Q(contract_end__isnull=True) | Q(contract_end__gt=F("date")),
                                   name="departure_contract_ends_after_departure"),
            models.CheckConstraint(condition=Q(monthly_wage__isnull=True) | Q(monthly_wage__gte=0),
                                   name="departure_wage_not_negative"),
        ]
        indexes = [
            # With the key: "a unit's latest departure by a date" (reports.progress, the communes with a worker
            # abroad: one probe per commune) is read from the index alone.
            models.Index(fields=["unit", "date"], include=["id"], name="departure_unit_date"),
            models.Index(fields=["date"], name="departure_date"),
            # The overstay rule: contracts of a programme that ended in a window, by unit.
            models.Index(fields=["programme", "contract_end"], name="departure_programme_end"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.country} ({self.date:%d/%m/%Y})"


class DepartureTally(models.Model):
    """The departures counted per unit, month, country and programme, kept by the database on every write of a
    departure (``workers.tallies``: triggers installed by migration ``workers.0017``), so a report reads a few
    rows per unit instead of every departure. ``own``: departures whose home unit is this unit; not ``own``:
    those whose home unit lies below it (every ancestor of a departure's unit has such a row). Never written by
    the portal's code; ``manage.py departure_tallies --check`` recomputes it from the departures and counts the
    rows that differ."""

    unit = models.ForeignKey(Unit, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    own = models.BooleanField()
    month = models.DateField()  # the first day of the month of departure
    country = models.ForeignKey(Country, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                                related_name="+")
    programme = models.ForeignKey(Programme, null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                  db_index=False,
                                  related_name="+")
    programme_key = models.IntegerField()  # the programme's id, 0 for none: part of the unique key
    n_departed = models.IntegerField(default=0)
    n_female = models.IntegerField(default=0)
    n_poor = models.IntegerField(default=0)  # poor or near-poor household
    n_minority = models.IntegerField(default=0)  # ethnic minority
    n_cert = models.IntegerField(default=0)  # with an orientation certificate

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "own", "month", "country", "programme_key"],
                                    name="departure_tally_key"),
        ]
        indexes = [
            # A report reads the tallies of a few units over a range of months: from this index alone (PostgreSQL),
            # not from the table, whose rows for one unit lie on as many pages as they have rows (written as the
            # departures came): the country's two years, 20,000 rows on 9,500 pages, 51 ms → 6 ms.
            models.Index(fields=["unit", "month"], include=["own", "country", "programme", "n_departed", "n_female",
                                                            "n_poor", "n_minority", "n_cert"],
                         name="departure_tally_unit_month"),
        ]


class ReturnOutcome(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    EARLY = "early", _("Early")
    AFTER_OVERSTAY = "after_overstay", _("After overstaying")


class Work(models.TextChoices):
    """What a returnee does, as a follow-up finds them."""

    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    ABROAD_AGAIN = "abroad_again", _("Abroad again")


class Return(models.Model):
    """The return of a departure, and the returnee's reintegration: the outcome (on time, early, after
    overstaying) and, copied from the latest follow-up (``FollowUp``), what they do and need now."""

    SCOPE_FIELD = "departure__unit"

    departure = models.OneToOneField(Departure, on_delete=models.PROTECT, related_name="return_record")
    date = models.DateField(_("return date"))
    early = models.BooleanField(_("returned early"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    follow_up = models.CharField(_("after return"), max_length=500, blank=True)
    outcome = models.CharField(_("outcome"), max_length=15, choices=ReturnOutcome.choices,
                               default=ReturnOutcome.ON_TIME, db_default=ReturnOutcome.ON_TIME)
    # Days between the end of the contract in force and the return (negative: early; None: no end known). Late
    # is more than the province's grace period: kept as a number so that a report compares it with the grace
    # in force, without date arithmetic in SQL.
    days_past_contract = models.IntegerField(_("days after the contract's end"), null=True, blank=True)
    # From the latest follow-up (services.follow_up_record), so that the returnee list filters and counts
    # without reading the follow-ups.
    work = models.CharField(_("work"), max_length=15, choices=Work.choices, blank=True, default="", db_default="")
    needs_job_referral = models.BooleanField(_("needs a job referral"), default=False, db_default=False)
    needs_loan = models.BooleanField(_("needs a loan"), default=False, db_default=False)
    needs_training = models.BooleanField(_("needs training"), default=False, db_default=False)
    last_follow_up_on = models.DateField(_("last followed up on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["date"], name="return_date"),
                   # "Returned by a date?" per departure (reports.progress, the communes covered) from the index alone.
                   models.Index(fields=["departure", "date"], name="return_departure_date")]


class FollowUpMilestone(models.IntegerChoices):
    THREE = 3, _("3 months")
    SIX = 6, _("6 months")
    TWELVE = 12, _("12 months")


class FollowUp(models.Model):
    """A follow-up of a returnee at 3, 6 or 12 months after the return: who, when, what they do and need.

    Only follow-ups done are rows; the ones due are computed from the return date
    (``workers.contracts.follow_up_due``)."""

    SCOPE_FIELD = "return_record__departure__unit"

    return_record = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="follow_ups")
    milestone = models.PositiveSmallIntegerField(_("follow-up"), choices=FollowUpMilestone.choices)
    done_on = models.DateField(_("followed up on"))
    work = models.CharField(_("work"), max_length=15, choices=Work.choices)
    certificate_used = models.BooleanField(_("skills certificate used"), null=True, blank=True)
    needs_job_referral = models.BooleanField(_("needs a job referral"), default=False)
    needs_loan = models.BooleanField(_("needs a loan"), default=False)
    needs_training = models.BooleanField(_("needs training"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("followed up by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("returnee follow-up")
        verbose_name_plural = _("returnee follow-ups")
        ordering = ["return_record", "milestone"]
        constraints = [
            models.UniqueConstraint(fields=["return_record", "milestone"], name="followup_one_per_milestone"),
        ]


class ContractExtension(models.Model):
    """An extension of a contract: the end it replaced, the new end, and when it was approved."""

    SCOPE_FIELD = "departure__unit"

    departure = models.ForeignKey(Departure, on_delete=models.CASCADE, related_name="extensions")
    previous_end = models.DateField(_("previous end"))
    new_end = models.DateField(_("new end"))
    approved_on = models.DateField(_("approved on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract extension")
        verbose_name_plural = _("contract extensions")
        ordering = ["departure", "new_end", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(new_end__gt=F("previous_end")), name="extension_moves_the_end_later"),
        ]


class AbscondingSource(models.TextChoices):
    ENTERPRISE = "enterprise", _("Report of the sending enterprise")
    FAMILY = "family", _("Family")
    EMBASSY = "embassy", _("Embassy or labour attaché")
    OTHER = "other", _("Other")


class AbscondingClosure(models.TextChoices):
    FOUND = "found", _("Found")
    RETURNED = "returned", _("Returned home")


class Absconding(models.Model):
    """A worker left their employer abroad: when the province learned it, where, from whom; closed when the
    worker is found or comes home (the return closes it). Overstaying is not stored: it is computed from the
    contract's end, the province's grace period and the return (``workers.overstay``)."""

    SCOPE_FIELD = "departure__unit"

    departure = models.ForeignKey(Departure, on_delete=models.PROTECT, related_name="abscondings")
    learned_on = models.DateField(_("date learned"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=AbscondingSource.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_how = models.CharField(_("closed by"), max_length=10, choices=AbscondingClosure.choices, blank=True)
    closed_note = models.CharField(_("note on closing"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("absconding")
        verbose_name_plural = _("abscondings")
        ordering = ["departure", "learned_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["departure"], condition=Q(closed_on__isnull=True),
                                    name="absconding_one_open_per_departure"),
            models.CheckConstraint(condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("learned_on")),
                                   name="absconding_closed_after_learned"),
        ]
        indexes = [models.Index(fields=["departure", "learned_on"], name="absconding_departure_learned")]


class OverstayRule(models.Model):
    """The year's rule of a programme (Korea's EPS): recruitment is suspended in a district whose workers
    staying illegally at ``as_of`` reach ``min_stayers`` AND whose share of workers whose contract ended in the
    window (``window_from``–``window_to``) and who did not return on time reaches ``min_rate`` per cent. Each
    threshold is reached at it (inclusive: ≥) or only above it (strict: >), as the year's notice words it."""

    programme = models.ForeignKey(Programme, verbose_name=_("programme"), on_delete=models.PROTECT,
                                  related_name="overstay_rules")
    year = models.PositiveSmallIntegerField(_("year"))
    min_stayers = models.PositiveIntegerField(_("workers staying illegally (threshold)"))
    stayers_inclusive = models.BooleanField(_("reached at the threshold (≥)"), default=True)
    min_rate = models.DecimalField(_("share not returned on time (threshold, %)"), max_digits=5, decimal_places=2)
    rate_inclusive = models.BooleanField(_("reached at the threshold (≥)"), default=True)
    window_from = models.DateField(_("contracts ended from"))
    window_to = models.DateField(_("contracts ended until"))
    as_of = models.DateField(_("stayers counted on"))
    notice = models.CharField(_("notice"), max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("overstay rule")
        verbose_name_plural = _("overstay rules")
        ordering = ["programme", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="overstay_rule_one_per_programme_year"),
            models.CheckConstraint(condition=Q(min_rate__gte=0) & Q(min_rate__lte=100), name="overstay_rule_rate_percent"),
            models.CheckConstraint(condition=Q(window_to__gte=F("window_from")), name="overstay_rule_window_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.year}"


class AftercareSettings(models.Model):
    """What a province decides about its workers after departure: the grace period after a contract's end
    before a worker who has not returned counts as overstaying, and when a departure through an enterprise
    warns about its absconding rate. A province without a row has the defaults."""

    SCOPE_FIELD = "unit"

    unit = models.OneToOneField(Unit, verbose_name=_("province"), on_delete=models.CASCADE,
                                related_name="aftercare_settings")
    grace_days = models.PositiveSmallIntegerField(_("grace period after the contract's end (days)"), default=30)
    absconding_rate_threshold = models.DecimalField(
        _("warn when an enterprise's absconding rate exceeds (%)"), max_digits=5, decimal_places=2, default=10)
    absconding_min_departures = models.PositiveIntegerField(
        _("only for enterprises with at least this many departures"), default=10)
    absconding_lookback_years = models.PositiveSmallIntegerField(_("over the departures of the last (years)"),
                                                                 default=5)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-departure settings")
        verbose_name_plural = _("after-departure settings")
        constraints = [
            models.CheckConstraint(condition=Q(grace_days__lte=365), name="aftercare_grace_at_most_a_year"),
            models.CheckConstraint(condition=Q(absconding_rate_threshold__gte=0) & Q(absconding_rate_threshold__lte=100),
                                   name="aftercare_absconding_rate_percent"),
            models.CheckConstraint(condition=Q(absconding_lookback_years__gte=1), name="aftercare_lookback_positive"),
        ]


class AccessKind(models.TextChoices):
    VIEW = "view", _("opened the record")
    EDIT = "edit", _("opened the edit form")
    EXPORT = "export", _("exported a list")


class AccessLog(models.Model):
    """Who saw full personal data (CCCD, phone), and when (Law 91/2025/QH15): a worker's record opened or its edit
    form, or a list exported with full data (the filter used and the number of rows; ``worker`` is then empty and
    ``unit`` is the unit the list was about, or the user's own)."""

    SCOPE_FIELD = "unit"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="access_logs",
                               null=True, blank=True)
    unit = models.ForeignKey("portal.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             null=True, blank=True)
    kind = models.CharField(_("access"), max_length=10, choices=AccessKind.choices, default=AccessKind.VIEW)
    query = models.CharField(_("filter used"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
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
