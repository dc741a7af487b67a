"""Writes of the notifications app: tell people something, mark it read, keep their preferences."""
from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification, Preference
from notifications.selectors import forget_unread

_silenced = contextvars.ContextVar("notifications_silenced", default=False)

MAX_DAYS_BEFORE = 31


@contextmanager
def silenced() -> Iterator[None]:
    """Create no notification inside the block: for loads of past data (the demo's history, an archive import),
    which must not tell anyone about events long gone."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


def _user_ids(users: Iterable) -> list[int]:
    ids = []
    for user in users:
        user_id = getattr(user, "pk", user)
        if user_id is not None and user_id not in ids:
            ids.append(user_id)
    return ids


def notify(*, users: Iterable, kind: str, title: str, body: str = "", url: str = "", key: str = "") -> int:
    """Tell each of ``users`` (users or ids) ``title``; the number of notifications created.

    With a ``key``, a user who was already told under that key is not told again (the database refuses the
    duplicate, so two concurrent callers cannot both create it). Inside :func:`silenced`: nothing."""
    if _silenced.get():
        return 0
    ids = _user_ids(users)
    if not ids:
        return 0
    title, body, url = title.strip()[:255], body.strip(), url[:500]
    if key:
        ids = [i for i in ids if i not in set(
            Notification.objects.filter(user_id__in=ids, key=key).values_list("user_id", flat=True))]
    rows = [Notification(user_id=user_id, kind=kind, key=key, title=title, body=body, url=url) for user_id in ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    _forget(ids)
    return len(rows)


def _forget(user_ids) -> None:
    """The bell's cached figure of these users is stale: forget it now and once the transaction commits."""
    forget_unread(user_ids)
    transaction.on_commit(lambda: forget_unread(user_ids))


def notification_read(*, user, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise ValidationError(_("This notification is not yours."))
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
        _forget([user.pk])
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of ``user`` read; how many were."""
    count = Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
    _forget([user.pk])
    return count


def preference_for(user) -> Preference:
    """The user's preferences (defaults, unsaved, when they never changed them)."""
    try:
        return Preference.objects.get(user=user)
    except Preference.DoesNotExist:
        return Preference(user=user)


def preference_update(*, user, email_enabled: bool, days_before: int | None) -> Preference:
    if days_before is not None and not 0 <= days_before <= MAX_DAYS_BEFORE:
        raise ValidationError({"days_before": _("Between 0 and %(max)s days.") % {"max": MAX_DAYS_BEFORE}})
    with transaction.atomic():
        preference, _created = Preference.objects.select_for_update().get_or_create(user=user)
        preference.email_enabled, preference.days_before = email_enabled, days_before
        preference.save()
    return preference
