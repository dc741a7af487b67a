"""Reads of the core that pages of several apps show."""
from __future__ import annotations

from django.db.models import Count

from portal import cache_version
from portal.scoping import visible_units


def scope_level_counts(user) -> dict[str, int]:
    """{level: units the user sees}, cached per scope (a GROUP BY over ~11,000 units for an admin); units are
    national data (any change to them bumps ``shared``)."""
    return cache_version.cached(f"levels:{cache_version.scope_key(user)}", lambda: dict(
        visible_units(user).order_by().values_list("level").annotate(n=Count("id"))),
        reads=cache_version.NATIONAL)
