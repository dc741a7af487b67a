"""The pre-departure file of a worker: the checklist (health check, certificates, passport, visa, registered
contract, insurance, fund contribution, loan papers) and the departure they are being prepared for.

The items are data (``ChecklistItem``: national ones, and a province's own); a worker's standing on each is a
``ChecklistEntry``. Reads (:func:`worker_checklist`, :func:`due_to_depart`) and writes (:func:`checklist_set`,
:func:`checklist_save`, :func:`expected_departure_set`) of this part of the registry live here, beside the
registry's own services.

A required item is *missing* until it is done or marked not required; a failed result (a health check found
unfit) is missing too. Missing items never block a departure: the departure form and the list of workers due
to depart warn about them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal import tree
from portal.models import Unit
from portal.scoping import unit_in_scope
from portal.xlsx import length_problem
from workers.models import (
    ChecklistEntry,
    ChecklistItem,
    ChecklistStatus,
    Country,
    Enterprise,
    ExpectedDeparture,
    Programme,
    Status,
    Worker,
)
from workers.services import today

POOL_STATUSES = (Status.TRAINING, Status.WAITING)
SETTLED = (ChecklistStatus.DONE, ChecklistStatus.WAIVED)
DUE_WITHIN_DAYS = 60  # the "due to depart" list looks this far ahead by default


def items_for(unit: Unit, items: Iterable[ChecklistItem] | None = None) -> list[ChecklistItem]:
    """The active items that apply to a worker of ``unit``: the national ones and those of its province."""
    if items is None:
        items = ChecklistItem.objects.filter(active=True).select_related("unit")
    return [item for item in items
            if item.active and (item.unit_id is None or tree.is_within(unit.path, item.unit.path))]


def active_items() -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(active=True).select_related("unit"))


@dataclass
class ChecklistLine:
    item: ChecklistItem
    entry: ChecklistEntry | None = None

    @property
    def status(self) -> str:
        return self.entry.status if self.entry else ChecklistStatus.PENDING

    @property
    def status_label(self) -> str:
        return ChecklistStatus(self.status).label

    @property
    def is_missing(self) -> bool:
        return self.item.required and self.status not in SETTLED

    @property
    def is_failed(self) -> bool:
        return self.status == ChecklistStatus.FAILED


def checklist_lines(worker: Worker, items: list[ChecklistItem], entries: Iterable[ChecklistEntry]) -> list[ChecklistLine]:
    by_item = {entry.item_id: entry for entry in entries}
    lines = [ChecklistLine(item, by_item.pop(item.pk, None)) for item in items_for(worker.unit, items)]
    # An entry of an item since switched off stays visible (it was recorded), after the others.
    lines.extend(ChecklistLine(entry.item, entry) for entry in by_item.values())
    return lines


def worker_checklist(worker: Worker) -> list[ChecklistLine]:
    """Every item that applies to ``worker`` with their entry (two queries)."""
    entries = worker.checklist.select_related("item", "item__unit")
    return checklist_lines(worker, active_items(), entries)


def missing(lines: Iterable[ChecklistLine]) -> list[ChecklistLine]:
    return [line for line in lines if line.is_missing]


# --- Writes ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryInput:
    item: ChecklistItem
    status: str
    date: dt.date | None = None
    document_no: str = ""
    result: str = ""
    note: str = ""


def entry_problems(entry: EntryInput, *, date_of_birth: dt.date | None = None) -> dict[str, str]:
    """What is wrong with ``entry`` (field → message), checked in memory: the form, the service and the imports
    share it."""
    problems: dict[str, str] = {}
    item = entry.item
    if entry.status not in ChecklistStatus.values:
        problems["status"] = _("Unknown status.")
        return problems
    if entry.status == ChecklistStatus.FAILED and not item.has_result:
        problems["status"] = _("“%(item)s” has no result that can fail.") % {"item": item.name}
    if entry.status in (ChecklistStatus.DONE, ChecklistStatus.FAILED) and entry.date is None:
        problems["date"] = (_("A result needs the date of the check.") if item.has_result
                            else _("Give the date of the document."))
    if entry.date is not None:
        if entry.date > today():
            problems["date"] = _("The date is in the future.")
        elif date_of_birth is not None and entry.date <= date_of_birth:
            problems["date"] = _("The date is before the date of birth.")
    if entry.status == ChecklistStatus.DONE and item.needs_number and not entry.document_no.strip():
        problems["document_no"] = _("Give the document number.")
    for name, max_length in (("document_no", 60), ("result", 120), ("note", 255)):
        too_long = length_problem(getattr(entry, name).strip(), max_length)
        if too_long:
            problems[name] = too_long
    return problems


def _check_access(user, worker: Worker) -> None:
    if not unit_in_scope(user, worker.unit):
        raise ValidationError(_("This worker is outside your scope."))


def _write(*, user, worker: Worker, entry: EntryInput, existing: ChecklistEntry | None) -> ChecklistEntry | None:
    values = {"status": entry.status, "date": entry.date, "document_no": entry.document_no.strip(),
              "result": entry.result.strip(), "note": entry.note.strip()}
    if existing is None:
        if entry.status == ChecklistStatus.PENDING and not any(
                (entry.date, values["document_no"], values["result"], values["note"])):
            return None  # nothing to record
        return ChecklistEntry.objects.create(worker=worker, item=entry.item, updated_by=_by(user), **values)
    if all(getattr(existing, name) == value for name, value in values.items()):
        return existing
    for name, value in values.items():
        setattr(existing, name, value)
    existing.updated_by = _by(user)
    existing.save()
    return existing


def _differs(current: ChecklistEntry, entry: EntryInput) -> bool:
    return (current.status, current.date, current.document_no, current.result, current.note) != (
        entry.status, entry.date, entry.document_no.strip(), entry.result.strip(), entry.note.strip())


def _by(user):
    return user if user is not None and user.is_authenticated else None


def checklist_save(*, user, worker: Worker, entries: Sequence[EntryInput]) -> list[ChecklistEntry]:
    """Record several items of ``worker``'s checklist, all or none. Errors are keyed ``<item code>-<field>``."""
    _check_access(user, worker)
    allowed = {item.pk for item in items_for(worker.unit)}
    errors: dict[str, list[str]] = {}
    for entry in entries:
        if entry.item.pk not in allowed and not worker.checklist.filter(item=entry.item).exists():
            errors.setdefault(f"{entry.item.code}-status", []).append(
                _("The item “%(item)s” does not apply to this worker.") % {"item": entry.item.name})
        for name, message in entry_problems(entry, date_of_birth=worker.date_of_birth).items():
            errors.setdefault(f"{entry.item.code}-{name}", []).append(message)
    if errors:
        raise ValidationError(errors)
    saved = []
    with transaction.atomic():
        existing = {e.item_id: e for e in ChecklistEntry.objects.select_for_update().filter(
            worker=worker, item__in=[entry.item for entry in entries])}
        for entry in entries:
            row = _write(user=user, worker=worker, entry=entry, existing=existing.get(entry.item.pk))
            if row is not None:
                saved.append(row)
    return saved


def checklist_set(*, user, worker: Worker, item: ChecklistItem, status: str, date: dt.date | None = None,
                  document_no: str = "", result: str = "", note: str = "") -> ChecklistEntry | None:
    """Record one item of ``worker``'s checklist (errors keyed by field)."""
    entry = EntryInput(item=item, status=status, date=date, document_no=document_no, result=result, note=note)
    try:
        saved = checklist_save(user=user, worker=worker, entries=[entry])
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            prefix = f"{item.code}-"
            raise ValidationError({key.removeprefix(prefix): value for key, value in exc.message_dict.items()}) \
                from None
        raise
    return saved[0] if saved else None


def checklist_mark_done(*, user, worker: Worker, code: str, date: dt.date, document_no: str = "",
                        result: str = "") -> ChecklistEntry | None:
    """Mark the item ``code`` done with a certificate the portal recorded elsewhere (a class's certificate),
    unless the worker's entry for it is already done or the item does not apply. Returns the entry written."""
    item = next((item for item in items_for(worker.unit) if item.code == code), None)
    if item is None or (item.needs_number and not document_no.strip()):
        return None
    current = worker.checklist.filter(item=item).first()
    if current is not None and current.status == ChecklistStatus.DONE:
        return None
    return checklist_set(user=user, worker=worker, item=item, status=ChecklistStatus.DONE, date=date,
                         document_no=document_no, result=result,
                         note=current.note if current is not None else "")


def expected_departure_set(*, user, worker: Worker, enterprise: Enterprise | None = None,
                           country: Country | None = None, programme: Programme | None = None,
                           date: dt.date | None = None) -> ExpectedDeparture:
    """The departure ``worker`` is being prepared for (all empty: none)."""
    _check_access(user, worker)
    if programme is not None and country is not None and programme.country_id != country.pk:
        raise ValidationError({"programme": _("This programme is for %(country)s.") % {"country": programme.country}})
    if programme is not None and country is None:
        country = programme.country
    if date is not None and date <= worker.date_of_birth:
        raise ValidationError({"date": _("The date is before the date of birth.")})
    with transaction.atomic():
        expected, _created = ExpectedDeparture.objects.select_for_update().get_or_create(worker=worker)
        values = {"enterprise": enterprise, "country": country, "programme": programme, "date": date}
        if any(getattr(expected, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(expected, name, value)
            expected.save()
    return expected


def expected_enterprise_default(*, user, worker: Worker, enterprise: Enterprise,
                                country: Country | None = None) -> ExpectedDeparture | None:
    """Give ``worker`` this sending enterprise (and market) when none is recorded yet: the enterprise running the
    class the worker was just enrolled in. A recorded enterprise is never replaced."""
    current = ExpectedDeparture.objects.filter(worker=worker).select_related("programme").first()
    if current is not None and current.enterprise_id is not None:
        return None
    return expected_departure_set(
        user=user, worker=worker, enterprise=enterprise,
        country=(current.country if current and current.country_id else country),
        programme=current.programme if current else None, date=current.date if current else None)


# --- The workers due to depart --------------------------------------------------------------------------------------


@dataclass
class DueWorker:
    worker: Worker
    expected: ExpectedDeparture | None
    lines: list[ChecklistLine] = field(default_factory=list)

    @property
    def missing(self) -> list[ChecklistLine]:
        return missing(self.lines)


def due_queryset(user, *, unit: Unit | None = None, due_by: dt.date | None = None) -> QuerySet[Worker]:
    """Workers in training or waiting whose expected departure is on or before ``due_by``, and those waiting to
    depart without an expected date."""
    due_by = due_by or today() + dt.timedelta(days=DUE_WITHIN_DAYS)
    workers = Worker.objects.visible_to(user).filter(status__in=POOL_STATUSES).filter(
        Q(expected_departure__date__lte=due_by)
        | Q(status=Status.WAITING) & (Q(expected_departure__isnull=True) | Q(expected_departure__date__isnull=True)))
    if unit is not None:
        workers = workers.filter(unit__path__startswith=unit.path)
    return workers


def due_to_depart(user, *, unit: Unit | None = None, due_by: dt.date | None = None,
                  only_missing: bool = True) -> list[DueWorker]:
    """The workers due to depart (:func:`due_queryset`) with their checklist, soonest first; by default only
    those with a missing item. Three queries, whatever the number of workers."""
    workers = list(due_queryset(user, unit=unit, due_by=due_by)
                   .select_related("unit", "unit__parent", "expected_departure", "expected_departure__enterprise",
                                   "expected_departure__country")
                   .order_by("expected_departure__date", "name_key", "pk"))
    entries: dict[int, list[ChecklistEntry]] = defaultdict(list)
    for entry in (ChecklistEntry.objects.filter(worker__in=due_queryset(user, unit=unit, due_by=due_by))
                  .select_related("item", "item__unit")):
        entries[entry.worker_id].append(entry)
    items = active_items()
    rows = []
    for worker in workers:
        row = DueWorker(worker, expected_of(worker), checklist_lines(worker, items, entries.get(worker.pk, ())))
        if row.missing or not only_missing:
            rows.append(row)
    rows.sort(key=lambda row: (row.expected is None or row.expected.date is None,
                               row.expected.date if row.expected and row.expected.date else dt.date.max))
    return rows


def expected_of(worker: Worker) -> ExpectedDeparture | None:
    """The worker's expected departure, or None (loaded with ``select_related`` or read now)."""
    try:
        return worker.expected_departure
    except ExpectedDeparture.DoesNotExist:
        return None


def missing_sentence(lines: Iterable[ChecklistLine]) -> str:
    """"Missing from the pre-departure file: passport, visa (health check: failed)."""
    names = [f"{line.item.name} ({line.status_label.lower()})" if line.is_failed else line.item.name
             for line in missing(lines)]
    return _("Missing from the pre-departure file: %(items)s.") % {"items": ", ".join(names)}


def departure_initial(lines: Iterable[ChecklistLine], expected: ExpectedDeparture | None = None) -> dict:
    """What the departure form starts with from the pre-departure file: the expected market, programme and
    enterprise, and the orientation certificate when the checklist has it."""
    initial = {}
    if expected is not None:
        initial = {name: getattr(expected, f"{name}_id") for name in ("country", "programme", "enterprise")
                   if getattr(expected, f"{name}_id")}
    for line in lines:
        if line.item.code == "orientation_cert" and line.status == ChecklistStatus.DONE and line.entry:
            initial.update(orientation_cert_no=line.entry.document_no, orientation_cert_date=line.entry.date)
    return initial


def checklist_save_many(*, user, entries: Sequence[tuple[Worker, Sequence[EntryInput]]]) -> int:
    """The checklists of many workers at once (the worker import, checked already with :func:`entry_problems`):
    new entries in one bulk insert with their audit entries, changed ones one by one. Returns how many entries
    were written."""
    from portal import cache_version
    from portal.audit import audit_bulk_created
    from portal.bulk import insert_objects

    pairs = [(worker, entry) for worker, items in entries for entry in items]
    if not pairs:
        return 0
    existing = {(e.worker_id, e.item_id): e for e in ChecklistEntry.objects.select_for_update().filter(
        worker__in={worker.pk for worker, _entry in pairs})}
    new, written = [], 0
    for worker, entry in pairs:
        current = existing.get((worker.pk, entry.item.pk))
        if current is None:
            if entry.status == ChecklistStatus.PENDING and not (entry.date or entry.document_no.strip()):
                continue
            new.append(ChecklistEntry(worker=worker, item=entry.item, status=entry.status, date=entry.date,
                                      document_no=entry.document_no.strip(), result=entry.result.strip(),
                                      note=entry.note.strip(), updated_by=_by(user)))
            continue
        # A sheet says what it knows: its empty cells keep what is recorded.
        entry = EntryInput(item=entry.item, status=entry.status, date=entry.date or current.date,
                           document_no=entry.document_no.strip() or current.document_no,
                           result=entry.result.strip() or current.result, note=entry.note.strip() or current.note)
        if _differs(current, entry):
            _write(user=user, worker=worker, entry=entry, existing=current)
            written += 1
    insert_objects(ChecklistEntry, new)
    audit_bulk_created(user, new)
    cache_version.bump({worker.unit_id for worker, _entry in pairs})  # bulk writes send no signal
    return written + len(new)
