"""The targets app's part of the home page's inbox (registered in ``TargetsConfig.ready``)."""
from __future__ import annotations

from django.utils.translation import get_language

from notifications.models import Notification
from portal import cache_version
from portal.scoping import user_role
from targets import services
from targets.chase import inbox

APPROVALS_SHOWN = 5


def inbox_context(request) -> dict | None:
    user = request.user
    box = inbox(user)
    if box is None:
        return None
    # Approved since the user last looked: the approvals they have not read yet (reading one clears it).
    approved = list(Notification.objects.visible_to(user).unread().filter(kind="targets.approved")[:APPROVALS_SHOWN])
    return {"inbox": box, "approved": approved, "today": services.today()}


def inbox_count(user) -> int:
    """The navigation bar's figure: cached per scope, role and day; any write to the figures drops it."""
    today = services.today()
    key = f"inbox:{cache_version.scope_key(user)}:{user_role(user)}:{today.isoformat()}:{get_language()}"

    def compute() -> int:
        box = inbox(user, today=today, with_queue=False)
        return box.count if box is not None else 0

    return cache_version.cached(key, compute, reads=cache_version.user_counters(user))
