"""Core models: the tree of administrative units and each user's scope."""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Structure(models.TextChoices):
    LEGACY = "legacy", _("63 provinces (before 01/07/2025)")
    NEW = "2025", _("34 provinces (from 01/07/2025)")


# The day the 2025 structure came into force (Resolution 202/2025/QH15).
REFORM_DATE = dt.date(2025, 7, 1)


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    HAMLET = "hamlet", _("Hamlet")


class Unit(models.Model):
    """One administrative unit in one structure.

    ``path`` is the chain of codes from the province down, prefixed by the
    structure and ending with "/", e.g. ``legacy:58/585/22780/``; the subtree
    of a unit is ``path__startswith=unit.path``, and ``portal.tree`` reads
    everything else off it. Codes are reused between the two structures, so a
    unit is identified by (structure, code).
    """

    structure = models.CharField(_("structure"), max_length=8, choices=Structure.choices)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    path = models.CharField(max_length=255, unique=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_custom = models.BooleanField(_("added by the province"), default=False)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative unit")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="unit_code_unique_per_structure"),
        ]
        indexes = [
            models.Index(fields=["path"], name="unit_path_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["parent", "name"], name="unit_parent_name"),
        ]

    def __str__(self) -> str:
        return self.name


NATIONAL_CODE = "VN"
NATIONAL_NAME = "Toàn quốc"


def national_unit(structure: str) -> Unit:
    """The whole country in ``structure``: an unsaved unit above its provinces (``pk`` None, path ``legacy:`` or
    ``2025:``), the root of a national report (``portal.tree.UnitTree`` reads every province below it)."""
    return Unit(structure=structure, code=NATIONAL_CODE, name=NATIONAL_NAME, short_name=NATIONAL_NAME,
                level=Level.PROVINCE, path=f"{structure}:")


def is_national(unit: Unit | None) -> bool:
    """Whether ``unit`` is the whole country (:func:`national_unit`)."""
    return isinstance(unit, Unit) and unit.pk is None and unit.path.endswith(":")


class UnitSuccession(models.Model):
    """The official old-to-new mapping of the 2025 reform.

    A legacy unit has one or more successors in the 2025 structure; where an
    old commune was divided, ``is_default`` marks the successor its records go
    to unless they say otherwise. Legacy districts and provinces point to the
    new province that absorbed them.
    """

    legacy = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="successions")
    successor = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="predecessions")
    is_default = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("unit succession")
        verbose_name_plural = _("unit successions")
        constraints = [
            models.UniqueConstraint(fields=["legacy", "successor"], name="succession_unique_pair"),
            models.UniqueConstraint(
                fields=["legacy"], condition=models.Q(is_default=True), name="succession_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.legacy} → {self.successor}"


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PROVINCE = "province", _("Provincial staff")
    OFFICIAL = "official", _("Unit official")
    VIEWER = "viewer", _("Leadership (read-only)")


class Scope(models.Model):
    """A user's role and the unit their rights cover (that unit and below).

    ``manages_accounts`` is the right of a provincial staff member to manage the accounts of their province
    (the provincial administrator, ``portal.scoping.can_manage_accounts``): a right on top of the role, so
    that everything provincial staff may do, a provincial administrator may do too.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="scopes"
    )
    manages_accounts = models.BooleanField(
        _("manages the accounts of the province"), default=False,
        help_text=_("Provincial staff only: create, change and deactivate the accounts of the province."))

    class Meta:
        verbose_name = _("user scope")
        verbose_name_plural = _("user scope")
        constraints = [
            models.CheckConstraint(condition=models.Q(manages_accounts=False) | models.Q(role="province"),
                                   name="scope_manages_accounts_province_only"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit or '—'}"


# --- Report jobs ---------------------------------------------------------------------


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class ReportJob(models.Model):
    """One long computation (a progress report…) run by a Celery task; see ``portal.jobs``.

    Scoped by ``portal.scoping.visible_to``: of units in scope, and the user's own outside administrators."""

    kind = models.CharField(_("kind"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="report_jobs",
    )
    # Empty for a national job (administrators only): ``params["structure"]`` names the country's structure.
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="report_jobs",
                             null=True, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="reports/", max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the job service (Celery's broker) took the job; empty while the broker does not answer.
    dispatched_at = models.DateTimeField(_("sent to the job service"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_job_progress_0_100"),
        ]
        indexes = [
            models.Index(fields=["user", "created_at"], name="report_job_user_created"),
            models.Index(fields=["status", "dispatched_at"], name="report_job_undispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def report_unit(self) -> Unit:
        """The unit the job reports on: its unit, or the whole country (:func:`national_unit`)."""
        if self.unit_id is not None:
            return self.unit
        return national_unit(self.params.get("structure") or Structure.LEGACY)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def waiting_for_service(self) -> bool:
        """Pending and not yet taken by the job service (its broker did not answer)."""
        return self.status == JobStatus.PENDING and self.dispatched_at is None


class Heartbeat(models.Model):
    """The last sign of life of a background service (``beat``: the periodic sweep ran; ``worker``: a worker
    started or ran it), read by ``manage.py health`` and ``/healthz``."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("service heartbeat")
        verbose_name_plural = _("service heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%d/%m/%Y %H:%M}"


class UploadPreview(models.Model):
    """An uploaded sheet checked without saving (``portal.uploads``): what it would create, update and leave
    unchanged, and every error. Its bytes and their hash are kept so that the confirmation saves exactly what was
    previewed, once."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        DONE = "done", _("Saved")

    kind = models.CharField(max_length=50)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255, blank=True)
    data = models.BinaryField()
    file_hash = models.CharField(max_length=64)
    options = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    to_create = models.PositiveIntegerField(default=0)
    to_update = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [[row, column, message], …]
    result = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("upload preview")
        verbose_name_plural = _("upload previews")
        indexes = [models.Index(fields=["created_by", "kind"], name="upload_preview_user_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"
