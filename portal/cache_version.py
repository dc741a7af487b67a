"""One version number for every cached figure computed from the registry and the targets.

Cached pages (the dashboard, the worker list's count) put :func:`current` in their
cache key; any write that can change a figure calls :func:`bump`, so the next
request misses and computes again: a cached figure is never older than the data.
Saves and deletes of the models that feed the figures bump it through signals
(``portal.dashboard.connect_invalidation``); writers that bypass signals
(``bulk_create``, ``update()``, raw SQL, COPY) must call :func:`bump` themselves.

Part of the core: it imports no app, so every app may call it.
"""
from __future__ import annotations

import time
from typing import Callable, TypeVar

from django.core.cache import cache
from django.db import transaction

KEY = "portal:data-version"
T = TypeVar("T")


def current() -> int:
    """The version in force. When the cache lost it (eviction, restart), a new one from the clock:
    never a number an older entry was stored under."""
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, time.time_ns(), timeout=None)
        version = cache.get(KEY)
    return version if version is not None else time.time_ns()


def _bump_now() -> None:
    try:
        cache.incr(KEY)
        cache.touch(KEY, timeout=None)  # some backends' incr() is get + set with the default timeout
    except ValueError:  # not in the cache (yet, or any more)
        cache.set(KEY, time.time_ns(), timeout=None)


def bump() -> None:
    """The data changed: forget every cached figure.

    Bumped now (the writer's own next request sees its change) and again after the commit, so
    that a request which read the version during the transaction and computed with the data
    before the commit cannot store its figures under the version in force afterwards.
    """
    _bump_now()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump_now)


def scope_key(user) -> str:
    """The part of a cache key naming what ``visible_to(user)`` returns (``portal.scoping.scope_filter``
    decides by the role and the unit only)."""
    from portal.scoping import sees_everything, user_unit

    if sees_everything(user):
        return "all"
    unit = user_unit(user)
    return f"unit{unit.pk}" if unit is not None else "none"


def cached(key: str, compute: Callable[[], T], *, timeout: int | None = None) -> T:
    """``compute()``, kept under ``key`` and the version in force (``key`` names everything the value
    depends on besides the data: the user's scope, the filters, the language…)."""
    from django.conf import settings

    full_key = f"v{current()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, settings.FIGURES_CACHE_SECONDS if timeout is None else timeout)
    return value
