"""Issue 21: after a write, one request recomputes a list's count while the others that missed at the same moment
wait for its value (``cache_version.cached(single_flight=True)``), never an older one."""
from __future__ import annotations

import threading
import time

from django.core.cache import cache

from portal import cache_version


def full_key(key: str, reads=cache_version.EVERYTHING) -> str:
    return f"v{cache_version.figures_stamp(reads)}:{key}"


class SingleFlightTests:
    def test_a_caller_that_misses_while_another_computes_waits_for_its_value(self):
        calls = []
        key = full_key("count:x")
        cache.add(f"{key}:lock", 1)  # another request is computing it

        def winner():
            time.sleep(0.15)
            cache.set(key, 42)
            cache.delete(f"{key}:lock")

        threading.Thread(target=winner).start()
        value = cache_version.cached("count:x", lambda: calls.append(1) or 7, single_flight=True)
        assert (value, calls) == (42, [])  # the winner's value; nothing computed here

    def test_when_the_winner_gives_up_the_waiting_caller_computes_itself(self):
        key = full_key("count:y")
        cache.add(f"{key}:lock", 1)
        threading.Timer(0.1, lambda: cache.delete(f"{key}:lock")).start()  # it failed: lock freed, no value
        assert cache_version.cached("count:y", lambda: 7, single_flight=True) == 7
        assert cache.get(key) == 7

    def test_after_a_write_the_count_is_the_new_one(self):
        assert cache_version.cached("count:z", lambda: 1, single_flight=True) == 1
        assert cache_version.cached("count:z", lambda: 2, single_flight=True) == 1  # cached
        cache_version.bump()
        assert cache_version.cached("count:z", lambda: 2, single_flight=True) == 2  # the write dropped it
