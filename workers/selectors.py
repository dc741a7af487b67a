"""Reads of the worker registry. The screen, the Excel export and the command
share :func:`worker_list`, so they always show the same workers."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from portal.models import Role, Unit
from portal.scoping import user_role
from workers.models import AccessLog, Departure, Status, StatusChange, Worker
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


def export_batches(workers: QuerySet[Worker], batch_size: int = 1000) -> Iterator[list[Worker]]:
    """The workers of ``workers`` in batches read by primary key (memory stays flat).

    Each worker carries ``latest_departure`` (with its return) and its household statuses.
    """
    base = workers.order_by("pk").select_related("unit", "ethnicity")
    last_pk = 0
    while True:
        batch = list(
            base.filter(pk__gt=last_pk).prefetch_related(
                "household_statuses",
                Prefetch("departures", to_attr="departures_newest_first", queryset=Departure.objects.select_related(
                    "country", "programme", "enterprise", "return_record").order_by("-date", "-pk")),
            )[:batch_size]
        )
        if not batch:
            return
        for worker in batch:
            worker.latest_departure = worker.departures_newest_first[0] if worker.departures_newest_first else None
        yield batch
        last_pk = batch[-1].pk


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


def status_counts(workers: QuerySet[Worker]) -> list[tuple[str, str, int]]:
    from django.db.models import Count

    counts = dict(workers.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, label, counts.get(value, 0)) for value, label in Status.choices]
