"""Reads of the history app: import batches, saved mappings, history figures (also for the progress reports), and
what the worker page shows of a historic record."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from history.models import BatchStatus, ColumnMapping, HistoricLink, HistoryFigure, ImportBatch, SheetKind
from portal.models import Role, Unit
from portal.scoping import can_write, get_visible_or_404, user_role
from workers.models import Worker


def batch_list(user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(user).select_related("unit", "created_by", "column_mapping")


def batch_detail(user, pk: int) -> ImportBatch:
    return get_visible_or_404(ImportBatch.objects.select_related("unit", "created_by", "committed_by",
                                                                 "rolled_back_by", "column_mapping"), user, pk=pk)


def mapping_list(user) -> QuerySet[ColumnMapping]:
    return ColumnMapping.objects.visible_to(user).select_related("unit", "created_by")


@dataclass
class FigureFilters:
    unit: Unit | None = None
    year: int | None = None


def figure_list(user, filters: FigureFilters | None = None) -> QuerySet[HistoryFigure]:
    f = filters or FigureFilters()
    figures = HistoryFigure.objects.visible_to(user).select_related("unit", "unit__parent", "batch")
    if f.unit is not None:
        figures = figures.filter(unit__path__startswith=f.unit.path)
    if f.year is not None:
        figures = figures.filter(year=f.year)
    return figures.order_by("-start", "unit__path", "pk")


def report_figures(condition: Q, start: dt.date, end: dt.date) -> list[tuple]:
    """The history figures whose unit meets ``condition`` (on the figure's ``unit``) and whose whole period lies in
    start–end, for the progress reports: ``(unit_id, unit_path, start, end, month, departed, japan, korea, taiwan,
    female, poor, ethnic_minority)``, one query."""
    return list(HistoryFigure.objects.filter(condition, start__gte=start, end__lte=end).order_by("start", "pk")
                .values_list("unit_id", "unit__path", "start", "end", "month", "departed", "japan", "korea",
                             "taiwan", "female", "poor", "ethnic_minority"))


def link_candidates(user, worker: Worker) -> list[Worker]:
    """Records that may be the same person as ``worker`` on the other side of a link: for a registration with a
    CCCD, historic records with the old CMND alone and the same name and date of birth; for a historic record,
    registrations with a CCCD. Within the user's scope, not linked yet."""
    same = Worker.objects.visible_to(user).filter(name_key=worker.name_key, date_of_birth=worker.date_of_birth) \
        .exclude(pk=worker.pk).select_related("unit")
    if worker.has_only_legacy_id:
        return list(same.filter(citizen_id__isnull=False)[:10])
    return list(same.filter(citizen_id__isnull=True, historic_link__isnull=True)[:10])


def worker_history(user, worker: Worker) -> dict[str, Any]:
    """The worker page's history section: the link to the other record, candidates to link, the import that
    brought the record in."""
    links = list(HistoricLink.objects.filter(Q(historic=worker) | Q(worker=worker))
                 .select_related("historic", "worker", "historic__unit", "worker__unit", "linked_by"))
    batch = None
    committed = ImportBatch.objects.filter(status=BatchStatus.COMMITTED, kind=SheetKind.PEOPLE).only(
        "pk", "created", "file_name", "committed_at")
    for candidate in committed:  # a handful per province: the imports of going live
        if any(first <= worker.pk <= last for first, last in (candidate.created or {}).get("workers.worker", [])):
            batch = candidate
            break
    if worker.has_only_legacy_id:
        linkable = not links  # a historic record is one person: linked once
    else:
        linkable = bool(worker.citizen_id)
    candidates = link_candidates(user, worker) if linkable and can_write(user) else []
    linked = {link.historic_id for link in links} | {link.worker_id for link in links}
    return {"history_links": links, "history_candidates": [c for c in candidates if c.pk not in linked],
            "history_batch": batch, "history_can_link": can_write(user) and linkable,
            "history_full": user_role(user) in (Role.ADMIN, Role.PROVINCE, Role.OFFICIAL)}
