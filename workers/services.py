"""Writes on the worker registry. Every service validates, writes inside one
transaction, leaves a ``StatusChange`` row when the status moves, and returns
the object. Errors are ``ValidationError`` keyed by field where one is to blame.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import cache_version
from portal.audit import audit_bulk_created
from portal.bulk import insert_objects, insert_rows, new_objects
from portal.formats import format_date
from portal.models import Level, Unit
from portal.scoping import unit_in_scope
from portal.tree import province_path
from workers import overstay
from workers.contracts import contract_end_from
from workers.models import (
    Absconding,
    AbscondingClosure,
    AbscondingSource,
    AccessKind,
    AccessLog,
    AftercareSettings,
    ContractExtension,
    Country,
    Departure,
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    Ethnicity,
    FollowUp,
    FollowUpMilestone,
    HouseholdStatus,
    OverstayRule,
    Programme,
    Return,
    ReturnOutcome,
    Status,
    StatusChange,
    Work,
    Worker,
)
from workers.pipeline import ABROAD, BEFORE_DEPARTURE, MAY_DEPART, transition_problem
from workers.reference import ETHNIC_MINORITY_CODE, POOR_CODES
from workers.validators import citizen_id_problems, normalise_citizen_id, normalise_name

HOME_LEVELS = (Level.DISTRICT, Level.COMMUNE, Level.HAMLET)


class LikelyDuplicate(ValidationError):
    """Another worker has the same name, date of birth and home unit but another CCCD."""

    def __init__(self, duplicates: list[Worker]):
        self.duplicates = duplicates
        names = ", ".join(f"{w.full_name} ({w.unit.name})" for w in duplicates[:3])
        super().__init__(
            _("Likely duplicate: %(names)s has the same name, date of birth and home unit with another citizen ID. "
              "Check, then confirm to save anyway.") % {"names": names},
            code="duplicate",
        )


class StaleVersion(ValidationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this worker after you opened the form. Reload the page to see their changes, "
              "then make yours again."),
            code="stale",
        )


def today() -> dt.date:
    return timezone.localdate()


def event_time(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the portal's time zone: when an event brought in from history is stamped."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def likely_duplicates(*, full_name: str, date_of_birth: dt.date, unit: Unit, citizen_id: str,
                      exclude_pk: int | None = None) -> list[Worker]:
    queryset = (Worker.objects.filter(name_key=normalise_name(full_name), date_of_birth=date_of_birth, unit=unit)
                .exclude(citizen_id=citizen_id).select_related("unit"))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset[:5])


def _check_identity(*, user, citizen_id: str | None, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit,
                    legacy_id_number: str = "", inherited: bool = False, on: dt.date | None = None) -> None:
    """``legacy_id_number``: a record of history known by its old CMND alone (no CCCD to check); ``inherited``:
    the unit may be a legacy unit the user's 2025 unit inherited (history of the units it took over); ``on``: today,
    read once by a caller that checks many."""
    errors: dict[str, list[str]] = {}
    if citizen_id or not legacy_id_number:
        problems = citizen_id_problems(citizen_id or "", date_of_birth=date_of_birth, sex=sex)
        if problems:
            errors["citizen_id"] = problems
    if not full_name.strip():
        errors["full_name"] = [_("Enter the full name.")]
    if date_of_birth > (on or today()):
        errors["date_of_birth"] = [_("The date of birth is in the future.")]
    if unit.level not in HOME_LEVELS:
        errors["unit"] = [_("Choose the home commune, or the district when the commune is unknown.")]
    elif not unit_in_scope(user, unit, inherited=inherited):
        errors["unit"] = [_("The unit is outside your scope.")]
    if errors:
        raise ValidationError(errors)


def _status_change(*, worker: Worker, user, from_status: str, to_status: str, note: str = "",
                   at: dt.datetime | None = None) -> StatusChange:
    """``at``: when the change happened (default now; history passes the event's date, :func:`event_time`)."""
    return StatusChange.objects.create(
        worker=worker, from_status=from_status, to_status=to_status, by=user if user and user.is_authenticated else None,
        note=note[:500], at=at or timezone.now(),
    )


def worker_register(
    *, user, citizen_id: str, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit,
    ethnicity: Ethnicity | None = None, phone: str = "", household_statuses: Iterable[HouseholdStatus] = (),
    education: str = "", languages: str = "", skills: str = "", wished_country: Country | None = None,
    status: str = Status.REGISTERED, note: str = "", confirm_duplicate: bool = False, at: dt.datetime | None = None,
) -> Worker:
    citizen_id = normalise_citizen_id(citizen_id)
    full_name = " ".join(full_name.split())
    _check_identity(user=user, citizen_id=citizen_id, full_name=full_name, date_of_birth=date_of_birth, sex=sex, unit=unit)
    if status not in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
        raise ValidationError({"status": _("A new worker starts before departure; record the departure afterwards.")})
    if Worker.objects.filter(citizen_id=citizen_id).exists():
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")})
    if not confirm_duplicate:
        duplicates = likely_duplicates(full_name=full_name, date_of_birth=date_of_birth, unit=unit, citizen_id=citizen_id)
        if duplicates:
            raise LikelyDuplicate(duplicates)
    try:
        with transaction.atomic():
            worker = Worker.objects.create(
                citizen_id=citizen_id, full_name=full_name, name_key=normalise_name(full_name),
                date_of_birth=date_of_birth, sex=sex, unit=unit, ethnicity=ethnicity, phone=phone.strip(),
                education=education, languages=languages, skills=skills, wished_country=wished_country, status=status,
            )
            worker.household_statuses.set(household_statuses)
            _status_change(worker=worker, user=user, from_status="", to_status=status, note=note, at=at)
    except IntegrityError:  # a concurrent registration of the same CCCD
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")}) from None
    return worker


UPDATABLE = ("citizen_id", "full_name", "date_of_birth", "sex", "unit", "ethnicity", "phone", "education",
             "languages", "skills", "wished_country")


def worker_update(*, user, worker: Worker, version: int, confirm_duplicate: bool = False,
                  household_statuses: Iterable[HouseholdStatus] | None = None, **fields) -> Worker:
    """Change a worker's data; refused when the record changed since ``version`` was read."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"worker_update() cannot change {', '.join(sorted(unknown))}")
    values = {name: getattr(worker, name) for name in UPDATABLE} | fields
    values["citizen_id"] = normalise_citizen_id(values["citizen_id"]) or None  # None: a historic record's CMND alone
    values["full_name"] = " ".join(values["full_name"].split())
    _check_identity(user=user, citizen_id=values["citizen_id"], full_name=values["full_name"],
                    date_of_birth=values["date_of_birth"], sex=values["sex"], unit=values["unit"],
                    legacy_id_number=worker.legacy_id_number)
    if values["citizen_id"] and Worker.objects.filter(citizen_id=values["citizen_id"]).exclude(pk=worker.pk).exists():
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")})
    identity_changed = any(values[k] != getattr(worker, k) for k in ("full_name", "date_of_birth", "unit"))
    if identity_changed and not confirm_duplicate:
        duplicates = likely_duplicates(full_name=values["full_name"], date_of_birth=values["date_of_birth"],
                                       unit=values["unit"], citizen_id=values["citizen_id"], exclude_pk=worker.pk)
        if duplicates:
            raise LikelyDuplicate(duplicates)
    with transaction.atomic():
        # The optimistic lock: claim the version we read; 0 rows means someone saved in between.
        claimed = Worker.objects.filter(pk=worker.pk, version=version).update(version=F("version") + 1)
        if not claimed:
            raise StaleVersion()
        for name, value in values.items():
            setattr(worker, name, value)
        worker.name_key = normalise_name(worker.full_name)
        worker.version = version + 1
        worker.save(update_fields=[*UPDATABLE, "name_key", "version", "updated_at"])  # never a stale status
        if household_statuses is not None:
            worker.household_statuses.set(household_statuses)
    return worker


def worker_change_status(*, user, worker: Worker, to_status: str, note: str = "",
                         at: dt.datetime | None = None) -> StatusChange:
    """A bare status change (``at``: when it is stamped, default now). Marking a worker absconded records the
    absconding as learned today (source "other"): the absconding form on the worker's page records the day
    learned, the place and the source."""
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        problem = transition_problem(current, to_status)
        if problem:
            raise ValidationError({"to_status": problem})
        if to_status == Status.ABSCONDED:
            departure = worker.departures.order_by("-date", "-pk").first()
            if departure is not None and not departure.abscondings.filter(closed_on__isnull=True).exists():
                Absconding.objects.create(departure=departure, learned_on=max(today(), departure.date),
                                          source=AbscondingSource.OTHER, note=note[:500],
                                          created_by=user if user and user.is_authenticated else None)
        worker.status = to_status
        worker.save(update_fields=["status", "updated_at"])
        return _status_change(worker=worker, user=user, from_status=current, to_status=to_status, note=note, at=at)


def enterprise_warning(enterprise: Enterprise | None) -> str:
    if enterprise is None or enterprise.status == EnterpriseStatus.ACTIVE:
        return ""
    return _("Recorded while the enterprise %(name)s (licence %(licence)s) was %(status)s.") % {
        "name": enterprise.name, "licence": enterprise.licence_no, "status": enterprise.get_status_display().lower()}


def _departure_errors(*, date_of_birth: dt.date, date: dt.date, country: Country, programme: Programme | None,
                      contract_months: int | None = None,
                      orientation_cert_date: dt.date | None = None, on: dt.date | None = None,
                      **contract) -> dict[str, str]:
    errors: dict[str, str] = {}
    if date > (on or today()):
        errors["date"] = _("The departure date is in the future: record a departure once it has happened.")
    elif date <= date_of_birth:
        errors["date"] = _("The departure date is before the date of birth.")
    if programme is not None and programme.country_id != country.pk:
        errors["programme"] = _("This programme is for %(country)s.") % {"country": programme.country}
    if contract_months is not None and contract_months <= 0:
        errors["contract_months"] = _("The contract length must be at least 1 month.")
    if orientation_cert_date and orientation_cert_date > date:
        errors["orientation_cert_date"] = _("The orientation certificate is dated after the departure.")
    errors.update(contract_errors(date=date, **contract))
    return errors


def contract_errors(*, date: dt.date, contract_end: dt.date | None = None, monthly_wage=None,
                    wage_currency: str = "", **_other) -> dict[str, str]:
    """What is wrong with a departure's contract terms (none: an empty dict)."""
    errors: dict[str, str] = {}
    if contract_end is not None and contract_end <= date:
        errors["contract_end"] = _("The contract ends on %(end)s, not after the departure on %(date)s.") % {
            "end": contract_end.strftime("%d/%m/%Y"), "date": date.strftime("%d/%m/%Y")}
    if monthly_wage is not None and monthly_wage < 0:
        errors["monthly_wage"] = _("The wage cannot be negative.")
    elif monthly_wage is not None and not wage_currency:
        errors["wage_currency"] = _("Choose the currency of the wage.")
    return errors


def departure_warnings(*, enterprise: Enterprise | None, programme: Programme | None, unit: Unit,
                       on: dt.date) -> str:
    """The warnings a departure through ``enterprise`` carries: its licence is not active, or its absconding rate
    in the programme is above the province's threshold (``workers.overstay.absconding_warning``)."""
    if enterprise is None:
        return ""
    settings = overstay.settings_for(unit)
    rates = overstay.enterprise_absconding_rates(
        province_paths=overstay.province_paths(unit), since=overstay.lookback_start(settings, on),
        pairs={(enterprise.pk, programme.pk if programme else None)}, grace_days=settings.grace_days, today=on)
    found = next(iter(rates.values()))
    parts = [enterprise_warning(enterprise), overstay.absconding_warning(enterprise, programme, settings=settings,
                                                                        outcomes=found)]
    return " ".join(part for part in parts if part)[:500]


def _snapshot_flags(codes: set[str], ethnicity: Ethnicity | None) -> tuple[bool, bool]:
    """(poor or near-poor, ethnic minority) of a worker with these household codes, as a departure copies them."""
    minority = ETHNIC_MINORITY_CODE in codes or bool(ethnicity is not None and not ethnicity.is_majority)
    return bool(codes & set(POOR_CODES)), minority


def departure_record(
    *, user, worker: Worker, date: dt.date, country: Country, programme: Programme | None = None,
    enterprise: Enterprise | None = None, occupation: str = "", contract_months: int | None = None,
    orientation_cert_no: str = "", orientation_cert_date: dt.date | None = None, note: str = "",
    contract_end: dt.date | None = None, employer_name: str = "", employer_country: Country | None = None,
    employer_sector: str = "", monthly_wage=None, wage_currency: str = "", at: dt.datetime | None = None,
) -> Departure:
    """Record a departure and its contract: the end signed (``contract_end``), else the departure date +
    ``contract_months``; the employer; the monthly wage and its currency. ``at``: when the status change to
    "departed" is stamped (default now; history: the departure date)."""
    errors = _departure_errors(date_of_birth=worker.date_of_birth, date=date, country=country, programme=programme,
                               contract_months=contract_months, orientation_cert_date=orientation_cert_date,
                               contract_end=contract_end, monthly_wage=monthly_wage, wage_currency=wage_currency)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        if current not in MAY_DEPART:
            if current in ABROAD:
                raise ValidationError(_("The worker is already abroad: record the return first."))
            raise ValidationError(_("A withdrawn worker cannot depart: reopen the file first."))
        previous = worker.departures.order_by("-date").first()
        if previous is not None and previous.date >= date:
            raise ValidationError({"date": _("The worker already has a departure on %(date)s or later.")
                                   % {"date": previous.date.strftime("%d/%m/%Y")}})
        codes = set(worker.household_statuses.values_list("code", flat=True))
        poor, minority = _snapshot_flags(codes, worker.ethnicity if worker.ethnicity_id else None)
        departure = Departure.objects.create(
            worker=worker, date=date, country=country, programme=programme, enterprise=enterprise,
            occupation=occupation.strip(), contract_months=contract_months,
            contract_end=contract_end_from(date, contract_months=contract_months, contract_end=contract_end),
            employer_name=" ".join(employer_name.split()), employer_country=employer_country,
            employer_sector=employer_sector, monthly_wage=monthly_wage,
            wage_currency=wage_currency if monthly_wage is not None else "",
            orientation_cert_no=orientation_cert_no.strip(), orientation_cert_date=orientation_cert_date,
            warning=departure_warnings(enterprise=enterprise, programme=programme, unit=worker.unit, on=date),
            unit_id=worker.unit_id, sex=worker.sex, is_poor_or_near_poor=poor, is_ethnic_minority=minority,
            has_orientation_cert=bool(orientation_cert_no.strip()),
            created_by=user if user and user.is_authenticated else None,
        )
        worker.status = Status.DEPARTED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.DEPARTED,
                       note=note or _("Departure to %(country)s") % {"country": country.name_vi}, at=at)
    return departure


def return_outcome(*, date: dt.date, contract_end: dt.date | None, early: bool, absconded: bool,
                   grace_days: int) -> tuple[str, int | None]:
    """(outcome, days after the contract's end) of a return on ``date``: after overstaying when the worker had
    absconded or came back later than the grace period after the contract's end, else early or on time."""
    days = (date - contract_end).days if contract_end is not None else None
    if absconded or (days is not None and days > grace_days):
        return ReturnOutcome.AFTER_OVERSTAY, days
    return (ReturnOutcome.EARLY if early else ReturnOutcome.ON_TIME), days


def return_record(*, user, departure: Departure, date: dt.date, early: bool | None = None, reason: str = "",
                  follow_up: str = "", note: str = "", at: dt.datetime | None = None) -> Return:
    """Record the return of the worker's latest departure. ``early=None``: before the contract's end. The
    outcome (on time, early, after overstaying) follows from the contract's end, the province's grace period
    and an absconding still open, which the return closes. ``at``: when the status change is stamped (default
    now; history: the return date)."""
    worker = departure.worker
    if date > today():
        raise ValidationError({"date": _("The return date is in the future.")})
    if date < departure.date:
        raise ValidationError({"date": _("The return date is before the departure date.")})
    if early is None:
        early = bool(departure.contract_end and date < departure.contract_end)
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        if current not in ABROAD:
            raise ValidationError(_("A worker who has not departed cannot return."))
        if Return.objects.filter(departure=departure).exists():
            raise ValidationError(_("The return of this departure is already recorded."))
        latest = worker.departures.order_by("-date", "-pk").first()
        if latest is None or latest.pk != departure.pk:
            raise ValidationError(_("Only the latest departure can be closed by a return."))
        open_events = list(departure.abscondings.filter(closed_on__isnull=True))
        outcome, days = return_outcome(date=date, contract_end=departure.contract_end, early=early,
                                       absconded=bool(open_events),
                                       grace_days=overstay.settings_for(departure.unit).grace_days)
        record = Return.objects.create(
            departure=departure, date=date, early=early, reason=reason.strip(),
            follow_up=follow_up.strip(), outcome=outcome, days_past_contract=days,
            created_by=user if user and user.is_authenticated else None,
        )
        for event in open_events:  # coming home closes the absconding (not before it was learned)
            event.closed_on, event.closed_how = max(date, event.learned_on), AbscondingClosure.RETURNED
            event.save(update_fields=["closed_on", "closed_how"])
        worker.status = Status.RETURNED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.RETURNED,
                       note=note or _RETURN_NOTES[outcome](), at=at)
    return record


_RETURN_NOTES = {
    ReturnOutcome.ON_TIME: lambda: _("Returned at the end of the contract"),
    ReturnOutcome.EARLY: lambda: _("Returned early"),
    ReturnOutcome.AFTER_OVERSTAY: lambda: _("Returned after overstaying"),
}


# --- Bulk registration (the worker import) -------------------------------------------------------------------------
#
# The same rules and rows as worker_register → departure_record → return_record → worker_change_status applied
# one worker at a time, written in bulk (COPY on PostgreSQL, bulk_create/executemany elsewhere): a fixed number
# of queries for any number of workers. Bulk writes send no signals, so this code writes what the receivers
# would have: the audit entries (auditlog), the cache version (portal.cache_version), and it sends a
# ``workers_registered`` signal for the rest.

workers_registered = Signal()
"""Sent once by :func:`workers_register_bulk` with ``workers`` (the new, saved ``Worker`` objects). Bulk writes
send no ``post_save``: a receiver of Worker's ``post_save`` that must see new workers listens to this as well
(outreach's lead linking). While nobody listens, each new worker gets a ``post_save`` of its own instead (slow:
the receivers' queries per worker, but nothing is missed)."""


@dataclass(frozen=True)
class NewDeparture:
    date: dt.date
    country: Country
    programme: Programme | None = None
    enterprise: Enterprise | None = None
    return_date: dt.date | None = None  # the return of this departure, when it is known already
    contract_end: dt.date | None = None
    contract_months: int | None = None
    orientation_cert_no: str = ""
    orientation_cert_date: dt.date | None = None


@dataclass(frozen=True)
class NewWorker:
    """A worker to register and what happened since, in the order the per-row services apply it: registered
    with ``status``, then the departure (and its return), then each of ``later_statuses``."""

    citizen_id: str
    full_name: str
    date_of_birth: dt.date
    sex: str
    unit: Unit
    ethnicity: Ethnicity | None = None
    household_statuses: tuple[HouseholdStatus, ...] = ()
    status: str = Status.REGISTERED
    departure: NewDeparture | None = None
    later_statuses: tuple[str, ...] = ()
    legacy_id_number: str = ""  # a record of history with its old CMND (``citizen_id`` then empty)
    registered_on: dt.date | None = None  # with ``dated_by_events``: when the worker registered


class BulkRejected(ValidationError):
    """Some workers given to a bulk service cannot be saved; ``problems``: their position → the reasons."""

    def __init__(self, problems: dict[int, list[str]]):
        self.problems = problems
        super().__init__([message for position in sorted(problems) for message in problems[position]])


def _new_worker_problems(*, user, item: NewWorker, citizen_id: str, full_name: str,
                         inherited: bool = False, on: dt.date) -> list[str]:
    """What the per-row services would refuse on the day ``on``, checked in memory (no query)."""
    problems: list[str] = []
    try:
        _check_identity(user=user, citizen_id=citizen_id, full_name=full_name, date_of_birth=item.date_of_birth,
                        sex=item.sex, unit=item.unit, legacy_id_number=item.legacy_id_number, inherited=inherited,
                        on=on)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if item.status not in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
        problems.append(_("A new worker starts before departure; record the departure afterwards."))
    status = item.status
    departure = item.departure
    if departure is not None:
        problems.extend(_departure_errors(date_of_birth=item.date_of_birth, date=departure.date,
                                          country=departure.country, programme=departure.programme,
                                          contract_months=departure.contract_months,
                                          contract_end=departure.contract_end, on=on).values())
        if status not in MAY_DEPART:
            problems.append(_("A withdrawn worker cannot depart: reopen the file first."))
        status = Status.DEPARTED
        if departure.return_date is not None:
            if departure.return_date > on:
                problems.append(_("The return date is in the future."))
            elif departure.return_date < departure.date:
                problems.append(_("The return date is before the departure date."))
            status = Status.RETURNED
    for wanted in item.later_statuses:
        problem = transition_problem(status, wanted)
        if problem:
            problems.append(problem)
            break
        status = wanted
    return problems


def _status_after_departure(item: NewWorker) -> str:
    if item.departure is None:
        return item.status
    return Status.RETURNED if item.departure.return_date is not None else Status.DEPARTED


def _final_status(item: NewWorker) -> str:
    return item.later_statuses[-1] if item.later_statuses else _status_after_departure(item)


def workers_register_bulk(*, user, workers: Sequence[NewWorker], note: str = "", dated_by_events: bool = False,
                          inherited_units: bool = False, warnings: DepartureWarnings | None = None) -> list[Worker]:
    """Register new workers with their household statuses, departures, returns and status changes, all or none.

    The rows are those of the per-row services (status timeline in the same order, departure snapshot, return,
    audit entries naming the user), in a fixed number of queries. Raises ``BulkRejected`` (by position) when
    any worker breaks a rule, or when its citizen ID is registered already. Likely duplicates are the caller's
    business (the import checks them for the whole sheet).

    History (``dated_by_events``): each status change is stamped with the date of its event (registration on
    ``registered_on``, else the departure date; the departure and the return on theirs) instead of the time of
    entry; ``inherited_units``: a 2025 user's history may name the legacy units their unit inherited.
    ``warnings``: the departures' warnings kept across the calls of an import that registers in batches.
    """
    items = list(workers)
    problems: dict[int, list[str]] = {}
    values: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    on = today()
    for position, item in enumerate(items):
        citizen_id = normalise_citizen_id(item.citizen_id)
        full_name = " ".join(item.full_name.split())
        found = _new_worker_problems(user=user, item=item, citizen_id=citizen_id, full_name=full_name,
                                     inherited=inherited_units, on=on)
        key = ("cccd", citizen_id) if citizen_id or not item.legacy_id_number else ("cmnd", item.legacy_id_number)
        if key in seen:
            found.append(_("A worker with this citizen ID is already registered."))
        seen.add(key)
        if found:
            problems[position] = found
        values.append({"citizen_id": citizen_id or None, "legacy_id_number": item.legacy_id_number,
                       "full_name": full_name, "name_key": normalise_name(full_name),
                       "date_of_birth": item.date_of_birth, "sex": item.sex, "unit": item.unit,
                       "ethnicity": item.ethnicity, "status": _final_status(item)})
    if problems:
        raise BulkRejected(problems)
    rows: list[Worker] = new_objects(Worker, values)  # as Worker(**values) makes them
    if not rows:
        return []
    by_id = user.pk if user and user.is_authenticated else None
    with transaction.atomic():
        _insert_workers(rows)
        insert_rows(Worker.household_statuses.through, ["worker_id", "householdstatus_id"], [
            (worker.pk, status.pk) for worker, item in zip(rows, items, strict=True) for status in item.household_statuses])
        timeline = _Timeline(by_id=by_id, dated=dated_by_events)
        timeline.step((worker, "", item.status, note, _registered_on(item) if dated_by_events else None)
                      for worker, item in zip(rows, items, strict=True))
        departures, returns = _insert_departures(rows, items, timeline=timeline, by_id=by_id, note=note,
                                                 warnings=warnings)
        for step in range(max((len(item.later_statuses) for item in items), default=0)):
            timeline.step((worker, item.later_statuses[step - 1] if step else _status_after_departure(item),
                           item.later_statuses[step], note, _last_event_on(item) if dated_by_events else None)
                          for worker, item in zip(rows, items, strict=True) if len(item.later_statuses) > step)
        # Marked absconded (worker_change_status): the absconding, learned today.
        absconded = {d.worker.pk: d for d in departures}
        insert_objects(Absconding, [
            Absconding(departure=absconded[worker.pk], learned_on=max(today(), absconded[worker.pk].date),
                       source=AbscondingSource.OTHER, note=note[:500], created_by_id=by_id)
            for worker, item in zip(rows, items, strict=True)
            if Status.ABSCONDED in item.later_statuses and worker.pk in absconded])
        announced = workers_registered.has_listeners(Worker)
        households = [(worker, item.household_statuses) for worker, item in zip(rows, items, strict=True) if item.household_statuses]
        audit_bulk_created(user, [*(rows if announced else ()), *departures, *returns],
                            m2m={"household_statuses": households})
        cache_version.bump({item.unit.pk: item.unit for item in items}.values())  # the imported workers' provinces
        if announced:
            workers_registered.send(sender=Worker, workers=rows)
        else:  # nobody listens to the bulk signal: each worker's post_save (auditlog logs the creation then)
            using = router.db_for_write(Worker)
            for worker in rows:
                post_save.send(sender=Worker, instance=worker, created=True, update_fields=None, raw=False,
                               using=using)
    return rows


def _registered_on(item: NewWorker) -> dt.date:
    return item.registered_on or (item.departure.date if item.departure else today())


def _last_event_on(item: NewWorker) -> dt.date:
    if item.departure is None:
        return _registered_on(item)
    return item.departure.return_date or item.departure.date


class _Timeline:
    """Writes the status changes one step at a time (registration, departure, return, later changes): every step
    of a worker gets a later ``at`` than the step before, as the per-row services' clock gives them; ``dated``
    (history): each change is stamped with the start of its event's day instead (steps of one day keep their
    order by id)."""

    def __init__(self, *, by_id: int | None, dated: bool = False):
        self.by_id = by_id
        self.dated = dated
        self.at: dt.datetime | None = None

    def step(self, changes: Iterable[tuple[Worker, str, str, str, dt.date | None]]) -> None:
        now = timezone.now()
        self.at = now if self.at is None or now > self.at else self.at + dt.timedelta(microseconds=1)
        # The worker's unit given here, so the database need not look each one up (workers.intervals).
        if self.dated:
            insert_rows(StatusChange, ["worker_id", "from_status", "to_status", "at", "note", "unit_id"], [
                (worker.pk, from_status, to_status, event_time(day), note[:500], worker.unit_id)
                for worker, from_status, to_status, note, day in changes], constants={"by_id": self.by_id})
        else:
            insert_rows(StatusChange, ["worker_id", "from_status", "to_status", "note", "unit_id"], [
                (worker.pk, from_status, to_status, note[:500], worker.unit_id)
                for worker, from_status, to_status, note, _day in changes],
                constants={"at": self.at, "by_id": self.by_id})


def _insert_workers(rows: list[Worker]) -> None:
    try:
        with transaction.atomic():  # a savepoint: on a clash the transaction stays usable to say which ones
            insert_objects(Worker, rows)
    except IntegrityError:  # a concurrent registration of the same CCCD (or CMND)
        taken = set(Worker.objects.filter(citizen_id__in=[w.citizen_id for w in rows if w.citizen_id])
                    .values_list("citizen_id", flat=True))
        taken_legacy = set(Worker.objects.filter(legacy_id_number__in=[w.legacy_id_number for w in rows
                                                                       if w.legacy_id_number])
                           .values_list("legacy_id_number", flat=True))
        if not taken and not taken_legacy:
            raise
        raise BulkRejected({position: [_("A worker with this citizen ID is already registered.")]
                            for position, worker in enumerate(rows)
                            if worker.citizen_id in taken or worker.legacy_id_number in taken_legacy}) from None


def _insert_departures(rows: list[Worker], items: list[NewWorker], *, timeline: _Timeline, by_id: int | None,
                       note: str, warnings: DepartureWarnings | None) -> tuple[list[Departure], list[Return]]:
    departing = [(worker, item) for worker, item in zip(rows, items, strict=True) if item.departure is not None]
    if not departing:
        return [], []
    warnings = warnings or DepartureWarnings(up_to_now=False)
    settings = warnings.settings
    found = warnings.of([(worker.unit, item.departure) for worker, item in departing])
    values: list[dict[str, Any]] = []
    for worker, item in departing:
        new = item.departure
        poor, minority = _snapshot_flags({status.code for status in item.household_statuses}, item.ethnicity)
        values.append(dict(
            worker=worker, date=new.date, country=new.country, programme=new.programme, enterprise=new.enterprise,
            contract_months=new.contract_months,
            contract_end=contract_end_from(new.date, contract_months=new.contract_months, contract_end=new.contract_end),
            warning=found.get((province_path(worker.unit.path), new.enterprise.pk if new.enterprise else None,
                                  new.programme.pk if new.programme else None), ""),
            unit_id=worker.unit_id, sex=worker.sex, is_poor_or_near_poor=poor,
            is_ethnic_minority=minority, orientation_cert_no=new.orientation_cert_no.strip(),
            orientation_cert_date=new.orientation_cert_date,
            has_orientation_cert=bool(new.orientation_cert_no.strip()), created_by_id=by_id))
    departures: list[Departure] = new_objects(Departure, values)  # as Departure(**values) makes them
    insert_objects(Departure, departures)
    timeline.step((d.worker, item.status, Status.DEPARTED, note or _("Departure to %(country)s") % {
        "country": item.departure.country.name_vi}, d.date) for d, (_w, item) in zip(departures, departing, strict=True))
    returns: list[Return] = []
    for departure, (worker, item) in zip(departures, departing, strict=True):
        back = item.departure.return_date
        if back is not None:
            early = bool(departure.contract_end and back < departure.contract_end)
            outcome, days = return_outcome(date=back, contract_end=departure.contract_end, early=early,
                                           absconded=False, grace_days=settings.of(worker.unit).grace_days)
            returns.append(Return(departure=departure, date=back, created_by_id=by_id, early=early, outcome=outcome,
                                  days_past_contract=days))
    insert_objects(Return, returns)
    timeline.step((r.departure.worker, Status.DEPARTED, Status.RETURNED, note or _RETURN_NOTES[r.outcome](), r.date)
                  for r in returns)
    return departures, returns


class DepartureWarnings:
    """The warnings of new departures (``departure_warnings``) by (province, enterprise, programme), each computed
    once: the absconding rates of every enterprise met, one query per province (an import is one province's).

    Made before an import that registers its workers in batches, it counts only the departures recorded before
    it (``up_to_now``): every batch gets the warnings the whole sheet would have had in one call, the departures
    of its earlier batches left out."""

    def __init__(self, *, up_to_now: bool = True):
        self.recorded_before = timezone.now() if up_to_now else None
        self.known: dict[tuple[str, int | None, int | None], str] = {}

    @functools.cached_property
    def settings(self) -> overstay.SettingsByProvince:
        return overstay.SettingsByProvince()  # read when a departure needs them

    def of(self, departures: list[tuple[Unit, NewDeparture]]) -> dict[tuple[str, int | None, int | None], str]:
        by_province: dict[str, tuple[Unit, set]] = {}
        for unit, new in departures:
            if new.enterprise is not None:
                path = province_path(unit.path)
                if (path, new.enterprise.pk, new.programme.pk if new.programme else None) not in self.known:
                    by_province.setdefault(path, (unit, set()))[1].add((new.enterprise, new.programme))
        on = today()
        for path, (unit, pairs) in by_province.items():
            own = self.settings.of(unit)
            rates = overstay.enterprise_absconding_rates(
                province_paths=overstay.province_paths(unit), since=overstay.lookback_start(own, on),
                pairs={(enterprise.pk, programme.pk if programme else None) for enterprise, programme in pairs},
                grace_days=own.grace_days, today=on, recorded_before=self.recorded_before)
            for enterprise, programme in pairs:
                key = (enterprise.pk, programme.pk if programme else None)
                parts = [enterprise_warning(enterprise),
                         overstay.absconding_warning(enterprise, programme, settings=own, outcomes=rates[key])]
                self.known[(path, *key)] = " ".join(part for part in parts if part)[:500]
        return self.known


def enterprise_save(*, user, enterprise: Enterprise | None = None, name: str, licence_no: str,
                    licence_date: dt.date | None, status: str, status_date: dt.date | None = None,
                    status_decision: str = "") -> Enterprise:
    """Create (``enterprise=None``) or change a sending enterprise. Its status history keeps the date and the decision
    of every change of status (required then; the first row is its status when entered)."""
    licence_no = licence_no.strip()
    status_decision = " ".join((status_decision or "").split())
    clash = Enterprise.objects.filter(licence_no__iexact=licence_no)
    if enterprise is not None:
        clash = clash.exclude(pk=enterprise.pk)
    if clash.exists():
        raise ValidationError({"licence_no": _("Another enterprise has this licence number.")})
    if licence_date and licence_date > today():
        raise ValidationError({"licence_date": _("The licence date is in the future.")})
    changed = enterprise is None or enterprise.status != status
    errors: dict[str, list[str]] = {}
    if status_date and status_date > today():
        errors["status_date"] = [_("The date of the change is in the future.")]
    if enterprise is not None and changed:
        if status_date is None:
            errors["status_date"] = [_("Enter the date of the change of status.")]
        if not status_decision:
            errors["status_decision"] = [_("Enter the decision that changed the status.")]
        last = enterprise.status_changes.order_by("-date", "-pk").first()
        if status_date and last and status_date < last.date:
            errors.setdefault("status_date", []).append(_("The last change was on %(date)s: a new one cannot be "
                                                          "earlier.") % {"date": format_date(last.date)})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        previous = "" if enterprise is None else enterprise.status
        enterprise = enterprise or Enterprise()
        enterprise.name, enterprise.licence_no = " ".join(name.split()), licence_no
        enterprise.licence_date, enterprise.status = licence_date, status
        enterprise.save()
        if changed:
            EnterpriseStatusChange.objects.create(
                enterprise=enterprise, from_status=previous, to_status=status,
                date=status_date or licence_date or today(), decision_no=status_decision,
                created_by=user if getattr(user, "is_authenticated", False) else None)
    return enterprise


def country_save(*, user, country: Country | None = None, code: str, name_vi: str, name_en: str,
                 is_high_income: bool, order: int) -> Country:
    """Create or change a destination country (national reference data; its ISO code is set once)."""
    code = code.strip().upper() if country is None else country.code
    clash = Country.objects.filter(code=code)
    if country is not None:
        clash = clash.exclude(pk=country.pk)
    if clash.exists():
        raise ValidationError({"code": _("Another country has the code %(code)s.") % {"code": code}})
    with transaction.atomic():
        country = country or Country(code=code)
        country.name_vi, country.name_en = " ".join(name_vi.split()), " ".join(name_en.split())
        country.is_high_income, country.order = is_high_income, order
        country.save()
    return country


def programme_save(*, user, programme: Programme | None = None, code: str, name_vi: str, name_en: str,
                   country: Country, order: int) -> Programme:
    """Create or change a programme (its code, which worker sheets name, is set once)."""
    code = code.strip().upper() if programme is None else programme.code
    clash = Programme.objects.filter(code__iexact=code)
    if programme is not None:
        clash = clash.exclude(pk=programme.pk)
    if clash.exists():
        raise ValidationError({"code": _("Another programme has the code %(code)s.") % {"code": code}})
    with transaction.atomic():
        programme = programme or Programme(code=code)
        programme.name_vi, programme.name_en = " ".join(name_vi.split()), " ".join(name_en.split())
        programme.country, programme.order = country, order
        programme.save()
    return programme


def access_log_record(*, user, worker: Worker, kind: str = AccessKind.VIEW) -> AccessLog:
    """A worker's full record seen (its page, or its edit form, which shows the full CCCD and phone)."""
    return AccessLog.objects.create(user=user, worker=worker, unit_id=worker.unit_id, kind=kind)


def access_log_export(*, user, query: str, rows: int, unit=None) -> AccessLog:
    """A list of workers exported with full CCCDs and phones: who, the filter used (the query string) and how
    many rows. ``unit``: the unit the list was about (else the user's own), which scopes the entry."""
    from portal.scoping import user_unit

    return AccessLog.objects.create(user=user, unit=unit or user_unit(user), kind=AccessKind.EXPORT,
                                    query=str(query or "")[:500], rows=rows)


# --- After departure: the contract, absconding, the returnee's follow-ups, the rule and the province's settings ----


def _latest_departure_problem(departure: Departure) -> str | None:
    latest = Departure.objects.filter(worker_id=departure.worker_id).order_by("-date", "-pk").values_list(
        "pk", flat=True).first()
    return None if latest == departure.pk else _("Only the latest departure of a worker can change.")


def contract_update(*, user, departure: Departure, contract_end: dt.date | None = None,
                    contract_months: int | None = None, employer_name: str = "", employer_country: Country | None = None,
                    employer_sector: str = "", monthly_wage=None, wage_currency: str = "") -> Departure:
    """Correct or complete the contract of a recorded departure. The end cannot move here once the contract was
    extended (an extension moves it); a return already recorded takes the new end into its outcome."""
    errors = contract_errors(date=departure.date, contract_end=contract_end, monthly_wage=monthly_wage,
                             wage_currency=wage_currency)
    if contract_months is not None and contract_months <= 0:
        errors["contract_months"] = _("The contract length must be at least 1 month.")
    if errors:
        raise ValidationError(errors)
    end = contract_end_from(departure.date, contract_months=contract_months, contract_end=contract_end)
    with transaction.atomic():
        departure = Departure.objects.select_for_update().select_related("unit").get(pk=departure.pk)
        if departure.extensions.exists() and end != departure.contract_end:
            raise ValidationError({"contract_end": _(
                "The contract was extended to %(end)s: record another extension to move its end.") % {
                "end": departure.contract_end.strftime("%d/%m/%Y")}})
        departure.contract_end, departure.contract_months = end, contract_months
        departure.employer_name = " ".join(employer_name.split())
        departure.employer_country, departure.employer_sector = employer_country, employer_sector
        departure.monthly_wage = monthly_wage
        departure.wage_currency = wage_currency if monthly_wage is not None else ""
        departure.save(update_fields=["contract_end", "contract_months", "employer_name", "employer_country",
                                      "employer_sector", "monthly_wage", "wage_currency"])
        _return_outcome_update(departure)
    return departure


def _return_outcome_update(departure: Departure) -> None:
    """After the contract's end changed: the outcome of the departure's return, if there is one."""
    record = Return.objects.filter(departure=departure).first()
    if record is None:
        return
    absconded = departure.abscondings.filter(closed_how=AbscondingClosure.RETURNED).exists()
    outcome, days = return_outcome(date=record.date, contract_end=departure.contract_end, early=record.early,
                                   absconded=absconded, grace_days=overstay.settings_for(departure.unit).grace_days)
    if (outcome, days) != (record.outcome, record.days_past_contract):
        record.outcome, record.days_past_contract = outcome, days
        record.save(update_fields=["outcome", "days_past_contract"])


def contract_extend(*, user, departure: Departure, new_end: dt.date, approved_on: dt.date,
                    note: str = "") -> ContractExtension:
    """Extend the contract of a worker abroad to ``new_end`` (later than the end in force), approved on
    ``approved_on``."""
    errors: dict[str, str] = {}
    if approved_on > today():
        errors["approved_on"] = _("The approval date is in the future.")
    elif approved_on < departure.date:
        errors["approved_on"] = _("The extension was approved before the departure.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        departure = Departure.objects.select_for_update().get(pk=departure.pk)
        if departure.contract_end is None:
            raise ValidationError({"new_end": _("The contract has no end date yet: record it first.")})
        if new_end <= departure.contract_end:
            raise ValidationError({"new_end": _("The new end must be after the end in force, %(end)s.") % {
                "end": departure.contract_end.strftime("%d/%m/%Y")}})
        if Return.objects.filter(departure=departure).exists():
            raise ValidationError(_("The worker has returned: the contract can no longer be extended."))
        problem = _latest_departure_problem(departure)
        if problem:
            raise ValidationError(problem)
        extension = ContractExtension.objects.create(
            departure=departure, previous_end=departure.contract_end, new_end=new_end, approved_on=approved_on,
            note=note.strip()[:500], created_by=user if user and user.is_authenticated else None)
        departure.contract_end = new_end
        departure.save(update_fields=["contract_end"])
    return extension


def absconding_record(*, user, departure: Departure, learned_on: dt.date, source: str, place: str = "",
                      note: str = "") -> Absconding:
    """The worker of ``departure`` absconded, as learned on ``learned_on``. A worker abroad is marked absconded;
    for a worker already home (recorded afterwards) the absconding is closed by the return."""
    errors: dict[str, str] = {}
    if learned_on > today():
        errors["learned_on"] = _("The date is in the future.")
    elif learned_on < departure.date:
        errors["learned_on"] = _("The absconding is dated before the departure on %(date)s.") % {
            "date": departure.date.strftime("%d/%m/%Y")}
    if source not in AbscondingSource.values:
        errors["source"] = _("Choose where the news came from.")
    if errors:
        raise ValidationError(errors)
    worker = departure.worker
    by = user if user and user.is_authenticated else None
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        back = Return.objects.filter(departure=departure).first()
        if back is not None and learned_on > back.date:
            raise ValidationError({"learned_on": _("The absconding is dated after the return on %(date)s.") % {
                "date": back.date.strftime("%d/%m/%Y")}})
        if departure.abscondings.filter(closed_on__isnull=True).exists():
            raise ValidationError(_("An absconding of this departure is open already: close it first."))
        if back is None and (problem := _latest_departure_problem(departure)):
            raise ValidationError(problem)
        event = Absconding.objects.create(
            departure=departure, learned_on=learned_on, place=" ".join(place.split()), source=source,
            note=note.strip()[:500], created_by=by,
            **({"closed_on": back.date, "closed_how": AbscondingClosure.RETURNED} if back else {}))
        if back is not None:
            _return_outcome_update(departure)
        elif current != Status.ABSCONDED:
            worker.status = Status.ABSCONDED
            worker.save(update_fields=["status", "updated_at"])
            _status_change(worker=worker, user=user, from_status=current, to_status=Status.ABSCONDED,
                           note=note or _("Absconded (learned on %(date)s)") % {"date": learned_on.strftime("%d/%m/%Y")})
    return event


def absconding_close(*, user, event: Absconding, closed_on: dt.date, note: str = "") -> Absconding:
    """The absconded worker was found (back with an employer, or in the authorities' hands) on ``closed_on``; a
    worker who came home is closed by recording the return instead."""
    if closed_on > today():
        raise ValidationError({"closed_on": _("The date is in the future.")})
    if closed_on < event.learned_on:
        raise ValidationError({"closed_on": _("The worker was found before the absconding was learned on %(date)s.")
                               % {"date": event.learned_on.strftime("%d/%m/%Y")}})
    worker = event.departure.worker
    with transaction.atomic():
        event = Absconding.objects.select_for_update().get(pk=event.pk)
        if event.closed_on is not None:
            raise ValidationError(_("This absconding is closed already."))
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        event.closed_on, event.closed_how, event.closed_note = closed_on, AbscondingClosure.FOUND, note.strip()[:500]
        event.save(update_fields=["closed_on", "closed_how", "closed_note"])
        if current == Status.ABSCONDED:
            worker.status = Status.DEPARTED
            worker.save(update_fields=["status", "updated_at"])
            _status_change(worker=worker, user=user, from_status=current, to_status=Status.DEPARTED,
                           note=note or _("Found on %(date)s") % {"date": closed_on.strftime("%d/%m/%Y")})
    return event


def follow_up_record(*, user, return_record: Return, milestone: int, done_on: dt.date, work: str,
                     certificate_used: bool | None = None, needs_job_referral: bool = False,
                     needs_loan: bool = False, needs_training: bool = False, note: str = "") -> FollowUp:
    """Record (or correct) the 3-, 6- or 12-month follow-up of a returnee; the return keeps what the latest one
    found, for the returnee list."""
    errors: dict[str, str] = {}
    if milestone not in FollowUpMilestone.values:
        errors["milestone"] = _("Choose the 3-, 6- or 12-month follow-up.")
    if done_on > today():
        errors["done_on"] = _("The date is in the future.")
    elif done_on < return_record.date:
        errors["done_on"] = _("The follow-up is dated before the return on %(date)s.") % {
            "date": return_record.date.strftime("%d/%m/%Y")}
    if work not in Work.values:
        errors["work"] = _("Choose what the returnee does now.")
    if errors:
        raise ValidationError(errors)
    values = {"done_on": done_on, "work": work, "certificate_used": certificate_used,
              "needs_job_referral": needs_job_referral, "needs_loan": needs_loan, "needs_training": needs_training,
              "note": note.strip()[:500], "by": user if user and user.is_authenticated else None}
    with transaction.atomic():
        record = Return.objects.select_for_update().get(pk=return_record.pk)
        follow_up = FollowUp.objects.filter(return_record=record, milestone=milestone).first()
        if follow_up is None:
            follow_up = FollowUp.objects.create(return_record=record, milestone=milestone, **values)
        else:
            for name, value in values.items():
                setattr(follow_up, name, value)
            follow_up.save()
        latest = record.follow_ups.order_by("-done_on", "-milestone").first()
        record.work, record.last_follow_up_on = latest.work, latest.done_on
        record.needs_job_referral, record.needs_loan = latest.needs_job_referral, latest.needs_loan
        record.needs_training = latest.needs_training
        record.save(update_fields=["work", "last_follow_up_on", "needs_job_referral", "needs_loan", "needs_training"])
    return follow_up


def overstay_rule_save(*, user, rule: OverstayRule | None = None, programme: Programme, year: int, min_stayers: int,
                       min_rate, window_from: dt.date, window_to: dt.date, as_of: dt.date,
                       stayers_inclusive: bool = True, rate_inclusive: bool = True, notice: str = "") -> OverstayRule:
    """Create (``rule=None``) or change the year's suspension rule of a programme."""
    errors: dict[str, str] = {}
    if min_rate is None or min_rate < 0 or min_rate > 100:
        errors["min_rate"] = _("The rate is a percentage between 0 and 100.")
    if min_stayers is None or min_stayers < 0:
        errors["min_stayers"] = _("The number of workers cannot be negative.")
    if window_to < window_from:
        errors["window_to"] = _("The window ends before it starts.")
    if as_of < window_from:
        errors["as_of"] = _("The stayers are counted before the window starts.")
    clash = OverstayRule.objects.filter(programme=programme, year=year)
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        errors["year"] = _("This programme has a rule for %(year)s already.") % {"year": year}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rule = rule or OverstayRule()
        rule.programme, rule.year, rule.min_stayers, rule.min_rate = programme, year, min_stayers, min_rate
        rule.window_from, rule.window_to, rule.as_of = window_from, window_to, as_of
        rule.stayers_inclusive, rule.rate_inclusive, rule.notice = stayers_inclusive, rate_inclusive, notice.strip()
        rule.save()
    return rule


def aftercare_settings_save(*, user, province: Unit, grace_days: int, absconding_rate_threshold,
                            absconding_min_departures: int, absconding_lookback_years: int) -> AftercareSettings:
    """The province's after-departure settings (grace period, the enterprise warning)."""
    errors: dict[str, str] = {}
    if province.level != Level.PROVINCE:
        errors["unit"] = _("Settings belong to a province.")
    elif not unit_in_scope(user, province):
        errors["unit"] = _("The unit is outside your scope.")
    if grace_days is None or not 0 <= grace_days <= 365:
        errors["grace_days"] = _("Between 0 and 365 days.")
    if absconding_rate_threshold is None or not 0 <= absconding_rate_threshold <= 100:
        errors["absconding_rate_threshold"] = _("The rate is a percentage between 0 and 100.")
    if absconding_min_departures is None or absconding_min_departures < 1:
        errors["absconding_min_departures"] = _("At least 1.")
    if absconding_lookback_years is None or not 1 <= absconding_lookback_years <= 20:
        errors["absconding_lookback_years"] = _("Between 1 and 20 years.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        settings, _created = AftercareSettings.objects.update_or_create(unit=province, defaults={
            "grace_days": grace_days, "absconding_rate_threshold": absconding_rate_threshold,
            "absconding_min_departures": absconding_min_departures,
            "absconding_lookback_years": absconding_lookback_years})
    return settings
