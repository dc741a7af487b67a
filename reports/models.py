"""What the reports keep: each unit's progress at the end of every month (the dashboard's trend), and the
layouts of the review document the provinces made their own."""
from __future__ import annotations

from django.conf import settings
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


class ReviewTemplate(models.Model):
    """A province's (or a district's) own layout of the review document: the portal's template with its fixed
    wording edited in Word. The nearest one at or above a unit applies; without one, the portal's own."""

    SCOPE_FIELD = "unit"

    unit = models.OneToOneField(Unit, verbose_name=_("unit"), on_delete=models.CASCADE,
                                related_name="review_template")
    file = models.FileField(_("template"), upload_to="review-templates/", max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("review document template")
        verbose_name_plural = _("review document templates")

    def __str__(self) -> str:
        return f"{self.unit} ({self.uploaded_at:%d/%m/%Y})"
