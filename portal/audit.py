"""Audit trail: who changed what, when, with the values before and after.

Models are registered with django-auditlog (in each app's ``AppConfig.ready``);
the middleware records the request's user. Services called outside a request
(management commands, Celery tasks, imports) wrap their writes in
``acting_as(user)`` so the entries still name a person.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from auditlog.context import set_actor


@contextmanager
def acting_as(user) -> Iterator[None]:
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    with set_actor(user):
        yield
