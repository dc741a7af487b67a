"""Going live: the history a province kept in spreadsheets.

- ``ColumnMapping``: how the columns of a sheet of one shape map to the portal's fields, saved under a name so
  that next year's sheet of the same shape maps itself.
- ``ImportBatch``: one uploaded file, from its mapping through the preview to the commit, and the log that lets
  the province roll the whole batch back within 30 days (``BatchChange`` and ``created``).
- ``HistoryFigure``: where only totals exist, a unit's departures in a month or a year, entered or imported and
  marked as history; the progress reports count it for a period the registry holds no departure of
  (``reports.progress``), never twice.
- ``HistoricLink``: a worker later registered with a CCCD, linked by an official to the record history brought in
  with their old ID card number (CMND).
"""
from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet, scope_filter
from workers.models import Worker

UNDO_DAYS = 30
HISTORY_FIGURES_LABEL = _("History figures (totals kept before the registry)")


class SheetKind(models.TextChoices):
    PEOPLE = "people", _("List of workers")
    TOTALS = "totals", _("Totals per unit and period")


class MappingQuerySet(models.QuerySet):
    def visible_to(self, user) -> models.QuerySet:
        """A province's mappings serve its districts too (their sheets have the province's shape)."""
        return scope_filter(self, user, field="unit", above=True)


class ColumnMapping(models.Model):
    """Sheet column → portal field, keyed by the column's header as normalised (accents, case and spaces
    ignored); ``labels`` keeps the headers as written, for the screen."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind of sheet"), max_length=10, choices=SheetKind.choices, default=SheetKind.PEOPLE)
    columns = models.JSONField(_("columns"), default=dict)
    labels = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="history_mapping_unique_name")]

    def __str__(self) -> str:
        return self.name


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Mapping to confirm")
    PREVIEWING = "previewing", _("Preview being computed")
    PREVIEWED = "previewed", _("Previewed")
    COMMITTING = "committing", _("Being saved")
    COMMITTED = "committed", _("Saved")
    ROLLING_BACK = "rolling_back", _("Being rolled back")
    ROLLED_BACK = "rolled_back", _("Rolled back")
    CANCELLED = "cancelled", _("Cancelled")


class ImportBatch(models.Model):
    """One file brought in from history. Nothing of its content is saved before the commit; the file itself is
    kept (private media, never served as is) with its hash, so the commit reads exactly what was previewed."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The unit whose history the file holds: its addresses are matched within it."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    file = models.FileField(_("file"), upload_to="history/%Y/%m/", max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    file_hash = models.CharField(max_length=64)
    file_format = models.CharField(max_length=4, default="xlsx")
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    sheet = models.PositiveSmallIntegerField(_("sheet"), default=0)
    header = models.JSONField(default=dict, blank=True)  # row, depth, first data row, labels, samples, sheets
    kind = models.CharField(_("kind of sheet"), max_length=10, choices=SheetKind.choices, default=SheetKind.PEOPLE)
    mapping = models.JSONField(_("mapping"), default=list, blank=True)  # a field key (or "") per column
    column_mapping = models.ForeignKey(ColumnMapping, verbose_name=_("saved mapping"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="batches")
    structure = models.CharField(_("structure of the units"), max_length=10, blank=True)  # "": by the row's date
    accept_duplicates = models.BooleanField(_("accept likely duplicates"), default=False)
    address_choices = models.JSONField(default=dict, blank=True)  # address key → unit id, chosen by the user
    date_orders = models.JSONField(default=dict, blank=True)  # column index → "dmy", confirmed by the user
    status = models.CharField(_("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    preview = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created = models.JSONField(default=dict, blank=True)  # model label → id ranges of the rows the commit created
    committed_at = models.DateTimeField(_("saved"), null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    rolled_back_at = models.DateTimeField(_("rolled back"), null=True, blank=True)
    rolled_back_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("rolled back by"), null=True,
                                       blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("history import")
        verbose_name_plural = _("history imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["unit", "created_at"], name="history_batch_unit_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def undo_until(self) -> dt.datetime | None:
        return self.committed_at + dt.timedelta(days=UNDO_DAYS) if self.committed_at else None


class ChangeAction(models.TextChoices):
    CREATED = "created", _("created")
    CHANGED = "changed", _("changed")


class BatchChange(models.Model):
    """A row a commit created on, or changed of, a record that existed before it (a trip added to a known worker,
    a figure overwritten), with its values before: what the rollback removes or restores. The workers a commit
    registers are kept as id ranges in ``ImportBatch.created`` instead (tens of thousands of them)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    model = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=8, choices=ChangeAction.choices)
    prior = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "pk"]


def period_bounds(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


class HistoryFigure(models.Model):
    """Departures of a unit in a month, or in a year when only the year's total is known, from before the
    registry. Markets, women, poor or near-poor and ethnic minority are kept where the source knows them (empty:
    not known); departures not assigned to Japan, Korea or Taiwan count as other markets.

    Two figures never overlap on one line of the tree (a unit, its ancestors and its descendants, in periods
    that meet): enforced by the services, so the reports never count a period twice among figures."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True)
    start = models.DateField(editable=False)
    end = models.DateField(editable=False)
    departed = models.PositiveIntegerField(_("departed"))
    japan = models.PositiveIntegerField(_("to Japan"), null=True, blank=True)
    korea = models.PositiveIntegerField(_("to Korea"), null=True, blank=True)
    taiwan = models.PositiveIntegerField(_("to Taiwan"), null=True, blank=True)
    female = models.PositiveIntegerField(_("women"), null=True, blank=True)
    poor = models.PositiveIntegerField(_("poor or near-poor households"), null=True, blank=True)
    ethnic_minority = models.PositiveIntegerField(_("ethnic minority"), null=True, blank=True)
    note = models.CharField(_("source or note"), max_length=255, blank=True)
    batch = models.ForeignKey(ImportBatch, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="figures")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("history figure")
        verbose_name_plural = _("history figures")
        ordering = ["unit__path", "start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "start", "end"], name="history_figure_one_per_unit_period"),
            models.CheckConstraint(condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                                   name="history_figure_month_1_12"),
            models.CheckConstraint(condition=Q(start__lte=F("end")), name="history_figure_start_before_end"),
            models.CheckConstraint(condition=Q(female__isnull=True) | Q(female__lte=F("departed")),
                                   name="history_figure_women_within_departed"),
            models.CheckConstraint(condition=Q(poor__isnull=True) | Q(poor__lte=F("departed")),
                                   name="history_figure_poor_within_departed"),
            models.CheckConstraint(condition=Q(ethnic_minority__isnull=True) | Q(ethnic_minority__lte=F("departed")),
                                   name="history_figure_minority_within_departed"),
        ]
        indexes = [models.Index(fields=["start", "end"], name="history_figure_period")]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_label}: {self.departed}"

    @property
    def period_label(self) -> str:
        return f"{self.month:02d}/{self.year}" if self.month else str(self.year)

    @property
    def other_markets(self) -> int:
        """Departures to other markets, or whose market is not known."""
        return self.departed - (self.japan or 0) - (self.korea or 0) - (self.taiwan or 0)


class HistoricLink(models.Model):
    """``historic`` (a record history brought in with the old CMND alone) is the same person as ``worker`` (their
    registration with a CCCD). Both records keep their own trips; the link shows each on the other's page."""

    SCOPE_FIELD = "worker__unit"

    historic = models.OneToOneField(Worker, verbose_name=_("historic record"), on_delete=models.PROTECT,
                                    related_name="historic_link")
    worker = models.ForeignKey(Worker, verbose_name=_("worker"), on_delete=models.PROTECT,
                               related_name="historic_records")
    note = models.CharField(_("note"), max_length=255, blank=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("link to a historic record")
        verbose_name_plural = _("links to historic records")
        ordering = ["-linked_at", "-pk"]
        constraints = [models.CheckConstraint(condition=~Q(historic=F("worker")), name="history_link_two_records")]
