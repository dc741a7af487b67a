"""Demo: the day's reminders for the demo accounts (an overdue month for ``ninhson``, the approval queue for
``tinh``…), as the morning run would make them. Idempotent: a reminder is never told twice."""
from __future__ import annotations

from notifications.reminders import reminders_send


def load() -> str:
    return reminders_send(mail=False).line
