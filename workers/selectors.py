"""Reads of the worker registry. The screen, the Excel export and the command
share :func:`worker_list`, so they always show the same workers."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from portal.collation import vi_order
from portal.models import Role, Unit
from portal.scoping import user_role
from workers.contracts import MILESTONES, FollowUpDue, due_return_dates, follow_up_schedule
from workers.models import Absconding, AbscondingClosure, AccessLog, Departure, FollowUp, Return, StatusChange, Worker
from workers.overstay import Overstay, departure_overstay
from workers.validators import normalise_name

SORTS = {
    # Names in Vietnamese alphabetical order (portal.collation), on SQLite and PostgreSQL alike.
    "name": (*vi_order("name_key"), "pk"), "-name": (*vi_order("-name_key"), "-pk"),
    "dob": ("date_of_birth", "pk"), "-dob": ("-date_of_birth", "-pk"),
    "unit": ("unit__path", *vi_order("name_key"), "pk"), "-unit": ("-unit__path", *vi_order("name_key"), "pk"),
    "status": ("status", *vi_order("name_key"), "pk"), "-status": ("-status", *vi_order("name_key"), "pk"),
    # Workers who never departed come last both ways (PostgreSQL would put NULLs first when descending).
    "departure": (F("last_departure_date").asc(nulls_last=True), "pk"),
    "-departure": (F("last_departure_date").desc(nulls_last=True), "-pk"),
    "created": ("created_at", "pk"), "-created": ("-created_at", "-pk"),
}


def sees_personal_data(user) -> bool:
    """Full CCCD and phone, ethnicity and household status: only roles that work with the records."""
    return user_role(user) in (Role.ADMIN, Role.PROVINCE, Role.OFFICIAL)


@dataclass
class WorkerFilters:
    q: str = ""
    unit: Unit | None = None
    status: str = ""
    country: object | None = None
    enterprise: object | None = None
    year: int | None = None
    sort: str = "name"


def worker_list(user, filters: WorkerFilters | None = None) -> QuerySet[Worker]:
    """The workers the user may see, filtered, annotated with their latest departure, sorted."""
    f = filters or WorkerFilters()
    workers = Worker.objects.visible_to(user)
    if f.q:
        digits = f.q.replace(" ", "").replace(".", "")
        if digits.isdigit():
            workers = workers.filter(Q(citizen_id__contains=digits) | Q(legacy_id_number__contains=digits))
        else:
            workers = workers.filter(name_key__contains=normalise_name(f.q))
    if f.unit is not None:
        workers = workers.filter(unit__path__startswith=f.unit.path)
    if f.status:
        workers = workers.filter(status=f.status)
    departure_filter = Q()
    if f.country is not None:
        departure_filter &= Q(country=f.country)
    if f.enterprise is not None:
        departure_filter &= Q(enterprise=f.enterprise)
    if f.year:
        departure_filter &= Q(date__gte=dt.date(f.year, 1, 1), date__lte=dt.date(f.year, 12, 31))
    if departure_filter:
        workers = workers.filter(Exists(Departure.objects.filter(departure_filter, worker=OuterRef("pk"))))
    latest = Departure.objects.filter(worker=OuterRef("pk")).order_by("-date", "-pk")
    workers = workers.annotate(
        last_departure_date=Subquery(latest.values("date")[:1]),
        last_country_id=Subquery(latest.values("country_id")[:1]),
    ).select_related("unit", "unit__parent")
    return workers.order_by(*SORTS.get(f.sort, SORTS["name"]))


def worker_detail(user, pk: int) -> Worker:
    from portal.scoping import get_visible_or_404

    queryset = Worker.objects.select_related("unit", "unit__parent", "ethnicity", "wished_country").prefetch_related(
        "household_statuses",
        Prefetch("status_changes", queryset=StatusChange.objects.select_related("by").order_by("at", "pk")),
        Prefetch("departures", queryset=Departure.objects.select_related(
            "country", "programme", "enterprise", "return_record", "unit", "employer_country").order_by("-date", "-pk")
            .prefetch_related("abscondings", "extensions", "return_record__follow_ups")),
    )
    return get_visible_or_404(queryset, user, pk=pk)


class ExportRow(NamedTuple):
    """One worker as the Excel export writes it: plain values, not formatted yet."""

    full_name: str
    citizen_id: str
    date_of_birth: dt.date
    sex: str
    unit_code: str
    ethnicity: str | None
    household_statuses: tuple[str, ...]  # Vietnamese names, in the reference list's order
    status: str
    departure_date: dt.date | None  # the latest departure (by date, then id) and its return
    country: str | None
    programme: str | None
    enterprise: str | None  # licence number
    return_date: dt.date | None
    unit_name: str
    phone: str
    contract_end: dt.date | None = None  # of the latest departure: the end in force
    contract_months: int | None = None


def worker_export_rows(workers: QuerySet[Worker], *, batch_size: int = 2000) -> Iterator[ExportRow]:
    """The workers of ``workers`` (a :func:`worker_list` queryset) as :class:`ExportRow`, by primary key.

    Read in keyset batches of ``batch_size`` workers with three queries per batch, whatever its size
    (workers; their departures with the return; their household statuses), so memory stays flat and
    no model instance is built. Only the workers of ``workers`` are yielded: its scoping and filters
    are applied as they are.
    """
    base = workers.order_by("pk").values_list(
        "pk", "full_name", "citizen_id", "date_of_birth", "sex", "unit__code", "ethnicity__name", "status",
        "unit__name", "phone")
    households_of = Worker.household_statuses.through.objects.order_by(
        "worker_id", "householdstatus__order", "householdstatus__code",
    ).values_list("worker_id", "householdstatus__name_vi")
    # The return as a subquery, not a join: PostgreSQL would hash-join every return of the registry for each batch.
    returned = Subquery(Return.objects.filter(departure=OuterRef("pk")).order_by().values("date")[:1])
    departures_of = Departure.objects.order_by("worker_id", "-date", "-pk").annotate(returned=returned).values_list(
        "worker_id", "date", "country__name_vi", "programme__name_vi", "enterprise__licence_no", "returned",
        "contract_end", "contract_months")
    no_departure = (None, None, None, None, None, None, None)
    last_pk = 0
    while True:
        batch = list(base.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return
        pks = [row[0] for row in batch]
        latest: dict[int, tuple] = {}
        for worker_id, *departure in _of_workers(departures_of, pks):
            if worker_id not in latest:  # newest first: the first one of each worker is the latest
                latest[worker_id] = departure
        households: dict[int, list[str]] = {}
        for worker_id, name in _of_workers(households_of, pks):
            households.setdefault(worker_id, []).append(name)
        for pk, full_name, citizen_id, dob, sex, unit_code, ethnicity, status, unit_name, phone in batch:
            date, country, programme, enterprise, back, end, months = latest.get(pk, no_departure)
            yield ExportRow(full_name, citizen_id, dob, sex, unit_code, ethnicity, tuple(households.get(pk, ())),
                            status, date, country, programme, enterprise, back, unit_name, phone, end, months)
        if len(batch) < batch_size:
            return
        last_pk = pks[-1]


def _of_workers(rows: QuerySet, pks: list[int]) -> QuerySet:
    """``rows`` (with a ``worker_id``) of the workers ``pks`` (ascending), and maybe of others between them.

    When the batch fills at least half of its key range (a national or provincial export) a range
    is cheaper than a list of 2,000 ids (Django prepares every one); the rows of workers outside the
    batch are read but never looked up, so they are not exported.
    """
    if pks[-1] - pks[0] < 2 * len(pks):
        return rows.filter(worker_id__gte=pks[0], worker_id__lte=pks[-1])
    return rows.filter(worker_id__in=pks)


def access_log_list(user, *, username: str = "", worker_q: str = "", date_from: dt.date | None = None,
                    date_to: dt.date | None = None) -> QuerySet[AccessLog]:
    logs = AccessLog.objects.visible_to(user).select_related("user", "worker", "unit")
    if username:
        logs = logs.filter(user__username__iexact=username.strip())
    if worker_q:
        text = worker_q.strip()
        if text.isdigit():
            logs = logs.filter(worker__citizen_id__contains=text)
        else:
            logs = logs.filter(worker__name_key__contains=normalise_name(text))
    if date_from:
        logs = logs.filter(at__date__gte=date_from)
    if date_to:
        logs = logs.filter(at__date__lte=date_to)
    return logs.order_by("-at", "-pk")


# --- Returnees -----------------------------------------------------------------------------------------------------


NEEDS = {"job_referral": "needs_job_referral", "loan": "needs_loan", "training": "needs_training"}


def _due_milestone(today: dt.date) -> Case:
    """The follow-up of a return due on ``today`` (3, 6 or 12; None): at most one is due at a time, each from its
    date until the next one's (workers.contracts)."""
    whens = []
    for milestone in MILESTONES:
        earliest, latest = due_return_dates(milestone, today)
        done = Exists(FollowUp.objects.filter(return_record=OuterRef("pk"), milestone=milestone))
        whens.append(When(Q(date__gte=earliest, date__lte=latest) & ~done, then=Value(milestone)))
    return Case(*whens, default=Value(None), output_field=IntegerField())


@dataclass
class ReturneeFilters:
    q: str = ""
    unit: Unit | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    outcome: str = ""
    work: str = ""
    need: str = ""  # a key of NEEDS
    due: bool = False  # only those with a follow-up due today


def returnee_list(user, filters: ReturneeFilters | None = None, *, today: dt.date | None = None) -> QuerySet[Return]:
    """The returns the user may see, newest first, with the follow-up due today (``due_milestone``)."""
    f = filters or ReturneeFilters()
    today = today or timezone.localdate()
    returns = Return.objects.visible_to(user)
    if f.q:
        digits = f.q.replace(" ", "").replace(".", "")
        if digits.isdigit():
            returns = returns.filter(departure__worker__citizen_id__contains=digits)
        else:
            returns = returns.filter(departure__worker__name_key__contains=normalise_name(f.q))
    if f.unit is not None:
        returns = returns.filter(departure__unit__path__startswith=f.unit.path)
    if f.date_from:
        returns = returns.filter(date__gte=f.date_from)
    if f.date_to:
        returns = returns.filter(date__lte=f.date_to)
    if f.outcome:
        returns = returns.filter(outcome=f.outcome)
    if f.work:
        returns = returns.filter(work=f.work)
    if f.need in NEEDS:
        returns = returns.filter(**{NEEDS[f.need]: True})
    returns = returns.annotate(due_milestone=_due_milestone(today))
    if f.due:
        # The dates any follow-up can be due for first (index return_date: a year of returns, not all of them),
        # then the milestone itself.
        windows = [due_return_dates(milestone, today) for milestone in MILESTONES]
        returns = returns.filter(date__gte=min(w[0] for w in windows), date__lte=max(w[1] for w in windows),
                                 due_milestone__isnull=False)
    return (returns.select_related("departure", "departure__worker", "departure__unit", "departure__country")
            .prefetch_related("follow_ups").order_by("-date", "-pk"))


def returnee_followups_due(user, today: dt.date) -> QuerySet[Return]:
    """The returns in the user's scope whose 3-, 6- or 12-month follow-up is due on ``today`` and not done
    (``due_milestone`` says which), oldest due first: what an official's inbox lists."""
    return (returnee_list(user, ReturneeFilters(due=True), today=today).prefetch_related(None)
            .order_by("date", "pk"))


# --- A worker's timeline ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a worker's timeline: a status change (``change``) or an event after departure (``kind``)."""

    day: dt.date
    order: int
    kind: str  # status | absconded | found | overstay | extension | follow_up
    change: StatusChange | None = None
    departure: Departure | None = None
    obj: object = None


def worker_timeline(worker: Worker, *, grace_days: int, today: dt.date) -> list[TimelineEntry]:
    """The status changes of ``worker`` (prefetched by :func:`worker_detail`) with the events after departure:
    absconding learned and closed, the overstay (computed), contract extensions and returnee follow-ups."""
    entries = [TimelineEntry(timezone.localtime(c.at).date(), 0, "status", change=c) for c in worker.status_changes.all()]
    for departure in worker.departures.all():
        for event in departure.abscondings.all():
            entries.append(TimelineEntry(event.learned_on, 1, "absconded", departure=departure, obj=event))
            if event.closed_on and event.closed_how == AbscondingClosure.FOUND:
                entries.append(TimelineEntry(event.closed_on, 1, "found", departure=departure, obj=event))
        stay = departure_overstay(departure, grace_days=grace_days, today=today)
        if stay is not None:
            entries.append(TimelineEntry(stay.since, 1, "overstay", departure=departure, obj=stay))
        for extension in departure.extensions.all():
            entries.append(TimelineEntry(extension.approved_on, 1, "extension", departure=departure, obj=extension))
        record = getattr(departure, "return_record", None) if _returned(departure) else None
        if record is not None:
            for follow_up in record.follow_ups.all():
                entries.append(TimelineEntry(follow_up.done_on, 2, "follow_up", departure=departure, obj=follow_up))
    return sorted(entries, key=lambda entry: (entry.day, entry.order))


def _returned(departure: Departure) -> bool:
    try:
        departure.return_record  # noqa: B018 (prefetched)
    except Return.DoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class FollowUpLine:
    due: FollowUpDue
    done: FollowUp | None
    state: str  # done, upcoming, due, missed


@dataclass(frozen=True)
class AfterDeparture:
    """What the worker page shows of a departure after it: the overstay (computed), the open absconding, and
    the returnee's follow-ups (done, due, upcoming or missed)."""

    overstay: Overstay | None
    open_absconding: Absconding | None
    follow_ups: list[FollowUpLine]


def after_departure(departure: Departure, *, grace_days: int, today: dt.date) -> AfterDeparture:
    """From the rows :func:`worker_detail` prefetched: no query."""
    record = departure.return_record if _returned(departure) else None
    lines = []
    if record is not None:
        done = {follow_up.milestone: follow_up for follow_up in record.follow_ups.all()}
        lines = [FollowUpLine(due, done.get(due.milestone),
                              "done" if due.milestone in done else due.state(today))
                 for due in follow_up_schedule(record.date)]
    open_event = next((event for event in departure.abscondings.all() if event.closed_on is None), None)
    return AfterDeparture(departure_overstay(departure, grace_days=grace_days, today=today), open_event, lines)
