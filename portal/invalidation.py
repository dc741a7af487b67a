"""Which writes drop which cached figures (``portal.cache_version``).

Every app names, from its ``AppConfig.ready``, the models whose rows feed a cached figure (the dashboard's
progress, the trend, the worker list's count and its filter's units, countries and enterprises) and how a saved
row reaches its unit: :func:`track` with the related fields followed from the instance to a model with
``unit`` (no query while the related objects are loaded, as the services pass them), or with none for national
data (any write bumps ``shared``). Every save and delete of those models then bumps the versions of the
provinces of their units, so cached figures are never older than the data they were computed from, and a write
in one province leaves the others' cached figures alone. The core names no app's model: the apps register.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from portal import cache_version

UnitPath = tuple[str, ...]

# model label → the paths from an instance to its units (None: national data).
_tracked: dict[str, tuple[UnitPath, ...] | None] = {}


def track(label: str, *paths: UnitPath) -> None:
    """Bump the cached figures on every save and delete of model ``label`` (``"workers.Departure"``): those
    of the provinces of the units reached through ``paths`` (``("unit",)``, ``("worker", "unit")``…), or of
    everything national when no path is given."""
    _tracked[label] = tuple(paths) or None
    post_save.connect(progress_changed, sender=label, dispatch_uid=f"progress_changed_save_{label}")
    post_delete.connect(progress_changed, sender=label, dispatch_uid=f"progress_changed_delete_{label}")


def track_moves(label: str) -> None:
    """A row of ``label`` may move to another unit: the province it leaves is bumped too."""
    pre_save.connect(unit_moving, sender=label, dispatch_uid=f"progress_moving_{label}")


def track_m2m(through: str, path: UnitPath) -> None:
    """Changes of the many-to-many relation ``through`` (``"workers.Worker_household_statuses"``) bump the
    province of the unit reached from the forward side through ``path``; from the other side, everything."""
    m2m_changed.connect(_m2m_receiver(path), sender=through, dispatch_uid=f"progress_changed_m2m_{through}",
                        weak=False)


def _follow(instance, fields: UnitPath):
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
    """The units whose records ``instance`` is (and, for a row moved to another unit, the one it left);
    None when they cannot be told."""
    paths = _tracked.get(instance._meta.label)
    if paths is None:
        return None
    units = [_follow(instance, fields) for fields in paths]
    moved_from = getattr(instance, "_cache_moved_from", None)
    if moved_from is not None:
        units.append(moved_from)
    return units


_deferred: ContextVar[bool] = ContextVar("invalidation_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Saves and deletes inside bump nothing row by row (no query to find each row's unit): for a writer of many
    rows (an import rolled back), which bumps the provinces it wrote on once itself (``cache_version.bump``)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def progress_changed(sender=None, instance=None, **_kwargs) -> None:
    """Receiver (and plain function for bulk writers: without an instance it forgets everything): the figures
    changed in the provinces of the instance's units (or everywhere, when they cannot be told)."""
    if instance is not None and _deferred.get():
        return
    units = None if instance is None else instance_units(instance)
    cache_version.bump(None if units is None or None in units else units)


def _m2m_receiver(path: UnitPath):
    def changed(sender=None, instance=None, action: str = "", reverse: bool = False, **_kwargs) -> None:
        if action.startswith("pre_") or _deferred.get():
            return
        cache_version.bump(None if reverse else [_follow(instance, path)])

    return changed


def unit_moving(sender=None, instance=None, update_fields=None, raw: bool = False, **_kwargs) -> None:
    """Before a row is saved with its unit, note the unit it leaves (one query): both provinces' figures
    change."""
    instance._cache_moved_from = None
    if raw or instance._state.adding or instance.pk is None or _deferred.get():
        return
    if update_fields is not None and "unit" not in update_fields:
        return
    old = type(instance)._default_manager.filter(pk=instance.pk).values_list("unit_id", "unit__path").first()
    if old is not None and old[0] != instance.unit_id:
        instance._cache_moved_from = old[1]
