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


def inbox_badge_context(request) -> dict | None:
    """The number of things awaiting the user's action, added up over the home page's inbox panels."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return {"inbox_count": inbox_count(user)}


def bell_context(request) -> dict | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return {"unread_notifications": unread_count(user)}


def notifications_of(user, *, unread_only: bool = False):
    queryset = Notification.objects.visible_to(user)
    return queryset.unread() if unread_only else queryset
