"""Plans, quotas allocated to units, and the monthly figures each unit reports.

The province's own yearly target is simply the ``Quota`` of the province
unit; a plan's per-year targets are the ``Quota`` rows of the plan's unit
that point to the plan. ``MonthlyReport.version`` gives optimistic locking
(see ``targets.services.figures_save``).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet


class Plan(models.Model):
    """A unit's (usually the province's) target over one or more years."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="plans")
    name = models.CharField(_("name"), max_length=255)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))
    stretch_percent = models.DecimalField(
        _("stretch goal (% of the target)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    decision_no = models.CharField(_("decision number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-first_year", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(last_year__gte=models.F("first_year")), name="plan_years_in_order"),
            models.CheckConstraint(
                condition=Q(stretch_percent__isnull=True) | Q(stretch_percent__gte=0), name="plan_stretch_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


class CoverageKind(models.TextChoices):
    ORIENTATION_CERTIFICATE = "orientation", _("Departing workers holding a pre-departure orientation certificate")
    COMMUNES_COVERED = "communes", _("Communes with at least one worker abroad")
    HIGH_INCOME_MARKETS = "high_income", _("Workers going to high-income markets")
    SKILLED = "skilled", _("Departing workers with a vocational skill")
    OTHER = "other", _("Other goal")


class CoverageGoal(models.Model):
    SCOPE_FIELD = "plan__unit"

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="coverage_goals")
    kind = models.CharField(_("kind"), max_length=20, choices=CoverageKind.choices)
    label = models.CharField(_("description"), max_length=255, blank=True)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage goal")
        verbose_name_plural = _("coverage goals")
        ordering = ["plan", "kind", "label"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0) & Q(percent__lte=100), name="coverage_percent_0_100"),
            models.UniqueConstraint(fields=["plan", "kind", "label"], name="coverage_goal_unique_per_plan"),
        ]

    def __str__(self) -> str:
        return f"{self.label or self.get_kind_display()}: {self.percent}%"


class Quota(models.Model):
    """One unit's target for one year (the province's own target included)."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="quotas")
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.PositiveIntegerField(_("target"))
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.SET_NULL, related_name="quotas"
    )
    stretch_percent = models.DecimalField(
        _("stretch goal (% of the target)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="quota_one_per_unit_and_year"),
            models.CheckConstraint(condition=Q(target__gte=0), name="quota_target_not_negative"),
            models.CheckConstraint(
                condition=Q(stretch_percent__isnull=True) | Q(stretch_percent__gte=0), name="quota_stretch_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="quota_year_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.target}"


class Aggregation(models.TextChoices):
    SUM = "sum", _("Summed over months")
    LATEST = "latest", _("Latest value")


class Indicator(models.Model):
    """One line of the monthly report. The catalogue is data (seeded by a migration)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_vi = models.CharField(_("Vietnamese name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255)
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    # Not "Returned": that word means a worker back home elsewhere in the portal.
    RETURNED = "returned", _("Sent back")


class MonthlyReport(models.Model):
    """A unit's figures for one month (``month`` is the first day of the month)."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="monthly_reports")
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reopened_until = models.DateField(_("reopened until"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="monthly_report_one_per_unit_and_month"),
        ]
        indexes = [models.Index(fields=["month", "unit"], name="monthly_report_month_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%m/%Y}"


class MonthlyValue(models.Model):
    SCOPE_FIELD = "report__unit"

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+")
    value = models.PositiveIntegerField(_("value"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly value")
        verbose_name_plural = _("monthly values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="monthly_value_one_per_indicator"),
            models.CheckConstraint(condition=Q(value__gte=0), name="monthly_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.report} {self.indicator.code}={self.value}"


class ReportAction(models.TextChoices):
    SAVED = "saved", _("Saved as draft")
    SUBMITTED = "submitted", _("Submitted")
    IMPORTED = "imported", _("Imported from Excel and submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for correction")
    REOPENED = "reopened", _("Reopened after the deadline")


class MonthlyReportEvent(models.Model):
    """The report's history as people read it (the audit log keeps the field-level detail)."""

    SCOPE_FIELD = "report__unit"

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=ReportAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))
    comment = models.TextField(_("comment"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report} {self.action}"


class SourceQuota(models.Model):
    """A unit's source-creation target for a year ("chỉ tiêu tạo nguồn"): how many candidates it should register
    and, of them, how many should be trained. A second kind of target beside ``Quota`` (the departures), with its
    own allocation down the tree; its progress is counted from the registry and the classes (reports)."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="source_quotas")
    year = models.PositiveSmallIntegerField(_("year"))
    candidates = models.PositiveIntegerField(_("candidates to register"))
    trained = models.PositiveIntegerField(_("candidates to train"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("source-creation target")
        verbose_name_plural = _("source-creation targets")
        ordering = ["year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="source_quota_one_per_unit_and_year"),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="source_quota_year_unit")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}: {self.candidates}"


class Severity(models.TextChoices):
    ERROR = "error", _("Error: the unit cannot submit until it is fixed")
    WARNING = "warning", _("Warning: the unit may submit with a comment")


class Operator(models.TextChoices):
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "=", "="
    GE = ">=", "≥"
    GT = ">", ">"
    NE = "!=", "≠"


class ValidationRule(models.Model):
    """``left operator right`` over one unit's figures for one month (``targets.rules``): indicator codes,
    whole numbers, + - * and parentheses. National data, edited by administrators on the rules screen."""

    left = models.CharField(_("left side"), max_length=255)
    operator = models.CharField(_("comparison"), max_length=2, choices=Operator.choices, default=Operator.LE)
    right = models.CharField(_("right side"), max_length=255)
    message = models.CharField(_("message (Vietnamese)"), max_length=500)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.ERROR)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.left} {self.get_operator_display()} {self.right}"


class IndicatorRange(models.Model):
    """The values of an indicator a unit (and the units below it) normally reports in a month, set by the
    province: a value outside is flagged (instead of the unit's own history)."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="indicator_ranges")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="+")
    minimum = models.PositiveIntegerField(_("minimum"))
    maximum = models.PositiveIntegerField(_("maximum"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator range")
        verbose_name_plural = _("indicator ranges")
        ordering = ["unit__path", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "indicator"], name="indicator_range_one_per_unit"),
            models.CheckConstraint(condition=Q(minimum__lte=models.F("maximum")), name="indicator_range_min_le_max"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator.code}: {self.minimum}–{self.maximum}"
