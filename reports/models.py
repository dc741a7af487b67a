"""What the reports keep: each unit's progress at the end of every month (the dashboard's trend)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Unit
from portal.scoping import ScopedQuerySet


class ProgressSnapshot(models.Model):
    """A unit's progress figures as they stood at the end of ``month`` (first day of the month)."""

    SCOPE_FIELD = "unit"

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="progress_snapshots")
    month = models.DateField(_("month"))
    source = models.CharField(_("source"), max_length=10, default="registry")
    figures = models.JSONField(_("figures"), default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        ordering = ["unit", "month"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month", "source"], name="progress_snapshot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%m/%Y}"
