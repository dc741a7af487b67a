"""Writes of the history app: an import batch from upload to commit and rollback, saved mappings, history figures
and the links between a historic record and a later registration. Every service checks scope and rules, writes in
one transaction with the user as the audit's actor, and returns the object."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, ProtectedError, Q, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from history.context import batch_roots
from history.figures import figure_problems, figure_write, overlapping
from history.importer import build_plan, file_hash, read_batch_file
from history.mapping import country_keys, find_saved_mapping, mapping_columns, mapping_problems, propose
from history.models import (
    UNDO_DAYS,
    BatchChange,
    BatchStatus,
    ChangeAction,
    ColumnMapping,
    HistoricLink,
    HistoryFigure,
    ImportBatch,
    SheetKind,
    period_bounds,
)
from history.people import commit_people
from history.reading import column_samples, read_file
from history.totals import commit_totals
from portal import tree
from portal.audit import acting_as
from portal.models import Unit
from portal.scoping import can_approve, can_write, unit_in_scope
from portal.xlsx import ImportRejected, RowError
from workers.models import Country, Departure, Return, StatusChange, Worker


def figure_save(*, user, unit: Unit, year: int, month: int | None, departed: int, figure: HistoryFigure | None = None,
                note: str = "", **counts) -> HistoryFigure:
    """Enter or change a history figure on the screen: in scope, the values sound, no overlap on the unit's line."""
    if not can_write(user) or not unit_in_scope(user, unit, inherited=True):
        raise ValidationError({"unit": _("The unit is outside your scope.")})
    problems = figure_problems(unit=unit, year=year, month=month, departed=departed, **counts)
    if problems:
        raise ValidationError(problems)
    start, end = period_bounds(year, month)
    with transaction.atomic(), acting_as(user):
        held = HistoryFigure.objects.select_for_update().filter(
            tree.subtree_q("unit", [unit.path]) | tree.ancestors_q("unit", [unit.path]),
            start__lte=end, end__gte=start).select_related("unit")
        others = overlapping(held, path=unit.path, start=start, end=end, exclude=figure.pk if figure else None)
        if others:
            raise ValidationError({"month" if month else "year": _(
                "A history figure is already held for %(unit)s, %(period)s: a period is counted once, at one level. "
                "Change that one instead.") % {"unit": others[0].unit.name, "period": others[0].period_label}})
        return figure_write(user=user, figure=figure, unit=unit, year=year, month=month, note=note,
                            departed=departed, **counts)


def figure_delete(*, user, figure: HistoryFigure) -> None:
    if not can_write(user) or not unit_in_scope(user, figure.unit, inherited=True):
        raise ValidationError(_("The unit is outside your scope."))
    with transaction.atomic(), acting_as(user):
        figure.delete()


# --- Saved mappings ------------------------------------------------------------------------------------------------


def mapping_save(*, user, unit: Unit, name: str, kind: str, columns: dict[str, str], labels: dict[str, str]
                 ) -> ColumnMapping:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"save_as": _("Give the mapping a name.")})
    if len(name) > ColumnMapping._meta.get_field("name").max_length:
        raise ValidationError({"save_as": _("The name is too long.")})
    with transaction.atomic(), acting_as(user):
        mapping, _created = ColumnMapping.objects.update_or_create(
            unit=unit, name=name, defaults={"kind": kind, "columns": columns, "labels": labels,
                                            "created_by": user if user.is_authenticated else None})
    return mapping


def mapping_delete(*, user, mapping: ColumnMapping) -> None:
    if not can_write(user) or not unit_in_scope(user, mapping.unit):
        raise ValidationError(_("Only the users of the unit that saved this mapping may delete it."))
    with transaction.atomic(), acting_as(user):
        mapping.delete()


# --- An import batch ---------------------------------------------------------------------------------------------


def batch_create(*, user, unit: Unit, data: bytes, file_name: str, structure: str = "",
                 accept_duplicates: bool = False, sheet: int = 0) -> ImportBatch:
    """Store an uploaded file, find its header and propose a mapping (a saved one of the same shape, else from the
    headers' words and the columns' content). Raises ``ImportRejected`` when the file is unusable."""

    if not can_write(user) or not unit_in_scope(user, unit, inherited=True):
        raise ImportRejected([RowError(0, "", _("The unit is outside your scope."))])
    sheet_data = read_file(data, file_name, sheet=sheet)
    header = sheet_data.header
    labels = header.labels
    width = max([len(labels), *(len(cells) for _n, cells in sheet_data.rows[:200])] or [0])
    labels = labels + [""] * (width - len(labels))
    saved = find_saved_mapping(user, labels)
    proposal = propose(labels, sheet_data.rows, countries=country_keys(Country.objects.all()), saved=saved)
    with transaction.atomic(), acting_as(user):
        batch = ImportBatch(
            unit=unit, created_by=user, file_name=file_name[:255], file_hash=file_hash(data),
            file_format=sheet_data.file_format, encoding=sheet_data.encoding, sheet=sheet, kind=proposal.kind,
            mapping=proposal.mapping, column_mapping=saved, structure=structure or "",
            accept_duplicates=accept_duplicates,
            header={**header.to_dict(), "labels": labels, "samples": column_samples(sheet_data.rows, width),
                    "reasons": proposal.reasons, "sheets": sheet_data.grid.sheet_names,
                    "data_rows": len(sheet_data.rows)},
        )
        batch.file.save(f"{timezone.now():%Y%m%d-%H%M%S}.{sheet_data.file_format}", ContentFile(data), save=False)
        batch.save()
    return batch


def _editable(batch: ImportBatch) -> None:
    # Previewing too: a preview whose job failed must not leave the import stuck.
    if batch.status not in (BatchStatus.UPLOADED, BatchStatus.PREVIEWING, BatchStatus.PREVIEWED):
        raise ValidationError(_("This import is %(status)s: it cannot be changed any more.")
                              % {"status": batch.get_status_display().lower()})


def batch_propose(*, user, batch: ImportBatch, kind: str) -> ImportBatch:
    """Propose the mapping again for another kind of sheet (the user says the sheet is a list, or totals)."""
    _editable(batch)
    if kind not in SheetKind.values:
        raise ValidationError(_("Unknown kind of sheet."))
    sheet_data = read_file(read_batch_file(batch), batch.file_name, sheet=batch.sheet)
    labels = batch.header.get("labels", [])
    rows = sheet_data.grid.rows[int(batch.header.get("data_index", 0)):]
    proposal = propose(labels, rows, countries=country_keys(Country.objects.all()), kind=kind,
                       saved=batch.column_mapping if batch.column_mapping and batch.column_mapping.kind == kind
                       else None)
    with transaction.atomic(), acting_as(user):
        batch.kind, batch.mapping = kind, proposal.mapping
        batch.header = {**batch.header, "reasons": proposal.reasons}
        batch.status, batch.preview = BatchStatus.UPLOADED, {}
        batch.save(update_fields=["kind", "mapping", "header", "status", "preview"])
    return batch


def batch_map(*, user, batch: ImportBatch, kind: str, mapping: list[str], save_as: str = "") -> ImportBatch:
    """Set the mapping the user confirmed (refused when two columns go to one field or a required field has no
    column), save it under ``save_as`` if given, and ask for the preview."""
    _editable(batch)
    labels = batch.header.get("labels", [])
    mapping = list(mapping) + [""] * (len(labels) - len(mapping))
    problems = mapping_problems(kind, mapping, labels)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(user):
        if save_as.strip():
            columns, written = mapping_columns(labels, mapping)
            batch.column_mapping = mapping_save(user=user, unit=batch.unit, name=save_as, kind=kind, columns=columns,
                                                labels=written)
        batch.kind, batch.mapping = kind, mapping
        batch.status = BatchStatus.PREVIEWING
        batch.preview = {}
        batch.save(update_fields=["kind", "mapping", "column_mapping", "status", "preview"])
    return batch


def batch_answer(*, user, batch: ImportBatch, addresses: dict[str, int], date_columns: Iterable[int]) -> ImportBatch:
    """Remember the user's answers (the unit of an address text, for the rest of the file; a date column confirmed
    day/month) and ask for the preview again."""
    _editable(batch)
    roots = batch_roots(batch.unit)
    chosen = {}
    if addresses:
        units = Unit.objects.filter(pk__in=set(addresses.values())).filter(tree.subtree_q(None, [r.path for r in roots]))
        allowed = {u.pk: u for u in units if unit_in_scope(user, u, inherited=True)}
        for key, unit_id in addresses.items():
            if unit_id not in allowed:
                raise ValidationError(_("That unit is outside your scope."))
            chosen[key] = unit_id
    with transaction.atomic(), acting_as(user):
        batch.address_choices = {**(batch.address_choices or {}), **{k: v for k, v in chosen.items()}}
        batch.date_orders = {**(batch.date_orders or {}), **{str(c): "dmy" for c in date_columns}}
        batch.status = BatchStatus.PREVIEWING
        batch.save(update_fields=["address_choices", "date_orders", "status"])
    return batch


def batch_preview(*, batch: ImportBatch, user, progress: Callable[[int], None] | None = None) -> ImportBatch:
    """Compute the preview (the job's work): counts, sample, errors and questions; nothing of the file is saved."""
    try:
        plan = build_plan(batch, user=user, progress=progress)
        preview = plan.to_preview()
    except ImportRejected as exc:
        preview = {"kind": batch.kind, "counts": {"errors": len(exc.errors)}, "blocked": True, "sample": [],
                   "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors],
                   "warnings": [], "addresses": [], "dates": []}
    ImportBatch.objects.filter(pk=batch.pk, status__in=(BatchStatus.PREVIEWING, BatchStatus.PREVIEWED)).update(
        preview=preview, status=BatchStatus.PREVIEWED)
    batch.refresh_from_db()
    return batch


def batch_request_preview(*, batch: ImportBatch) -> bool:
    return bool(ImportBatch.objects.filter(pk=batch.pk, status__in=(BatchStatus.PREVIEWED, BatchStatus.UPLOADED))
                .update(status=BatchStatus.PREVIEWING))


def batch_confirm(*, user, batch: ImportBatch) -> bool:
    """Claim the commit: previewed without errors or open questions → being saved. False when it was claimed
    already (a replayed confirmation does nothing twice)."""
    if not can_write(user):
        raise ValidationError(_("You may not change data."))
    if batch.preview.get("blocked", True):
        raise ValidationError(_("The preview shows errors or questions: resolve them before saving."))
    with acting_as(user):
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.COMMITTING)
    return bool(claimed)


def batch_cancel(*, user, batch: ImportBatch) -> ImportBatch:
    _editable(batch)
    with transaction.atomic(), acting_as(user):
        batch.status = BatchStatus.CANCELLED
        batch.save(update_fields=["status"])
        batch.file.delete(save=False)
    return batch


def _ranges(ids: list[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for pk in sorted(ids):
        if ranges and pk == ranges[-1][1] + 1:
            ranges[-1][1] = pk
        else:
            ranges.append([pk, pk])
    return ranges


def _in_ranges(ranges: list[list[int]], field: str = "pk") -> Q:
    condition = Q(pk__in=[])
    for first, last in ranges:
        condition |= Q(**{f"{field}__range": (first, last)})
    return condition


def _json_value(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _restore(model, object_id: int, prior: dict) -> None:
    """Put a changed row back as it was: through ``save`` (audited, and the cached figures follow), then its
    ``updated_at`` exactly as before."""
    obj = model.objects.filter(pk=object_id).first()
    if obj is None:
        return
    values = {}
    for name, value in prior.items():
        field = model._meta.get_field(name)
        if value is not None and field.get_internal_type() == "DateTimeField":
            value = dt.datetime.fromisoformat(value)
        elif value is not None and field.get_internal_type() == "DateField":
            value = dt.date.fromisoformat(value)
        values[name] = value
    stamp = values.pop("updated_at", None)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))
    if stamp is not None:
        model.objects.filter(pk=object_id).update(updated_at=stamp)


class BatchLog:
    """What a commit created and changed, for the rollback."""

    def __init__(self, batch: ImportBatch):
        self.batch = batch
        self.changes: list[BatchChange] = []
        self.workers: list[int] = []
        self.status_mark = StatusChange.objects.aggregate(m=Max("pk"))["m"] or 0

    def created_workers(self, pks: list[int]) -> None:
        self.workers.extend(pks)

    def created(self, obj) -> None:
        self.changes.append(BatchChange(batch=self.batch, model=obj._meta.label_lower, object_id=obj.pk,
                                        action=ChangeAction.CREATED))

    def changed(self, obj, fields: Iterable[str]) -> None:
        """``obj`` is about to change: keep the values of ``fields`` (and its ``updated_at``) as they are."""
        names = [*fields, *(["updated_at"] if hasattr(obj, "updated_at") else [])]
        prior = {name: _json_value(getattr(obj, name)) for name in names}
        self.changes.append(BatchChange(batch=self.batch, model=obj._meta.label_lower, object_id=obj.pk,
                                        action=ChangeAction.CHANGED, prior=prior))

    def status_changes_of(self, worker: Worker) -> None:
        for change in StatusChange.objects.filter(worker=worker, pk__gt=self.status_mark).order_by("pk"):
            self.created(change)

    def save(self) -> None:
        BatchChange.objects.bulk_create(self.changes, batch_size=1000)
        marks = {label: model.objects.aggregate(m=Max("pk"))["m"] or 0 for label, model in (
            ("statuschange", StatusChange), ("departure", Departure), ("return", Return))}
        self.batch.created = {"workers.worker": _ranges(self.workers), "marks": marks}


def batch_commit(*, batch_id: int, user, progress: Callable[[int], None] | None = None) -> ImportBatch:
    """Save the batch in one transaction after checking the stored file again (the commit job's work). When the
    check finds errors now (the registry changed since the preview), nothing is saved and the batch goes back to
    its preview with them."""
    progress = progress or (lambda _percent: None)
    with transaction.atomic(), acting_as(user):
        batch = ImportBatch.objects.select_for_update().select_related("unit").get(pk=batch_id)
        if batch.status != BatchStatus.COMMITTING:
            return batch  # saved already, or given back: a second run does nothing
        try:
            plan = build_plan(batch, user=user, progress=lambda p: progress(p * 6 // 10))
        except ImportRejected as exc:
            batch.preview = {**batch.preview, "blocked": True,
                             "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors]}
            batch.status = BatchStatus.PREVIEWED
            batch.save(update_fields=["preview", "status"])
            return batch
        if plan.blocked:
            batch.preview = plan.to_preview()
            batch.status = BatchStatus.PREVIEWED
            batch.save(update_fields=["preview", "status"])
            return batch
        log = BatchLog(batch)
        note = _("Brought in from history (import #%(id)s)") % {"id": batch.pk}
        progress(65)
        if batch.kind == SheetKind.PEOPLE:
            commit_people(user=user, writes=plan.writes, note=note, log=log)
        else:
            commit_totals(user=user, batch=batch, writes=plan.writes, log=log)
        progress(90)
        log.save()
        batch.result = {**plan.counts, "rows": plan.rows, "skipped": plan.skipped}
        batch.status = BatchStatus.COMMITTED
        batch.committed_at, batch.committed_by = timezone.now(), user
        batch.save(update_fields=["created", "result", "status", "committed_at", "committed_by"])
    return batch


# --- Rollback ----------------------------------------------------------------------------------------------------


def rollback_problem(*, user, batch: ImportBatch) -> str | None:
    """Why the user cannot roll the batch back now (None: they can)."""
    if not can_approve(user):
        return _("Only the provincial staff can roll an import back.")
    if batch.status != BatchStatus.COMMITTED:
        return _("Only a saved import can be rolled back.")
    if batch.committed_at and timezone.now() > batch.committed_at + dt.timedelta(days=UNDO_DAYS):
        return _("An import can be rolled back within %(days)s days of saving it.") % {"days": UNDO_DAYS}
    return None


def batch_request_rollback(*, user, batch: ImportBatch) -> bool:
    problem = rollback_problem(user=user, batch=batch)
    if problem:
        raise ValidationError(problem)
    with acting_as(user):
        return bool(ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.COMMITTED).update(
            status=BatchStatus.ROLLING_BACK))


class RollbackRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def batch_rollback(*, batch_id: int, user) -> ImportBatch:
    """Remove every row the batch created and restore every row it changed, in one transaction, audited; refused
    (the batch stays saved, with the reason) when records it created were changed or used since."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.ROLLING_BACK:
            return batch
        try:
            with transaction.atomic(), acting_as(user):
                _undo(batch)
        except RollbackRefused as exc:
            batch.status = BatchStatus.COMMITTED
            batch.result = {**batch.result, "rollback_refused": exc.message}
            with acting_as(user):
                batch.save(update_fields=["status", "result"])
            return batch
        batch.status = BatchStatus.ROLLED_BACK
        batch.rolled_back_at, batch.rolled_back_by = timezone.now(), user
        batch.result = {k: v for k, v in batch.result.items() if k != "rollback_refused"}
        with acting_as(user):
            batch.save(update_fields=["status", "rolled_back_at", "rolled_back_by", "result"])
    return batch


def _delete_created_workers(batch: ImportBatch, workers) -> None:
    """The workers a commit registered, with their trips and timelines, deleted in a fixed number of queries
    (tens of thousands of them): the audit entries written at once (auditlog's per-row receivers off), the cached
    figures of the batch's provinces dropped once, and everything else the ORM does on a delete (the leads pointing
    at a worker let go, a payment or a loan refusing it) kept."""
    from auditlog.context import disable_auditlog

    from portal import cache_version, invalidation
    from portal.audit import audit_bulk_deleted

    if not workers.exists():
        return
    user = get_actor()
    units = set(Departure.objects.filter(worker__in=workers).values_list("unit_id", flat=True).distinct())
    units |= set(workers.values_list("unit_id", flat=True).distinct())
    with disable_auditlog(), invalidation.deferred():
        audit_bulk_deleted(user, [  # with what their texts and values read (no query per row)
            *_loaded(Return.objects.filter(departure__worker__in=workers), "departure__worker", "departure__country"),
            *_loaded(Departure.objects.filter(worker__in=workers), "worker", "country"),
            *_loaded(workers)])
        StatusChange.objects.filter(worker__in=workers).delete()
        Return.objects.filter(departure__worker__in=workers).delete()
        Departure.objects.filter(worker__in=workers).delete()
        workers.delete()
    cache_version.bump(units)


def _loaded(queryset, *related: str):
    """``queryset`` with its foreign keys, the reverse one-to-ones pointing at it (the audit's diff reads them all)
    and ``related`` joined in."""
    meta = queryset.model._meta
    names = [f.name for f in meta.concrete_fields if f.many_to_one or f.one_to_one]
    names += [f.get_accessor_name() for f in meta.related_objects if f.one_to_one]
    return queryset.select_related(*names, *related)


def get_actor():
    """The user the audit names now (``portal.audit.acting_as``)."""
    from auditlog.context import auditlog_value

    return (auditlog_value.get(None) or {}).get("actor")


def _undo(batch: ImportBatch) -> None:
    created = batch.created or {}
    marks = created.get("marks", {})
    workers = Worker.objects.filter(_in_ranges(created.get("workers.worker", [])))
    later = (StatusChange.objects.filter(worker__in=workers, pk__gt=marks.get("statuschange", 0)).exists()
             or Departure.objects.filter(worker__in=workers, pk__gt=marks.get("departure", 0)).exists()
             or Return.objects.filter(departure__worker__in=workers, pk__gt=marks.get("return", 0)).exists()
             or workers.filter(version__gt=1).exists())
    if later:
        raise RollbackRefused(_("Workers this import registered were changed since (a status, a trip or their "
                                "data): roll back is refused so that no later work is lost."))
    if HistoricLink.objects.filter(Q(historic__in=workers) | Q(worker__in=workers)).exists():
        raise RollbackRefused(_("Workers this import registered are linked to other records: remove the links "
                                "first."))
    changes = list(batch.changes.order_by("-pk"))
    figures = HistoryFigure.objects.filter(Q(batch=batch) | Q(pk__in=[c.object_id for c in changes
                                                                       if c.model == "history.historyfigure"]))
    if batch.committed_at and figures.filter(updated_at__gt=batch.committed_at).exists():
        raise RollbackRefused(_("History figures of this import were changed since: roll back is refused."))
    touched = [c.object_id for c in changes if c.model == "workers.worker"]
    created_status = {c.object_id for c in changes if c.model == "workers.statuschange"}
    if StatusChange.objects.filter(worker_id__in=touched, pk__gt=marks.get("statuschange", 0)).exclude(
            pk__in=created_status).exists():
        raise RollbackRefused(_("Workers this import added trips to were changed since: roll back is refused."))
    try:
        _delete_created_workers(batch, workers)
        models = {"workers.statuschange": StatusChange, "workers.return": Return, "workers.departure": Departure,
                  "history.historyfigure": HistoryFigure, "workers.worker": Worker}
        for change in changes:
            model = models[change.model]
            if change.action == ChangeAction.CREATED:
                model.objects.filter(pk=change.object_id).delete()
            else:
                _restore(model, change.object_id, change.prior or {})
        HistoryFigure.objects.filter(batch=batch).delete()
    except (ProtectedError, RestrictedError) as exc:
        names = sorted({obj._meta.verbose_name_plural for obj in list(exc.protected_objects if isinstance(
            exc, ProtectedError) else exc.restricted_objects)[:50]})
        raise RollbackRefused(_("Records this import created are used since by other records (%(what)s): roll back "
                                "is refused.") % {"what": ", ".join(str(n) for n in names)}) from None


# --- Links between a historic record and a later registration ------------------------------------------------------


def historic_link(*, user, worker: Worker, historic: Worker, note: str = "") -> HistoricLink:
    """Link ``historic`` (known by its old CMND alone) to ``worker`` (registered with a CCCD): the same person."""
    if not can_write(user):
        raise ValidationError(_("You may not change data."))
    for record in (worker, historic):
        if not unit_in_scope(user, record.unit, inherited=True):
            raise ValidationError(_("The record is outside your scope."))
    if historic.pk == worker.pk:
        raise ValidationError(_("A record cannot be linked to itself."))
    if not historic.has_only_legacy_id:
        raise ValidationError(_("Only a historic record known by its old CMND alone can be linked."))
    if not worker.citizen_id:
        raise ValidationError(_("Link the historic record to a worker registered with a CCCD."))
    with transaction.atomic(), acting_as(user):
        if HistoricLink.objects.select_for_update().filter(historic=historic).exists():
            raise ValidationError(_("This historic record is already linked."))
        return HistoricLink.objects.create(historic=historic, worker=worker, note=note.strip()[:255],
                                           linked_by=user if user.is_authenticated else None)


def historic_unlink(*, user, link: HistoricLink) -> None:
    if not can_write(user) or not unit_in_scope(user, link.worker.unit, inherited=True):
        raise ValidationError(_("The record is outside your scope."))
    with transaction.atomic(), acting_as(user):
        link.delete()
