"""The workflow of a case, and its deadlines, as plain functions (no database but the deadline rules).

    received ──▶ being verified ──▶ referred ──▶ resolved / rejected / closed
        │               └──────────────────────▶ resolved / rejected / closed
        └──▶ rejected (not accepted) / closed (withdrawn)

A case is resolved only after it was verified: "received → resolved" skips the workflow and is refused, and
so is any move back. Each open step has a statutory time (``StepDeadline``, calendar days from the day the
step started), extendable once where its rule allows; the due date is fixed when the step starts.
"""
from __future__ import annotations

import datetime as dt

from complaints.models import FINAL_STATUSES, OPEN_STATUSES, Status, StepDeadline

NEXT: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (Status.VERIFYING, Status.REJECTED, Status.CLOSED),
    Status.VERIFYING: (Status.REFERRED, Status.RESOLVED, Status.REJECTED, Status.CLOSED),
    Status.REFERRED: (Status.RESOLVED, Status.REJECTED, Status.CLOSED),
    Status.RESOLVED: (),
    Status.REJECTED: (),
    Status.CLOSED: (),
}


def next_statuses(status: str) -> tuple[str, ...]:
    return NEXT.get(status, ())


def may_move(from_status: str, to_status: str) -> bool:
    return to_status in next_statuses(from_status)


def path_to(status: str, *, referred: bool = False) -> list[str]:
    """The statuses a case passes through from "received" to ``status`` (itself included), the shortest way
    unless ``referred``: the steps an imported case's history is made of."""
    if status == Status.RECEIVED:
        return [Status.RECEIVED]
    if status == Status.VERIFYING:
        return [Status.RECEIVED, Status.VERIFYING]
    if status == Status.REFERRED:
        return [Status.RECEIVED, Status.VERIFYING, Status.REFERRED]
    if status == Status.RESOLVED:
        return [Status.RECEIVED, Status.VERIFYING, *([Status.REFERRED] if referred else []), Status.RESOLVED]
    if status in FINAL_STATUSES:
        return [Status.RECEIVED, status]
    raise ValueError(status)


def deadline_rules() -> dict[str, StepDeadline]:
    return {rule.status: rule for rule in StepDeadline.objects.all()}


def due_date(status: str, started_on: dt.date, rules: dict[str, StepDeadline]) -> dt.date | None:
    """The day by which a step that started on ``started_on`` must end (None: a final step, or no rule)."""
    rule = rules.get(status)
    if status not in OPEN_STATUSES or rule is None:
        return None
    return started_on + dt.timedelta(days=rule.days)


def is_overdue(status: str, due_on: dt.date | None, today: dt.date) -> bool:
    """An open step is overdue the day after its due date."""
    return status in OPEN_STATUSES and due_on is not None and today > due_on


def days_left(due_on: dt.date | None, today: dt.date) -> int | None:
    """Days until the due date (negative: days overdue)."""
    return None if due_on is None else (due_on - today).days
