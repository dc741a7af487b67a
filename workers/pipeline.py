"""The pipeline: which status may follow which, and why not.

departed and returned are reached only by recording a departure or a return
(``departure_record``, ``return_record``), never by a bare status change.
"""
from __future__ import annotations

from django.utils.translation import gettext as _

from workers.models import Status

BEFORE_DEPARTURE = frozenset({Status.REGISTERED, Status.COUNSELLED, Status.TRAINING, Status.WAITING})
ABROAD = frozenset({Status.DEPARTED, Status.ABSCONDED})
# Statuses from which a (new) departure may be recorded.
MAY_DEPART = BEFORE_DEPARTURE | {Status.RETURNED}

# Bare status changes (the form and the import); departed/returned have their own services.
ALLOWED: dict[str, frozenset[str]] = {
    Status.REGISTERED: frozenset({Status.COUNSELLED, Status.TRAINING, Status.WAITING, Status.WITHDRAWN}),
    Status.COUNSELLED: frozenset({Status.REGISTERED, Status.TRAINING, Status.WAITING, Status.WITHDRAWN}),
    Status.TRAINING: frozenset({Status.COUNSELLED, Status.WAITING, Status.WITHDRAWN}),
    Status.WAITING: frozenset({Status.TRAINING, Status.WITHDRAWN}),
    Status.DEPARTED: frozenset({Status.ABSCONDED}),
    Status.ABSCONDED: frozenset(),
    Status.RETURNED: frozenset({Status.REGISTERED, Status.COUNSELLED}),  # a new contract
    Status.WITHDRAWN: frozenset({Status.REGISTERED}),  # the file is reopened
}


def transition_problem(current: str, wanted: str) -> str | None:
    """None when ``current`` → ``wanted`` is a sensible bare status change, else the reason."""
    if current == wanted:
        return _("The worker already has this status.")
    if wanted == Status.DEPARTED:
        if current in ABROAD:
            return _("The worker is already abroad.")
        return _("Record a departure (date, country, enterprise) to mark the worker as departed.")
    if wanted == Status.RETURNED:
        if current not in ABROAD:
            return _("A worker who has not departed cannot return.")
        return _("Record the return (date, on time or early) to mark the worker as returned.")
    if wanted == Status.ABSCONDED and current != Status.DEPARTED:
        return _("Only a worker who is abroad can abscond or overstay.")
    if current in ABROAD and wanted in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
        return _("The worker is abroad: record the return first.")
    if wanted not in ALLOWED[current]:
        return _("A worker cannot go from “%(current)s” to “%(wanted)s”.") % {
            "current": Status(current).label, "wanted": Status(wanted).label}
    return None


def next_statuses(current: str) -> list[str]:
    return [s for s in Status.values if s in ALLOWED[current]]
