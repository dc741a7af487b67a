"""Reminders: every day, each app says what its people must be reminded of; ``send_reminders`` tells them once.

An app registers a source in its ``AppConfig.ready`` (``register_reminder_source``): a function
``(today) -> iterable of Reminder``. This app knows none of them: the targets app reminds of monthly
deadlines, others may add overdue cases or follow-ups without an edit here.

A reminder's ``key`` makes it idempotent: a person is never told twice under the same key, so running the
command twice the same day tells nobody anything new. A reminder with a ``due`` date is told from the
person's chosen number of days before it (``Preference.days_before``, else ``REMINDER_DAYS_BEFORE``) until
the day itself.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.mail import MailResult, digests_send
from notifications.models import Notification, Preference, ReminderRun
from notifications.selectors import forget_unread

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    user_id: int
    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""
    due: dt.date | None = None


Source = Callable[[dt.date], Iterable[Reminder]]
_sources: list[str | Source] = []


def register_reminder_source(source: str | Source) -> None:
    """``source(today)`` yields the reminders of that day (a dotted path is imported when first used)."""
    if source not in _sources:
        _sources.append(source)


def reminder_sources() -> list[Source]:
    return [import_string(source) if isinstance(source, str) else source for source in _sources]


def default_days_before() -> int:
    return int(getattr(settings, "REMINDER_DAYS_BEFORE", 3))


def reminders_due(today: dt.date) -> list[Reminder]:
    """Every source's reminders of ``today``, those with a due date only inside their person's window."""
    found: dict[tuple[int, str], Reminder] = {}
    for source in reminder_sources():
        for reminder in source(today):
            found.setdefault((reminder.user_id, reminder.key), reminder)
    reminders = list(found.values())
    with_due = {r.user_id for r in reminders if r.due is not None}
    chosen = dict(Preference.objects.filter(user_id__in=with_due, days_before__isnull=False)
                  .values_list("user_id", "days_before")) if with_due else {}
    default = default_days_before()
    return [r for r in reminders
            if r.due is None or 0 <= (r.due - today).days <= chosen.get(r.user_id, default)]


def _not_told(reminders: list[Reminder]) -> list[Reminder]:
    keys = sorted({r.key for r in reminders})
    told: set[tuple[int, str]] = set()
    for start in range(0, len(keys), 500):
        told |= set(Notification.objects.filter(key__in=keys[start:start + 500]).values_list("user_id", "key"))
    return [r for r in reminders if (r.user_id, r.key) not in told]


@dataclass
class RunResult:
    reminders: int = 0
    users: int = 0
    mail: MailResult | None = None
    busy: bool = False  # another run was under way: this one did nothing
    dry_run: bool = False

    @property
    def line(self) -> str:
        """The command's printed line (other tools read it: keep its words)."""
        return f"{self.reminders} reminders to {self.users} users"


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "REMINDER_RUN_LEASE_SECONDS", 30 * 60)))


def _start(today: dt.date) -> ReminderRun | None:
    now = timezone.now()
    # A run that died (killed, machine lost) must not block every later one: its lease lapses.
    ReminderRun.objects.filter(running=True, started_at__lt=now - _lease()).update(
        running=False, finished_at=now, error="abandoned (no end recorded)")
    try:
        with transaction.atomic():
            return ReminderRun.objects.create(day=today, started_at=now)
    except IntegrityError:
        return None


def reminders_send(*, today: dt.date | None = None, dry_run: bool = False, mail: bool = True) -> RunResult:
    """Compute the reminders of ``today``, create the notifications nobody got yet, send the day's digests.

    ``dry_run``: count only (nothing saved, nothing sent). One run at a time: a second concurrent run does
    nothing and says so (``busy``)."""
    today = today or timezone.localdate()
    if dry_run:
        fresh = _not_told(reminders_due(today))
        return RunResult(reminders=len(fresh), users=len({r.user_id for r in fresh}), dry_run=True)
    run = _start(today)
    if run is None:
        logger.warning("send_reminders: another run is under way; this one did nothing")
        return RunResult(busy=True)
    result = RunResult()
    try:
        fresh = _not_told(reminders_due(today))
        Notification.objects.bulk_create(
            [Notification(user_id=r.user_id, kind=r.kind, key=r.key, title=r.title[:255], body=r.body, url=r.url)
             for r in fresh], ignore_conflicts=True, batch_size=500)
        forget_unread({r.user_id for r in fresh})
        result.reminders, result.users = len(fresh), len({r.user_id for r in fresh})
        if mail:
            result.mail = digests_send(today=today)
    except Exception as exc:  # recorded on the run for the administrator, then raised again
        ReminderRun.objects.filter(pk=run.pk).update(running=False, finished_at=timezone.now(), error=str(exc)[:2000])
        raise
    ReminderRun.objects.filter(pk=run.pk).update(
        running=False, finished_at=timezone.now(), reminders=result.reminders, users=result.users,
        mails_sent=result.mail.sent if result.mail else 0, mails_failed=result.mail.failed if result.mail else 0)
    return result
