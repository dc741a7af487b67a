"""Writes on the worker registry. Every service validates, writes inside one
transaction, leaves a ``StatusChange`` row when the status moves, and returns
the object. Errors are ``ValidationError`` keyed by field where one is to blame.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import cache_version
from portal.audit import audit_bulk_created
from portal.bulk import insert_objects, insert_rows
from portal.models import Level, Unit
from portal.scoping import unit_in_scope
from workers.models import (
    AccessLog,
    Country,
    Departure,
    Enterprise,
    EnterpriseStatus,
    Ethnicity,
    HouseholdStatus,
    Programme,
    Return,
    Status,
    StatusChange,
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


def likely_duplicates(*, full_name: str, date_of_birth: dt.date, unit: Unit, citizen_id: str,
                      exclude_pk: int | None = None) -> list[Worker]:
    queryset = (Worker.objects.filter(name_key=normalise_name(full_name), date_of_birth=date_of_birth, unit=unit)
                .exclude(citizen_id=citizen_id).select_related("unit"))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset[:5])


def _check_identity(*, user, citizen_id: str, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit) -> None:
    errors: dict[str, list[str]] = {}
    problems = citizen_id_problems(citizen_id, date_of_birth=date_of_birth, sex=sex)
    if problems:
        errors["citizen_id"] = problems
    if not full_name.strip():
        errors["full_name"] = [_("Enter the full name.")]
    if date_of_birth > today():
        errors["date_of_birth"] = [_("The date of birth is in the future.")]
    if unit.level not in HOME_LEVELS:
        errors["unit"] = [_("Choose the home commune, or the district when the commune is unknown.")]
    elif not unit_in_scope(user, unit):
        errors["unit"] = [_("The unit is outside your scope.")]
    if errors:
        raise ValidationError(errors)


def _status_change(*, worker: Worker, user, from_status: str, to_status: str, note: str = "") -> StatusChange:
    return StatusChange.objects.create(
        worker=worker, from_status=from_status, to_status=to_status, by=user if user and user.is_authenticated else None,
        note=note[:500],
    )


def worker_register(
    *, user, citizen_id: str, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit,
    ethnicity: Ethnicity | None = None, phone: str = "", household_statuses: Iterable[HouseholdStatus] = (),
    education: str = "", languages: str = "", skills: str = "", wished_country: Country | None = None,
    status: str = Status.REGISTERED, note: str = "", confirm_duplicate: bool = False,
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
            _status_change(worker=worker, user=user, from_status="", to_status=status, note=note)
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
    values["citizen_id"] = normalise_citizen_id(values["citizen_id"])
    values["full_name"] = " ".join(values["full_name"].split())
    _check_identity(user=user, citizen_id=values["citizen_id"], full_name=values["full_name"],
                    date_of_birth=values["date_of_birth"], sex=values["sex"], unit=values["unit"])
    if Worker.objects.filter(citizen_id=values["citizen_id"]).exclude(pk=worker.pk).exists():
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


def worker_change_status(*, user, worker: Worker, to_status: str, note: str = "") -> StatusChange:
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        problem = transition_problem(current, to_status)
        if problem:
            raise ValidationError({"to_status": problem})
        worker.status = to_status
        worker.save(update_fields=["status", "updated_at"])
        return _status_change(worker=worker, user=user, from_status=current, to_status=to_status, note=note)


def enterprise_warning(enterprise: Enterprise | None) -> str:
    if enterprise is None or enterprise.status == EnterpriseStatus.ACTIVE:
        return ""
    return _("Recorded while the enterprise %(name)s (licence %(licence)s) was %(status)s.") % {
        "name": enterprise.name, "licence": enterprise.licence_no, "status": enterprise.get_status_display().lower()}


def _departure_errors(*, date_of_birth: dt.date, date: dt.date, country: Country, programme: Programme | None,
                      contract_months: int | None = None,
                      orientation_cert_date: dt.date | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if date > today():
        errors["date"] = _("The departure date is in the future: record a departure once it has happened.")
    elif date <= date_of_birth:
        errors["date"] = _("The departure date is before the date of birth.")
    if programme is not None and programme.country_id != country.pk:
        errors["programme"] = _("This programme is for %(country)s.") % {"country": programme.country}
    if contract_months is not None and contract_months <= 0:
        errors["contract_months"] = _("The contract length must be at least 1 month.")
    if orientation_cert_date and orientation_cert_date > date:
        errors["orientation_cert_date"] = _("The orientation certificate is dated after the departure.")
    return errors


def _snapshot_flags(codes: set[str], ethnicity: Ethnicity | None) -> tuple[bool, bool]:
    """(poor or near-poor, ethnic minority) of a worker with these household codes, as a departure copies them."""
    minority = ETHNIC_MINORITY_CODE in codes or bool(ethnicity is not None and not ethnicity.is_majority)
    return bool(codes & set(POOR_CODES)), minority


def departure_record(
    *, user, worker: Worker, date: dt.date, country: Country, programme: Programme | None = None,
    enterprise: Enterprise | None = None, occupation: str = "", contract_months: int | None = None,
    orientation_cert_no: str = "", orientation_cert_date: dt.date | None = None, note: str = "",
) -> Departure:
    errors = _departure_errors(date_of_birth=worker.date_of_birth, date=date, country=country, programme=programme,
                               contract_months=contract_months, orientation_cert_date=orientation_cert_date)
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
            orientation_cert_no=orientation_cert_no.strip(), orientation_cert_date=orientation_cert_date,
            warning=enterprise_warning(enterprise),
            unit_id=worker.unit_id, sex=worker.sex, is_poor_or_near_poor=poor, is_ethnic_minority=minority,
            has_orientation_cert=bool(orientation_cert_no.strip()),
            created_by=user if user and user.is_authenticated else None,
        )
        worker.status = Status.DEPARTED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.DEPARTED,
                       note=note or _("Departure to %(country)s") % {"country": country.name_vi})
    return departure


def _contract_end(departure: Departure) -> dt.date | None:
    if not departure.contract_months:
        return None
    month = departure.date.month - 1 + departure.contract_months
    year, month = departure.date.year + month // 12, month % 12 + 1
    day = min(departure.date.day, 28)
    return dt.date(year, month, day)


def return_record(*, user, departure: Departure, date: dt.date, early: bool | None = None, reason: str = "",
                  follow_up: str = "", note: str = "") -> Return:
    """Record the return of the worker's latest departure. ``early=None``: from the contract length."""
    worker = departure.worker
    if date > today():
        raise ValidationError({"date": _("The return date is in the future.")})
    if date < departure.date:
        raise ValidationError({"date": _("The return date is before the departure date.")})
    if early is None:
        end = _contract_end(departure)
        early = bool(end and date < end)
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        if current not in ABROAD:
            raise ValidationError(_("A worker who has not departed cannot return."))
        if Return.objects.filter(departure=departure).exists():
            raise ValidationError(_("The return of this departure is already recorded."))
        latest = worker.departures.order_by("-date", "-pk").first()
        if latest is None or latest.pk != departure.pk:
            raise ValidationError(_("Only the latest departure can be closed by a return."))
        record = Return.objects.create(
            departure=departure, date=date, early=early, reason=reason.strip(), follow_up=follow_up.strip(),
            created_by=user if user and user.is_authenticated else None,
        )
        worker.status = Status.RETURNED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.RETURNED,
                       note=note or (_("Returned early") if early else _("Returned at the end of the contract")))
    return record


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


class BulkRejected(ValidationError):
    """Some workers given to a bulk service cannot be saved; ``problems``: their position → the reasons."""

    def __init__(self, problems: dict[int, list[str]]):
        self.problems = problems
        super().__init__([message for position in sorted(problems) for message in problems[position]])


def _new_worker_problems(*, user, item: NewWorker, citizen_id: str, full_name: str) -> list[str]:
    """What the per-row services would refuse, checked in memory (no query)."""
    problems: list[str] = []
    try:
        _check_identity(user=user, citizen_id=citizen_id, full_name=full_name, date_of_birth=item.date_of_birth,
                        sex=item.sex, unit=item.unit)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if item.status not in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
        problems.append(_("A new worker starts before departure; record the departure afterwards."))
    status = item.status
    departure = item.departure
    if departure is not None:
        problems.extend(_departure_errors(date_of_birth=item.date_of_birth, date=departure.date,
                                          country=departure.country, programme=departure.programme).values())
        if status not in MAY_DEPART:
            problems.append(_("A withdrawn worker cannot depart: reopen the file first."))
        status = Status.DEPARTED
        if departure.return_date is not None:
            if departure.return_date > today():
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


def workers_register_bulk(*, user, workers: Sequence[NewWorker], note: str = "") -> list[Worker]:
    """Register new workers with their household statuses, departures, returns and status changes, all or none.

    The rows are those of the per-row services (status timeline in the same order, departure snapshot, return,
    audit entries naming the user), in a fixed number of queries. Raises ``BulkRejected`` (by position) when
    any worker breaks a rule, or when its citizen ID is registered already. Likely duplicates are the caller's
    business (the import checks them for the whole sheet).
    """
    items = list(workers)
    problems: dict[int, list[str]] = {}
    rows: list[Worker] = []
    seen: set[str] = set()
    for position, item in enumerate(items):
        citizen_id = normalise_citizen_id(item.citizen_id)
        full_name = " ".join(item.full_name.split())
        found = _new_worker_problems(user=user, item=item, citizen_id=citizen_id, full_name=full_name)
        if citizen_id in seen:
            found.append(_("A worker with this citizen ID is already registered."))
        seen.add(citizen_id)
        if found:
            problems[position] = found
        rows.append(Worker(citizen_id=citizen_id, full_name=full_name, name_key=normalise_name(full_name),
                           date_of_birth=item.date_of_birth, sex=item.sex, unit=item.unit, ethnicity=item.ethnicity,
                           status=_final_status(item)))
    if problems:
        raise BulkRejected(problems)
    if not rows:
        return []
    by_id = user.pk if user and user.is_authenticated else None
    with transaction.atomic():
        _insert_workers(rows)
        insert_rows(Worker.household_statuses.through, ["worker_id", "householdstatus_id"], [
            (worker.pk, status.pk) for worker, item in zip(rows, items, strict=True) for status in item.household_statuses])
        timeline = _Timeline(by_id=by_id)
        timeline.step((worker, "", item.status, note) for worker, item in zip(rows, items, strict=True))
        departures, returns = _insert_departures(rows, items, timeline=timeline, by_id=by_id, note=note)
        for step in range(max((len(item.later_statuses) for item in items), default=0)):
            timeline.step((worker, item.later_statuses[step - 1] if step else _status_after_departure(item),
                           item.later_statuses[step], note)
                          for worker, item in zip(rows, items, strict=True) if len(item.later_statuses) > step)
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


class _Timeline:
    """Writes the status changes one step at a time (registration, departure, return, later changes): every step
    of a worker gets a later ``at`` than the step before, as the per-row services' clock gives them."""

    def __init__(self, *, by_id: int | None):
        self.by_id = by_id
        self.at: dt.datetime | None = None

    def step(self, changes: Iterable[tuple[Worker, str, str, str]]) -> None:
        now = timezone.now()
        self.at = now if self.at is None or now > self.at else self.at + dt.timedelta(microseconds=1)
        insert_rows(StatusChange, ["worker_id", "from_status", "to_status", "at", "by_id", "note"], [
            (worker.pk, from_status, to_status, self.at, self.by_id, note[:500])
            for worker, from_status, to_status, note in changes])


def _insert_workers(rows: list[Worker]) -> None:
    try:
        with transaction.atomic():  # a savepoint: on a clash the transaction stays usable to say which ones
            insert_objects(Worker, rows)
    except IntegrityError:  # a concurrent registration of the same CCCD
        taken = set(Worker.objects.filter(citizen_id__in=[w.citizen_id for w in rows])
                    .values_list("citizen_id", flat=True))
        if not taken:
            raise
        raise BulkRejected({position: [_("A worker with this citizen ID is already registered.")]
                            for position, worker in enumerate(rows) if worker.citizen_id in taken}) from None


def _insert_departures(rows: list[Worker], items: list[NewWorker], *, timeline: _Timeline, by_id: int | None,
                       note: str) -> tuple[list[Departure], list[Return]]:
    warnings: dict[int | None, str] = {}
    departures: list[Departure] = []
    departing: list[NewWorker] = []
    for worker, item in zip(rows, items, strict=True):
        new = item.departure
        if new is None:
            continue
        enterprise_key = new.enterprise.pk if new.enterprise is not None else None
        if enterprise_key not in warnings:
            warnings[enterprise_key] = enterprise_warning(new.enterprise)
        poor, minority = _snapshot_flags({status.code for status in item.household_statuses}, item.ethnicity)
        departures.append(Departure(
            worker=worker, date=new.date, country=new.country, programme=new.programme, enterprise=new.enterprise,
            warning=warnings[enterprise_key], unit_id=worker.unit_id, sex=worker.sex, is_poor_or_near_poor=poor,
            is_ethnic_minority=minority, orientation_cert_no=new.orientation_cert_no.strip(),
            orientation_cert_date=new.orientation_cert_date,
            has_orientation_cert=bool(new.orientation_cert_no.strip()), created_by_id=by_id))
        departing.append(item)
    if not departures:
        return [], []
    insert_objects(Departure, departures)
    timeline.step((d.worker, item.status, Status.DEPARTED, note or _("Departure to %(country)s") % {
        "country": item.departure.country.name_vi}) for d, item in zip(departures, departing, strict=True))
    returns: list[Return] = []
    for departure, item in zip(departures, departing, strict=True):
        if item.departure.return_date is not None:
            end = _contract_end(departure)
            returns.append(Return(departure=departure, date=item.departure.return_date, created_by_id=by_id,
                                  early=bool(end and item.departure.return_date < end)))
    insert_objects(Return, returns)
    timeline.step((r.departure.worker, Status.DEPARTED, Status.RETURNED,
                   note or (_("Returned early") if r.early else _("Returned at the end of the contract")))
                  for r in returns)
    return departures, returns


def enterprise_save(*, user, enterprise: Enterprise | None = None, name: str, licence_no: str,
                    licence_date: dt.date | None, status: str) -> Enterprise:
    """Create (``enterprise=None``) or change a sending enterprise."""
    licence_no = licence_no.strip()
    clash = Enterprise.objects.filter(licence_no__iexact=licence_no)
    if enterprise is not None:
        clash = clash.exclude(pk=enterprise.pk)
    if clash.exists():
        raise ValidationError({"licence_no": _("Another enterprise has this licence number.")})
    if licence_date and licence_date > today():
        raise ValidationError({"licence_date": _("The licence date is in the future.")})
    with transaction.atomic():
        enterprise = enterprise or Enterprise()
        enterprise.name, enterprise.licence_no = " ".join(name.split()), licence_no
        enterprise.licence_date, enterprise.status = licence_date, status
        enterprise.save()
    return enterprise


def access_log_record(*, user, worker: Worker) -> AccessLog:
    return AccessLog.objects.create(user=user, worker=worker)
