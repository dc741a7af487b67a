"""A history file, mapped, turned into what the commit would write, and every reason it cannot be.

:func:`build_plan` reads the stored file of a batch again (the same bytes the user previewed: the hash is checked),
applies the batch's mapping, the dates' order and the addresses the user chose, and returns a
:class:`history.context.Plan`: the counts and the sample the preview shows, the errors by row and column, the
questions for the user (addresses that match no unit or two, columns whose dates show month/day order), and the
writes, which ``history.services.batch_commit`` performs in one transaction. A list of workers and a sheet of
totals have their own planners (``history.people``, ``history.totals``).
"""
from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from history import people, totals
from history.context import Context, Plan, Progress
from history.models import ImportBatch, SheetKind
from history.reading import read_file
from portal.xlsx import ImportRejected, RowError


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_batch_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        data = handle.read()
    if file_hash(data) != batch.file_hash:
        raise ImportRejected([RowError(0, "", _(
            "The stored file changed since it was uploaded: upload it again."))])
    return data


def build_plan(batch: ImportBatch, *, user, data: bytes | None = None, progress: Progress | None = None) -> Plan:
    """Everything the batch's file would write, checked whole; nothing is written."""
    data = read_batch_file(batch) if data is None else data
    sheet = read_file(data, batch.file_name, sheet=batch.sheet)
    labels = list(batch.header.get("labels") or sheet.header.labels)
    plan = Plan(kind=batch.kind)
    rows = sheet.grid.rows[int(batch.header.get("data_index", sheet.header.data_index)):]
    ctx = Context(batch, user, rows, labels, plan, progress)
    if batch.kind == SheetKind.PEOPLE:
        people.plan_people(ctx)
    else:
        totals.plan_totals(ctx)
    return plan
