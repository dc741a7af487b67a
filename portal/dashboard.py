"""The home page dashboard and the monthly progress snapshots.

The one module of the core allowed to compose apps: it reads progress
through ``targets.progress.progress_rows`` (the same selector as the report)
and stores ``ProgressSnapshot`` rows for the trend.

The dashboard is cached (:func:`dashboard_cached`) per unit, language and day under
``portal.cache_version``: any save or delete of a model that feeds the figures
(:data:`DATA_MODELS`, signals connected by :func:`connect_invalidation` when the portal
app is ready) bumps the versions of the provinces of its units (:func:`instance_units`;
of every scope when they cannot be told), so cached figures are never older than the data
they were computed from, and a write in one province leaves the others' cached figures alone.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import cache_version, formats
from portal.models import ProgressSnapshot, Unit
from portal.scoping import sees_everything, user_unit

SNAPSHOT_FIELDS = ("target", "departed", "percent", "expected", "gap", "waiting", "female", "poor",
                   "ethnic_minority", "previous_year", "markets")


def dashboard_unit(user) -> Unit | None:
    """The user's top unit; for an administrator the first province; None without a scope."""
    unit = user_unit(user)
    if unit is None and sees_everything(user):
        unit = Unit.objects.filter(parent__isnull=True).order_by("structure", "code").first()
    return unit


def dashboard_data(user, *, today: dt.date | None = None) -> dict[str, Any] | None:
    from targets.progress import MARKET_NAMES_VI, MARKETS, OTHER_MARKET, Period, progress_rows, review_sentence

    unit = dashboard_unit(user)
    if unit is None:
        return None
    today = today or timezone.localdate()
    period = Period.for_year(today.year)
    report = progress_rows(unit=unit, period=period, today=today)
    total = report.total

    by_month = {item["month"][:7]: item["departed"] for item in report.monthly}
    months, cumulative, pro_rata, running = [], [], [], 0
    for month in range(1, today.month + 1):
        key = f"{today.year}-{month:02d}"
        running += by_month.get(key, 0)
        months.append(f"{month:02d}/{today.year}")
        cumulative.append(running)
        pro_rata.append(round(total.target * month / 12, 1))

    snapshots = list(
        ProgressSnapshot.objects.filter(unit=unit, source="registry", month__year=today.year).order_by("month")
        .values_list("month", "figures")
    )
    market_codes = (*MARKETS, OTHER_MARKET)
    charts = {
        "units": {
            "labels": [row.name for row in report.rows],
            "departed": [row.departed for row in report.rows],
            "target": [row.target for row in report.rows],
            "departedLabel": _("Departed"), "targetLabel": _("Target"),
        },
        "monthly": {
            "labels": months, "cumulative": cumulative, "proRata": pro_rata,
            "cumulativeLabel": _("Departed since 1 January"), "proRataLabel": _("Target pro rata"),
        },
        "markets": {
            "labels": [MARKET_NAMES_VI[code] for code in market_codes],
            "values": [total.markets[code] for code in market_codes],
        },
        "trend": {
            "labels": [formats.format_month(month) for month, _figures in snapshots],
            "percent": [round((figures.get("percent") or 0) * 100, 1) for _month, figures in snapshots],
            "label": _("Percent of the year's target (monthly snapshots)"),
        },
    }
    report.sentence = review_sentence(report, period)
    return {
        "unit": unit, "year": today.year, "total": total, "sentence": report.sentence, "charts": charts,
        "has_rows": bool(report.rows),
    }


def dashboard_cached(user, *, today: dt.date | None = None) -> dict[str, Any] | None:
    """:func:`dashboard_data` from the cache when the data has not changed since it was computed.

    Keyed by the unit (the figures depend on nothing else of the user: two users never share an
    entry unless they share the unit), the language (labels, sentence) and the day (the expected
    figure moves daily). ``from_cache`` and ``as_of`` tell the page how old the figures are.
    """
    unit = dashboard_unit(user)
    if unit is None:
        return None
    today = today or timezone.localdate()
    computed = []

    def compute() -> dict[str, Any]:
        computed.append(True)
        return {**dashboard_data(user, today=today), "as_of": timezone.now()}

    data = cache_version.cached(f"dashboard:{unit.pk}:{get_language()}:{today.isoformat()}", compute,
                                reads=cache_version.unit_counters(
                                    unit, other_provinces=cache_version.other_structure_provinces(unit)))
    return {**data, "from_cache": not computed}


def scope_level_counts(user) -> dict[str, int]:
    """{level: units the user sees}, cached per scope (a GROUP BY over ~11,000 units for an admin); units are
    national data (any change to them bumps ``shared``)."""
    return cache_version.cached(f"levels:{cache_version.scope_key(user)}", lambda: dict(
        Unit.objects.visible_to(user).order_by().values_list("level").annotate(n=Count("id"))),
        reads=cache_version.NATIONAL)


# Every model whose rows feed the progress figures (targets.progress), the trend, or the other cached reads
# (the worker list's count and its filter's units, countries and enterprises), and how a saved row reaches its
# unit: ``None`` for national data (``shared``), else (related field, …) followed from the instance to a model
# with ``unit`` (no query while the related objects are loaded, as the services pass them).
UNIT_PATHS: dict[str, tuple[tuple[str, ...], ...] | None] = {
    "portal.Unit": None, "portal.UnitSuccession": None, "targets.Indicator": None, "workers.Country": None,
    "workers.Enterprise": None,
    "portal.ProgressSnapshot": (("unit",),), "targets.Plan": (("unit",),), "targets.Quota": (("unit",),),
    "targets.MonthlyReport": (("unit",),), "workers.Worker": (("unit",),),
    "targets.CoverageGoal": (("plan", "unit"),), "targets.MonthlyValue": (("report", "unit"),),
    "workers.StatusChange": (("worker", "unit"),),
    # A departure's unit, and its worker's (the list shows a worker's last departure under the worker's unit).
    "workers.Departure": (("unit",), ("worker", "unit")),
    "workers.Return": (("departure", "unit"), ("departure", "worker", "unit")),
}
DATA_MODELS = tuple(UNIT_PATHS)


def _follow(instance, fields: tuple[str, ...]):
    """The unit (a ``Unit`` when loaded, else its id, or its path when found by a query) reached from
    ``instance`` through ``fields``; one query when a related object on the way is not loaded; None when it
    is gone."""
    obj = instance
    for position, name in enumerate(fields):
        field = obj._meta.get_field(name)
        if field.is_cached(obj):
            obj = getattr(obj, name)
            if obj is None:
                return None
            continue
        value = getattr(obj, field.attname)
        if value is None or position == len(fields) - 1:
            return value
        lookup = "__".join(fields[position + 1:]) + "__path"
        return field.related_model._default_manager.filter(pk=value).values_list(lookup, flat=True).first()
    return obj


def instance_units(instance) -> list | None:
    """The units whose records ``instance`` is (and, for a worker moved to another unit, the one it left);
    None when they cannot be told."""
    paths = UNIT_PATHS.get(instance._meta.label)
    if paths is None:
        return None
    units = [_follow(instance, fields) for fields in paths]
    moved_from = getattr(instance, "_cache_moved_from", None)
    if moved_from is not None:
        units.append(moved_from)
    return units


def progress_changed(sender=None, instance=None, **_kwargs) -> None:
    """Receiver (and plain function for bulk writers: without an instance it forgets everything): the progress
    figures changed in the provinces of the instance's units (or everywhere, when they cannot be told)."""
    units = None if instance is None else instance_units(instance)
    cache_version.bump(None if units is None or None in units else units)


def household_changed(sender=None, instance=None, action: str = "", reverse: bool = False, **_kwargs) -> None:
    """A worker's household statuses changed: the worker's province (from the statuses' side: everything)."""
    if action.startswith("pre_"):
        return
    cache_version.bump(None if reverse else [_follow(instance, ("unit",))])


def worker_moving(sender=None, instance=None, update_fields=None, raw: bool = False, **_kwargs) -> None:
    """Before a worker is saved with its unit, note the unit it leaves (one query): both provinces' figures
    change."""
    instance._cache_moved_from = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "unit" not in update_fields:
        return
    old = type(instance)._default_manager.filter(pk=instance.pk).values_list("unit_id", "unit__path").first()
    if old is not None and old[0] != instance.unit_id:
        instance._cache_moved_from = old[1]


def connect_invalidation() -> None:
    """Bump the cache versions on every save and delete of :data:`DATA_MODELS` (lazy senders: no app is
    imported). Called once from ``PortalConfig.ready``."""
    for label in DATA_MODELS:
        post_save.connect(progress_changed, sender=label, dispatch_uid=f"progress_changed_save_{label}")
        post_delete.connect(progress_changed, sender=label, dispatch_uid=f"progress_changed_delete_{label}")
    pre_save.connect(worker_moving, sender="workers.Worker", dispatch_uid="progress_worker_moving")
    m2m_changed.connect(household_changed, sender="workers.Worker_household_statuses",
                        dispatch_uid="progress_changed_household")


def snapshots_store(*, month: dt.date | None = None, source: str = "registry") -> int:
    """Store every unit's progress at the end of ``month`` (default: the month just ended).

    One report per unit that has units below it (its total, and a row for each
    unit below), so every unit gets its snapshot; idempotent per (unit, month, source).
    """
    from targets.progress import Period, progress_rows

    if month is None:
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month = month.replace(day=1)
    end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    period = Period.between(dt.date(month.year, 1, 1), end)
    parents = Unit.objects.annotate(n=Count("children")).filter(n__gt=0).order_by("path")
    stored = 0
    for parent in parents:
        report = progress_rows(unit=parent, period=period, source=source, today=end)
        for row in [*report.rows, report.total]:
            data = row.to_dict()
            figures = {key: data[key] for key in SNAPSHOT_FIELDS}
            ProgressSnapshot.objects.update_or_create(
                unit_id=row.unit_id, month=month, source=source, defaults={"figures": figures})
            stored += 1
    return stored
