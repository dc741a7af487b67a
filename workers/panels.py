"""The registry's part of the home page's inbox: returnees whose 3-, 6- or 12-month follow-up is due."""
from __future__ import annotations

from django.utils import timezone

from portal import cache_version
from portal.scoping import can_write
from workers.selectors import returnee_followups_due

SHOWN = 5


def inbox_context(request) -> dict | None:
    user = request.user
    count = inbox_count(user)  # cached: nothing to show costs no query
    if not count:
        return None
    today = timezone.localdate()
    # Cached like the count (a return or a follow-up recorded drops both): the home page asks on every visit.
    followups = cache_version.cached(
        f"inbox-followups-shown:{cache_version.scope_key(user)}:{today.isoformat()}",
        lambda: list(returnee_followups_due(user, today).select_related("departure__worker")[:SHOWN]),
        reads=cache_version.user_counters(user))
    return {"followups": followups, "followups_count": count}


def inbox_count(user) -> int:
    """The navigation bar's figure, cached under the data's versions (a return or a follow-up recorded drops it)."""
    if not can_write(user):
        return 0
    today = timezone.localdate()
    return cache_version.cached(f"inbox-followups:{cache_version.scope_key(user)}:{today.isoformat()}",
                                lambda: returnee_followups_due(user, today).count(),
                                reads=cache_version.user_counters(user))
