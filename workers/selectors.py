"""Reads of the worker registry. The screen, the Excel export and the command
share :func:`worker_list`, so they always show the same workers."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from portal.models import Role, Unit
from portal.scoping import user_role
from workers.models import AccessLog, Departure, Return, StatusChange, Worker
from workers.validators import normalise_name

SORTS = {
    "name": ("name_key", "pk"), "-name": ("-name_key", "-pk"),
    "dob": ("date_of_birth", "pk"), "-dob": ("-date_of_birth", "-pk"),
    "unit": ("unit__path", "name_key", "pk"), "-unit": ("-unit__path", "name_key", "pk"),
    "status": ("status", "name_key", "pk"), "-status": ("-status", "name_key", "pk"),
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
            workers = workers.filter(citizen_id__contains=digits)
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
            "country", "programme", "enterprise", "return_record", "unit").order_by("-date", "-pk")),
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
        "worker_id", "date", "country__name_vi", "programme__name_vi", "enterprise__licence_no", "returned")
    no_departure = (None, None, None, None, None)
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
            date, country, programme, enterprise, back = latest.get(pk, no_departure)
            yield ExportRow(full_name, citizen_id, dob, sex, unit_code, ethnicity, tuple(households.get(pk, ())),
                            status, date, country, programme, enterprise, back, unit_name, phone)
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
    logs = AccessLog.objects.visible_to(user).select_related("user", "worker", "worker__unit")
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
