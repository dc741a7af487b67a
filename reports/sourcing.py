"""Progress against the source-creation targets ("chỉ tiêu tạo nguồn", ``targets.SourceQuota``): per unit below the
chosen one, the candidates registered in the year and the candidates trained in it, against their targets.

- *registered in the year*: workers who entered the pipeline in the year: their first status change (the record
  created), or a new start after a return or a withdrawal (back to registered or counselled);
- *trained in the year*: workers enrolled in a class that started in the year, not dropped out.

Counted per home unit in two GROUP BY queries and rolled up the tree (``portal.tree.UnitTree``), like the progress
report; the number of queries does not depend on the number of workers.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from portal.models import Unit
from portal.tree import UnitTree
from targets.models import SourceQuota
from training.models import Enrolment, Result
from workers.models import Status, StatusChange

NEW_START_FROM = (Status.RETURNED, Status.WITHDRAWN)
NEW_START_TO = (Status.REGISTERED, Status.COUNSELLED)


@dataclass
class SourceRow:
    unit_id: int
    code: str
    name: str
    candidates_target: int | None = None
    trained_target: int | None = None
    registered: int = 0
    trained: int = 0
    is_total: bool = False

    @property
    def registered_share(self) -> float | None:
        return self.registered / self.candidates_target if self.candidates_target else None

    @property
    def trained_share(self) -> float | None:
        return self.trained / self.trained_target if self.trained_target else None


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    return start, timezone.make_aware(dt.datetime(year + 1, 1, 1))


def source_progress(*, unit: Unit, year: int) -> list[SourceRow]:
    """One row per unit directly below ``unit``, then the total (``unit``'s own target, else the sum of the
    rows'); the caller checked that ``unit`` is in the user's scope."""
    tree = UnitTree(unit)
    rows = {pk: SourceRow(pk, tree.units[pk][0], tree.units[pk][1]) for pk in tree.children}
    total = SourceRow(unit.pk, unit.code, unit.name, is_total=True)
    start, end = _year_bounds(year)
    entered = (StatusChange.objects.filter(tree.q("worker__unit"), at__gte=start, at__lt=end)
               .filter(Q(from_status="") | Q(from_status__in=NEW_START_FROM, to_status__in=NEW_START_TO))
               .order_by().values("worker__unit_id").annotate(n=Count("worker_id", distinct=True)))
    trained = (Enrolment.objects.filter(tree.q("worker__unit"), training_class__start_date__range=(
        dt.date(year, 1, 1), dt.date(year, 12, 31)))
               .exclude(result=Result.DROPPED)
               .order_by().values("worker__unit_id").annotate(n=Count("worker_id", distinct=True)))
    for attr, groups in (("registered", entered), ("trained", trained)):
        sums, grand = tree.sum_by_child(((item["worker__unit_id"], (item["n"],)) for item in groups), 1)
        for slot, (value,) in sums.items():
            if slot is not None:
                setattr(rows[slot], attr, value)
        setattr(total, attr, grand[0])
    quotas = {q.unit_id: q for q in SourceQuota.objects.filter(year=year, unit_id__in=[unit.pk, *tree.children])}
    for pk, row in rows.items():
        if pk in quotas:
            row.candidates_target, row.trained_target = quotas[pk].candidates, quotas[pk].trained
    if unit.pk in quotas:
        total.candidates_target, total.trained_target = quotas[unit.pk].candidates, quotas[unit.pk].trained
    else:
        own = [row for row in rows.values() if row.candidates_target is not None]
        total.candidates_target = sum(row.candidates_target for row in own) if own else None
        with_trained = [row for row in rows.values() if row.trained_target is not None]
        total.trained_target = sum(row.trained_target for row in with_trained) if with_trained else None
    return [*(rows[pk] for pk in tree.children), total]
