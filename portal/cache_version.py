"""Version numbers for the cached figures computed from the registry and the targets, one per province.

A cached value is stored under the versions of what it reads, and any write that can change a figure
bumps the versions it touches, so the next request that read them misses and computes again: a cached
figure is never older than the data. The counters (in the cache, shared by every process):

- ``all``: bumped by every write. Keys of users who see everything (the administrators' worker list)
  read it alone.
- ``shared``: bumped by writes that cannot be tied to provinces: units and successions, reference data
  (countries, enterprises, indicators), bulk writers that name no units, or a unit not found. National
  reference data (the filter's countries and enterprises, units by level) read it alone.
- one per province (``p:legacy:58/``, ``p:2025:56/``): bumped by writes on a record of a unit of that
  province. A key of a unit-scoped user reads ``shared``, its province's counter, and those of the provinces
  of the other structure whose records it sees or counts: a 2025 user sees the legacy records they took over
  (``portal.tree.legacy_prefixes``, :func:`user_counters`), and a unit's report counts the other
  structure's records (``portal.tree.UnitTree``, :func:`other_structure_provinces`).

Saves and deletes of the models that feed the figures bump them through signals
(the models the apps track in ``portal.invalidation``); writers that bypass signals (``bulk_create``, ``update()``,
raw SQL, COPY) must call :func:`bump` themselves, with the units they wrote on when they know them.

Part of the core: it imports no app, so every app may call it.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from portal import tree
from portal.cache_backends import take_recovery
from portal.models import Unit
from portal.scoping import sees_everything, user_unit

KEY = "portal:data-version"
ALL = "all"
SHARED = "shared"
T = TypeVar("T")

EVERYTHING = (ALL,)
"""The counters of a value that may read anything (the default of :func:`cached`)."""
NATIONAL = (SHARED,)
"""The counters of national reference data (units, countries, enterprises), not of any province's records."""


def _key(counter: str) -> str:
    return f"{KEY}:{counter}"


def versions(counters: Iterable[str]) -> tuple[int, ...]:
    """The versions in force of ``counters`` (one round trip). A counter the cache lost (eviction, restart)
    starts again from the clock: never a number an older entry was stored under. While the cache is down every
    call gets new numbers (nothing cached is read), and when it answers again after an outage every cached
    figure is forgotten first (a write during the outage could not bump its versions)."""
    names = list(counters)
    found = cache.get_many([_key(name) for name in names])
    if take_recovery():
        _bump_now((ALL, SHARED))
        found = cache.get_many([_key(name) for name in names])
    result = []
    for name in names:
        version = found.get(_key(name))
        if version is None:
            cache.add(_key(name), time.time_ns(), timeout=None)
            version = cache.get(_key(name))
        result.append(version if version is not None else time.time_ns())
    return tuple(result)


def current(counter: str = ALL) -> int:
    """The version in force of one counter (by default ``all``, bumped by every write)."""
    return versions([counter])[0]


def _bump_now(counters: tuple[str, ...]) -> None:
    for name in counters:
        try:
            cache.incr(_key(name))
            cache.touch(_key(name), timeout=None)  # some backends' incr() is get + set with the default timeout
        except ValueError:  # not in the cache (yet, or any more)
            cache.set(_key(name), time.time_ns(), timeout=None)


_paused: ContextVar[bool] = ContextVar("cache_version_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """For a loader of many rows (the demo): writes inside bump nothing one by one (a bump is a write to the
    cache, and the file cache's is a rename on disk), nothing is read from or kept in the cache meanwhile (a value
    computed halfway through the load would be wrong), and every cached figure is forgotten before and after."""
    _bump_now((ALL, SHARED))
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)
        _bump_now((ALL, SHARED))


def bump(units: Iterable[Any] | None = None) -> None:
    """The data changed: forget the cached figures that read it.

    ``units``: the units written on (``Unit`` objects, paths, or ids), whose provinces (and the provinces
    of the other structure linked to them) are bumped; without them (or when one is not found), every
    cached figure is forgotten. Bumped now (the writer's own next request sees its change) and again after
    the commit, so that a request which read the version during the transaction and computed with the data
    before the commit cannot store its figures under the version in force afterwards.
    """
    if _paused.get():
        return
    provinces = None if units is None else provinces_touched(units)
    counters = (ALL, SHARED) if provinces is None else (ALL, *(f"p:{p}" for p in sorted(provinces)))
    _bump_now(counters)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump_now(counters))


# --- Units → provinces ------------------------------------------------------------------------------------------

def provinces_touched(units: Iterable[Any]) -> set[str] | None:
    """The provinces of ``units`` (``Unit`` objects, paths, or ids: those looked up in one query); None when a
    unit is not found (the caller forgets everything)."""
    found: set[str] = set()
    ids: set[int] = set()
    for unit in units:
        if unit is None:
            return None
        path = getattr(unit, "path", unit)
        if isinstance(path, str) and path:
            found.add(tree.province_path(path))
        else:
            ids.add(getattr(unit, "pk", unit))
    if ids:
        paths = dict(Unit.objects.filter(pk__in=ids).values_list("id", "path"))
        if len(paths) < len(ids):
            return None
        found |= {tree.province_path(path) for path in paths.values()}
    return found


def other_structure_provinces(unit) -> list[str]:
    """The provinces of the other structure whose records a report of ``unit`` counts
    (:func:`portal.tree.linked_provinces`). National data (successions), cached under ``shared``: no query on a
    hit."""
    return cached(f"other-structure:{unit.pk}", lambda: tree.linked_provinces(unit), reads=NATIONAL)


# --- What a cached value reads -----------------------------------------------------------------------------------

def unit_counters(unit, *, other_provinces: Iterable[str] = ()) -> tuple[str, ...]:
    """The counters of figures computed from the records of ``unit`` and below, and of ``other_provinces``
    (whose records count under it: :func:`other_structure_provinces`, or a 2025 user's legacy prefixes)."""
    own = tree.province_path(unit.path)
    return (SHARED, f"p:{own}", *(f"p:{p}" for p in sorted(set(other_provinces) - {own})))


def user_counters(user) -> tuple[str, ...]:
    """The counters of what ``visible_to(user)`` returns: everything for an administrator; for the others the
    user's province, and for a 2025 user the provinces of the legacy units they took over (no query once the
    user's queryset was scoped: ``legacy_prefixes`` is kept on the unit)."""
    if sees_everything(user):
        return EVERYTHING
    unit = user_unit(user)
    if unit is None:
        return NATIONAL
    return unit_counters(unit, other_provinces=[tree.province_path(path) for path in tree.legacy_prefixes(unit)])


def scope_key(user) -> str:
    """The part of a cache key naming what ``visible_to(user)`` returns (``portal.scoping.scope_filter``
    decides by the role and the unit only)."""
    if sees_everything(user):
        return "all"
    unit = user_unit(user)
    return f"unit{unit.pk}" if unit is not None else "none"


@dataclass
class Figures:
    """What :func:`cached_or_previous` hands back: the value (None only while the very first one is computed
    elsewhere), when it was computed, and whether the data changed since (``stale``: a recompute is under way)."""

    value: Any
    computed_at: float | None
    stale: bool
    computed_here: bool


REFRESH_LOCK_SECONDS = 120  # a recompute that died frees its key after this long


def _stamp(reads: tuple[str, ...]) -> str:
    return ".".join(f"{name}{version}" for name, version in zip(reads, versions(reads), strict=True))


def cached_or_previous(key: str, compute: Callable[[], T], *, reads: Iterable[str] = EVERYTHING,
                       refresh: Callable[[], None] | None = None, refresh_only_stale: bool = False,
                       wait_seconds: float = 5.0) -> Figures:
    """Like :func:`cached`, without a stampede after a write: the value is kept under ``key`` with the versions it
    was computed at; when the data changed since, ONE caller (the one that takes the key's lock) recomputes while
    every other one gets the previous value, marked ``stale`` with its time.

    ``refresh``: the winner calls it instead of computing (it sends a task that computes and calls
    :func:`store_figures` with ``release=True``), for figures too long for a request (the whole country), and gets
    the previous value too (None before the first one). ``refresh_only_stale``: the winner refreshes only when
    there is a previous value to show meanwhile; the very first value is computed in the request (a province's
    dashboard: half a second once, then never again in a request). Only when there is no previous value at all
    does a caller wait for the winner (``wait_seconds``), then compute itself.
    """
    if not settings.FIGURES_CACHE_SECONDS:  # nothing is kept: every request computes
        return Figures(compute(), time.time(), stale=False, computed_here=True)
    reads = tuple(reads)
    stamp = _stamp(reads)
    entry = cache.get(_figures_key(key))
    if entry is not None and entry[0] == stamp:
        return Figures(entry[2], entry[1], stale=False, computed_here=False)
    lock = f"{_figures_key(key)}:lock"
    if refresh_only_stale and entry is None:
        refresh = None
    if cache.add(lock, stamp, timeout=REFRESH_LOCK_SECONDS):
        if refresh is not None:
            refresh()
            entry = cache.get(_figures_key(key)) or entry  # an eager refresh (no broker) stored it already
            if entry is not None:
                return Figures(entry[2], entry[1], stale=entry[0] != stamp, computed_here=False)
            return Figures(None, None, stale=True, computed_here=False)
        try:
            value = compute()
            store_figures(key, value, stamp)
        finally:
            cache.delete(lock)
        return Figures(value, time.time(), stale=False, computed_here=True)
    if entry is not None:
        return Figures(entry[2], entry[1], stale=True, computed_here=False)
    if refresh is not None:
        return Figures(None, None, stale=True, computed_here=False)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:  # the very first computation, elsewhere: wait for it
        time.sleep(0.05)
        entry = cache.get(_figures_key(key))
        if entry is not None:
            return Figures(entry[2], entry[1], stale=entry[0] != stamp, computed_here=False)
    value = compute()
    return Figures(value, time.time(), stale=False, computed_here=True)


def _figures_key(key: str) -> str:
    return f"figures:{key}"


def store_figures(key: str, value: Any, stamp: str, *, release: bool = False) -> None:
    """Keep ``value`` under ``key`` as computed at ``stamp`` (:func:`figures_stamp`, read BEFORE computing);
    ``release``: free the key's recompute lock (a refresh task, when done)."""
    cache.set(_figures_key(key), (stamp, time.time(), value), settings.FIGURES_CACHE_SECONDS)
    if release:
        release_refresh(key)


def release_refresh(key: str) -> None:
    """Free the recompute lock of ``key`` (a refresh task that failed calls it too)."""
    cache.delete(f"{_figures_key(key)}:lock")


def figures_stamp(reads: Iterable[str]) -> str:
    """The versions in force of ``reads``: read before computing, stored with the value (:func:`store_figures`)."""
    return _stamp(tuple(reads))


def cached(key: str, compute: Callable[[], T], *, reads: Iterable[str] = EVERYTHING,
           timeout: int | None = None, single_flight: bool = False) -> T:
    """``compute()``, kept under ``key`` and the versions in force of the counters it ``reads``
    (:data:`EVERYTHING`, :data:`NATIONAL`, :func:`unit_counters`, :func:`user_counters`). ``key`` names
    everything the value depends on besides the data: the user's scope, the filters, the language…
    ``single_flight``: after a write, one caller computes while the others that missed at the same moment wait for
    its value (a list's count on every page of 20 users at once: one query, not twenty)."""
    if _paused.get():
        return compute()
    reads = tuple(reads)
    stamp = ".".join(f"{name}{version}" for name, version in zip(reads, versions(reads), strict=True))
    full_key = f"v{stamp}:{key}"
    value = cache.get(full_key)
    if value is None:
        timeout = settings.FIGURES_CACHE_SECONDS if timeout is None else timeout
        if single_flight:
            value = _computed_once(full_key, compute, timeout)
        else:
            value = compute()
            cache.set(full_key, value, timeout)
    return value


def _computed_once(full_key: str, compute: Callable[[], T], timeout: int, *, wait_seconds: float = 3.0) -> T:
    """``compute()`` by ONE of the callers that missed ``full_key`` at once (the one that takes its lock), the others
    waiting for its value instead of computing the same thing beside it; a caller that waited ``wait_seconds`` in
    vain computes itself. Never a value older than the versions in ``full_key``."""
    lock = f"{full_key}:lock"
    if cache.add(lock, 1, timeout=REFRESH_LOCK_SECONDS):
        try:
            value = compute()
            cache.set(full_key, value, timeout)
        finally:
            cache.delete(lock)
        return value
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        time.sleep(0.02)
        value = cache.get(full_key)
        if value is not None:
            return value
        if cache.get(lock) is None:  # the winner failed: no value is coming
            break
    value = compute()
    cache.set(full_key, value, timeout)
    return value
