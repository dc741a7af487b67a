"""A notification of Bác Ái's official for every notifications URL with an id (tests/test_url_scope.py): another
user, Ninh Sơn's official, must get 404 for it."""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace


def _notification_b(env) -> dict:
    from notifications.models import Notification

    notification, _created = Notification.objects.get_or_create(
        user=env.users.official_b, key="test:url-walk", defaults={"kind": "test", "title": "Thông báo kiểm thử",
                                                                  "url": "/"})
    return {"pk": notification.pk}


FACTORIES: dict[str, Callable[[SimpleNamespace], dict]] = {
    "notifications:open": _notification_b,
    "notifications:read": _notification_b,
}
