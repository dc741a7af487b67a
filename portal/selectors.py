"""Reads of the core that pages of several apps show."""
from __future__ import annotations

from django.db.models import Count

from portal import cache_version, tree
from portal.models import Role, Scope
from portal.scoping import visible_units


def scope_level_counts(user) -> dict[str, int]:
    """{level: units the user sees}, cached per scope (a GROUP BY over ~11,000 units for an admin); units are
    national data (any change to them bumps ``shared``)."""
    return cache_version.cached(f"levels:{cache_version.scope_key(user)}", lambda: dict(
        visible_units(user).order_by().values_list("level").annotate(n=Count("id"))),
        reads=cache_version.NATIONAL)


def officials_covering(units) -> dict[int, list[int]]:
    """{unit id: ids of the active unit officials whose scope holds that unit} (their own unit or one above it):
    the people who enter its figures and are told about them. One query."""
    units = list(units)
    wanted = {path for unit in units for path in tree.ancestor_paths(unit.path, include_self=True)}
    by_path: dict[str, list[int]] = {}
    for user_id, path in (Scope.objects.filter(role=Role.OFFICIAL, unit__path__in=wanted, user__is_active=True)
                          .order_by("user_id").values_list("user_id", "unit__path")):
        by_path.setdefault(path, []).append(user_id)
    return {unit.pk: [user_id for path in tree.ancestor_paths(unit.path, include_self=True)
                      for user_id in by_path.get(path, ())] for unit in units}
