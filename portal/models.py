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


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user) -> UnitQuerySet:
        from portal.scoping import scope_filter

        return scope_filter(self, user, field=None)

    def subtree(self, unit: Unit) -> UnitQuerySet:
        """The unit itself and every unit below it: one indexed range scan."""
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """One administrative unit in one structure.

    ``path`` is the chain of codes from the province down, prefixed by the
    structure and ending with "/", e.g. ``legacy:58/585/22780/``; the subtree
    of a unit is ``path__startswith=unit.path``. Codes are reused between the
    two structures, so a unit is identified by (structure, code).
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

    objects = UnitQuerySet.as_manager()

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

    @property
    def depth(self) -> int:
        return self.path.split(":", 1)[1].count("/") - 1

    def ancestor_codes(self) -> list[str]:
        return self.path.split(":", 1)[1].rstrip("/").split("/")

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)

    @staticmethod
    def build_path(structure: str, parent: Unit | None, code: str) -> str:
        if parent is None:
            return f"{structure}:{code}/"
        return f"{parent.path}{code}/"


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
    """A user's role and the unit their rights cover (that unit and below)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="scopes"
    )

    class Meta:
        verbose_name = _("user scope")
        verbose_name_plural = _("user scope")

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit or '—'}"
