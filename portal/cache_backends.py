"""Cache backends that let the portal keep serving when the cache is down.

The cache holds only copies (figures the portal can compute again), so an error of the cache is a miss: a read
returns the default, a write is skipped, and the page computes its figures fresh. After a failure the cache is
left alone for ``RETRY_SECONDS`` (a closed port or a full disk would otherwise cost every request one more
failed attempt per read), then tried again: when it answers, it is used again without a restart. The failure is
logged once per ``LOG_SECONDS``, not per request.

A write of the data made while the cache was down could not bump the versions of the cached figures
(``portal.cache_version``); so the first time this process reaches the cache again it reports the outage
(:func:`take_recovery`) and ``cache_version`` forgets every cached figure before reading any.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
LOG_SECONDS = 60.0
MISSING = object()

_state = threading.Lock()
_down_until = 0.0  # monotonic time before which the cache is not tried again
_last_log = -LOG_SECONDS
_outage = False  # a failure happened since the cache last answered
_recovered = False  # the cache answered again after an outage; not yet reported


def take_recovery() -> bool:
    """True once after the cache answered again following an outage seen by this process."""
    global _recovered
    with _state:
        recovered, _recovered = _recovered, False
    return recovered


def cache_is_down() -> bool:
    """Whether the last attempt failed and the cache is being left alone for now."""
    return time.monotonic() < _down_until


def _failed(backend: str, exc: BaseException) -> None:
    global _down_until, _last_log, _outage
    now = time.monotonic()
    with _state:
        _down_until = now + RETRY_SECONDS
        _outage = True
        log = now - _last_log >= LOG_SECONDS
        if log:
            _last_log = now
    if log:
        logger.warning("The cache (%s) is unavailable: %s. Pages compute their figures without it until it is back.",
                       backend, exc)


def _answered() -> None:
    global _outage, _recovered
    if _outage:
        with _state:
            if _outage:
                _outage, _recovered = False, True
        logger.warning("The cache answers again: it is used again, its figures of before the outage forgotten.")


class ResilientMixin:
    """Every operation of the cache API: an error is a miss (read) or a skipped write."""

    errors: tuple[type[BaseException], ...] = (OSError,)

    def _guard(self, name: str, fallback: Any, *args, **kwargs):
        if cache_is_down():
            return fallback
        try:
            value = getattr(super(), name)(*args, **kwargs)
        except self.errors as exc:
            _failed(type(self).__name__, exc)
            return fallback
        _answered()
        return value

    def strict_call(self, name: str, *args, **kwargs):
        """An operation with its errors raised (the health check must know)."""
        return getattr(super(), name)(*args, **kwargs)

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def add(self, key, value, timeout=MISSING, version=None):
        args = (key, value) if timeout is MISSING else (key, value, timeout)
        return self._guard("add", False, *args, version=version)

    def set(self, key, value, timeout=MISSING, version=None):
        args = (key, value) if timeout is MISSING else (key, value, timeout)
        return self._guard("set", None, *args, version=version)

    def set_many(self, data, timeout=MISSING, version=None):
        args = (data,) if timeout is MISSING else (data, timeout)
        return self._guard("set_many", list(data), *args, version=version)

    def touch(self, key, timeout=MISSING, version=None):
        args = (key,) if timeout is MISSING else (key, timeout)
        return self._guard("touch", False, *args, version=version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def clear(self):
        return self._guard("clear", None)

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError (the caller sets it); an unreachable cache raises nothing.
        return self._guard("incr", None, key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._guard("decr", None, key, delta, version)


class ResilientRedisCache(ResilientMixin, RedisCache):
    errors = (RedisError, OSError)


class ResilientFileBasedCache(ResilientMixin, FileBasedCache):
    errors = (OSError,)
