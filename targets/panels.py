"""The targets app's part of the home page's inbox (registered in ``TargetsConfig.ready``).

The inbox depends only on the user's scope and role and on the day, and reads the monthly reports and quotas
of the user's province: it is cached under ``portal.cache_version`` (any write to a report or a quota of the
province drops it at once), so the home page and the navigation bar's count compute it once between writes.
"""
from __future__ import annotations

from notifications.models import Notification
from portal import cache_version
from portal.models import Role
from portal.scoping import user_role
from targets import services
from targets.chase import Inbox, inbox

APPROVALS_SHOWN = 5


def inbox_cached(user) -> Inbox | None:
    today = services.today()
    key = f"inbox:{cache_version.scope_key(user)}:{user_role(user)}:{today.isoformat()}"
    return cache_version.cached(key, lambda: inbox(user, today=today), reads=cache_version.user_counters(user))


def inbox_context(request) -> dict | None:
    user = request.user
    box = inbox_cached(user)
    if box is None:
        return None
    approved = []
    if box.role == Role.OFFICIAL:
        # Approved since the user last looked: the approvals they have not read yet (opening one clears it).
        approved = list(Notification.objects.visible_to(user).unread().filter(kind="targets.approved")
                        [:APPROVALS_SHOWN])
    return {"inbox": box, "approved": approved, "today": services.today()}


def inbox_count(user) -> int:
    """The navigation bar's figure: what awaits the user's action."""
    box = inbox_cached(user)
    return box.count if box is not None else 0
