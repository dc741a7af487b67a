"""``/healthz`` for the province's monitoring: 200 "ok" or 503 "unavailable", and nothing more (no login, no
detail: ``manage.py health`` on the machine says which service is down)."""
from __future__ import annotations

import threading
import time

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.health import run_checks

CACHE_SECONDS = 10.0  # probes are cheap but not free (a worker ping waits up to a second): one run per 10 s
_lock = threading.Lock()
_last: tuple[float, bool] = (-CACHE_SECONDS, False)


@never_cache
@require_GET
def healthz(request):
    global _last
    with _lock:
        checked_at, healthy = _last
        if time.monotonic() - checked_at >= CACHE_SECONDS:
            healthy = all(check.healthy for check in run_checks())
            _last = (time.monotonic(), healthy)
    if healthy:
        return HttpResponse("ok\n", content_type="text/plain")
    return HttpResponse("unavailable\n", status=503, content_type="text/plain")
