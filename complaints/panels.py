"""The complaints app's part of the home page's inbox: the cases past the due date of their step."""
from __future__ import annotations

from complaints.selectors import overdue_cases
from portal import cache_version
from portal.scoping import can_write
from workers.services import today as local_today

SHOWN = 5


def inbox_context(request) -> dict | None:
    user = request.user
    count = inbox_count(user)  # cached: nothing to show costs no query
    if not count:
        return None
    return {"overdue_cases": list(overdue_cases(user)[:SHOWN]), "overdue_count": count}


def inbox_count(user) -> int:
    """The navigation bar's figure, cached under the data's versions (any write to a case drops it)."""
    if not can_write(user):
        return 0
    today = local_today()
    return cache_version.cached(f"inbox-complaints:{cache_version.scope_key(user)}:{today.isoformat()}",
                                lambda: overdue_cases(user, today=today).count(), reads=cache_version.user_counters(user))
