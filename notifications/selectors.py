"""Reads of the notifications app."""
from __future__ import annotations

from django.core.cache import cache

from notifications.models import Notification
from portal.sections import inbox_count

UNREAD_SECONDS = 300  # every write through this app forgets it at once; the timeout bounds any other writer


def unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user) -> int:
    """The bell's figure, kept in the cache: the bell is on every page."""
    count = cache.get(unread_key(user.pk))
    if count is None:
        count = Notification.objects.visible_to(user).unread().count()
        cache.set(unread_key(user.pk), count, UNREAD_SECONDS)
    return count


def forget_unread(user_ids) -> None:
    cache.delete_many([unread_key(user_id) for user_id in set(user_ids)])


def navbar_context(request) -> dict | None:
    """The bell and the to-do count show for a signed-in user; their numbers come from :func:`counts` (fetched by
    the page after it is shown, so that no page pays their queries)."""
    user = getattr(request, "user", None)
    return {} if user is not None and user.is_authenticated else None


def counts(user) -> dict[str, int]:
    """What the navigation bar shows: the things awaiting the user (the inbox panels) and the unread notifications."""
    return {"inbox": inbox_count(user), "unread": unread_count(user)}


def notifications_of(user, *, unread_only: bool = False):
    queryset = Notification.objects.visible_to(user)
    return queryset.unread() if unread_only else queryset
