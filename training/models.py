"""Training before departure: language, vocational skill and orientation classes, the workers enrolled in them,
their attendance, result and certificate.

A class belongs to a unit (the province's employment service centre, a district, a commune, for a class run by a
school or a sending enterprise: the unit that organises or commissions it). It is visible to the users of that
unit, of the units below it (their officials enrol their workers in a provincial class) and of the units above
it; a class of a sibling unit is not (404). An enrolment belongs to the worker's home unit.

How many may enrol: the class's capacity, and beyond it, with a warning, up to the share the province allows
(``TrainingRule``); past that, an enrolment is refused.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet, scope_filter
from support.models import Policy
from workers.models import Country, Enterprise, Programme, Worker

DEFAULT_OVER_CAPACITY_PERCENT = 10


class ClassKind(models.TextChoices):
    LANGUAGE = "language", _("Language")
    VOCATIONAL = "vocational", _("Vocational skill")
    ORIENTATION = "orientation", _("Pre-departure orientation")


class OrganiserKind(models.TextChoices):
    EMPLOYMENT_CENTRE = "employment_centre", _("Employment service centre")
    VOCATIONAL_SCHOOL = "vocational_school", _("Vocational school")
    ENTERPRISE = "enterprise", _("Sending enterprise")
    HIGH_SCHOOL = "high_school", _("High school")
    OTHER = "other", _("Other organiser")


class Language(models.TextChoices):
    JAPANESE = "japanese", _("Japanese")
    KOREAN = "korean", _("Korean")
    CHINESE = "chinese", _("Chinese")
    ENGLISH = "english", _("English")
    GERMAN = "german", _("German")
    OTHER = "other", _("Other language")


class Result(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    DROPPED = "dropped", _("Dropped out")


# The checklist item (workers' pre-departure file) a class's certificate stands for.
CHECKLIST_CODE = {ClassKind.LANGUAGE: "language_cert", ClassKind.VOCATIONAL: "skill_cert",
                  ClassKind.ORIENTATION: "orientation_cert"}


class TrainingClassQuerySet(models.QuerySet):
    def visible_to(self, user) -> TrainingClassQuerySet:
        """Classes of the user's unit, of the units below it and of the units above it (a provincial class is
        open to every district); not those of a sibling unit."""
        return scope_filter(self, user, field="unit", above=True)


class TrainingClass(models.Model):
    code = models.CharField(_("class code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=ClassKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="training_classes",
                             help_text=_("The unit that organises or commissions the class."))
    organiser_kind = models.CharField(_("organiser"), max_length=20, choices=OrganiserKind.choices)
    organiser_name = models.CharField(_("organiser's name"), max_length=255, blank=True)
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("sending enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="training_classes")
    country = models.ForeignKey(Country, verbose_name=_("market"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    programme = models.ForeignKey(Programme, verbose_name=_("programme"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    fee = models.PositiveBigIntegerField(_("cost per learner (đồng)"), null=True, blank=True)
    policy = models.ForeignKey(Policy, verbose_name=_("support policy that pays"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="training_classes")
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrainingClassQuerySet.as_manager()

    class Meta:
        verbose_name = _("training class")
        verbose_name_plural = _("training classes")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="class_dates_in_order"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="class_capacity_positive"),
            models.CheckConstraint(condition=~Q(organiser_kind="enterprise") | Q(enterprise__isnull=False),
                                   name="class_enterprise_named"),
        ]
        indexes = [models.Index(fields=["unit", "start_date"], name="class_unit_start"),
                   models.Index(fields=["start_date"], name="class_start")]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def organiser(self) -> str:
        if self.enterprise_id and self.organiser_kind == OrganiserKind.ENTERPRISE:
            return self.enterprise.name
        return self.organiser_name or self.get_organiser_kind_display()


class Enrolment(models.Model):
    SCOPE_FIELD = "worker__unit"

    training_class = models.ForeignKey(TrainingClass, verbose_name=_("class"), on_delete=models.PROTECT,
                                       related_name="enrolments")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField(_("enrolled on"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.ENROLLED)
    attendance = models.PositiveSmallIntegerField(_("attendance (%)"), null=True, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=60, blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    level = models.CharField(_("certificate level"), max_length=40, blank=True, help_text=_("E.g. JLPT N4, skill level 2."))
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True, help_text=_("E.g. an EPS-TOPIK score."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["training_class", "worker__name_key", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["training_class", "worker"], name="enrolment_one_per_class"),
            models.CheckConstraint(condition=Q(attendance__isnull=True) | Q(attendance__lte=100),
                                   name="enrolment_attendance_percent"),
            models.CheckConstraint(condition=Q(certificate_no="") | Q(certificate_date__isnull=False),
                                   name="enrolment_certificate_dated"),
        ]
        indexes = [models.Index(fields=["worker", "enrolled_on"], name="enrolment_worker")]

    def __str__(self) -> str:
        return f"{self.worker} – {self.training_class.code}"


class TrainingRule(models.Model):
    """A province's rule for its classes: how far past a class's capacity an enrolment is still accepted (with a
    warning)."""

    SCOPE_FIELD = "unit"

    unit = models.OneToOneField(Unit, verbose_name=_("province"), on_delete=models.CASCADE, related_name="+")
    over_capacity_percent = models.PositiveSmallIntegerField(
        _("accepted over capacity (%)"), default=DEFAULT_OVER_CAPACITY_PERCENT,
        help_text=_("Enrolments past a class's capacity are accepted with a warning up to this share of it, "
                    "and refused beyond."))
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training rule")
        verbose_name_plural = _("training rules")
        constraints = [models.CheckConstraint(condition=Q(over_capacity_percent__lte=100),
                                              name="training_rule_percent_at_most_100")]

    def __str__(self) -> str:
        return f"{self.unit}: +{self.over_capacity_percent}%"
