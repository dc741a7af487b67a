"""The waiting pool: workers in training or waiting to depart now, by the sending enterprise preparing them, their
class, their market and their stage, with how long they have waited.

Composed here because it reads two apps: the registry (status, timeline, expected departure) and training (the
worker's current class). Definitions:

- *in the pool*: status "in training" or "waiting to depart" (``workers.checklist.POOL_STATUSES``);
- *since*: when the worker last entered the pool (the latest status change into training or waiting from a
  status outside it); a worker without such a change counts from their registration;
- *enterprise*: the worker's expected departure's sending enterprise (recorded on the pre-departure file, or given
  by the class of a sending enterprise they enrolled in);
- *class*: the worker's latest class they did not drop out of;
- *market*: the expected departure's, else the class's, else the wished-for market.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import bounds
from portal.models import Unit
from portal.tree import UnitTree
from training.models import Enrolment, Result, TrainingClass
from workers.checklist import POOL_STATUSES
from workers.models import Country, Enterprise, Status, StatusChange, Worker

DIMENSIONS = ("enterprise", "stage", "class", "market", "unit")
LONG_WAIT_DAYS = (90, 180)


def pool_queryset(user, unit: Unit | None = None) -> QuerySet[Worker]:
    """The pool's workers the user may see (below ``unit`` when given), each annotated with ``since`` (a
    datetime), ``class_id`` and ``class_code``, ``market_id`` and ``enterprise_id``."""
    entered = (StatusChange.objects.filter(worker=OuterRef("pk"), to_status__in=POOL_STATUSES)
               .exclude(from_status__in=POOL_STATUSES).order_by("-at", "-pk").values("at")[:1])
    first = StatusChange.objects.filter(worker=OuterRef("pk")).order_by("at", "pk").values("at")[:1]
    current = (Enrolment.objects.filter(worker=OuterRef("pk")).exclude(result=Result.DROPPED)
               .order_by("-training_class__start_date", "-pk"))
    workers = Worker.objects.visible_to(user).filter(status__in=POOL_STATUSES)
    if unit is not None:
        workers = workers.filter(unit__path__startswith=unit.path)
    return workers.annotate(
        since=Coalesce(Subquery(entered), Subquery(first), F("created_at")),
        class_id=Subquery(current.values("training_class_id")[:1], output_field=IntegerField()),
        class_code=Subquery(current.values("training_class__code")[:1]),
        enterprise_id=F("expected_departure__enterprise_id"),
        market_id=Coalesce(F("expected_departure__country_id"),
                           Subquery(current.values("training_class__country_id")[:1], output_field=IntegerField()),
                           F("wished_country_id")),
    )


@dataclass
class PoolLine:
    key: int | str | None
    label: str
    training: int = 0
    ready: int = 0
    oldest: dt.date | None = None
    over_90: int = 0
    over_180: int = 0

    @property
    def total(self) -> int:
        return self.training + self.ready

    longest: int | None = None  # days the longest waiting worker of the line has waited

    def longest_days(self, today: dt.date) -> int | None:
        return (today - self.oldest).days if self.oldest else None


@dataclass
class PoolSummary:
    dimension: str
    lines: list[PoolLine]
    total: PoolLine
    today: dt.date


def _key_field(dimension: str) -> str:
    return {"enterprise": "enterprise_id", "stage": "status", "class": "class_id", "market": "market_id",
            "unit": "unit_id"}[dimension]


def pool_summary(user, *, unit: Unit | None = None, dimension: str = "enterprise",
                 today: dt.date | None = None) -> PoolSummary:
    """The pool grouped by ``dimension`` and stage, with its longest wait and how many waited over 90 and 180 days:
    one GROUP BY, then the labels of the keys (one query; the units of a tree: two)."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    today = today or timezone.localdate()
    limits = {days: timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
              for days in LONG_WAIT_DAYS}
    key = _key_field(dimension)
    groups = (pool_queryset(user, unit).order_by().values(key, "status")
              .annotate(n=Count("id"), oldest=Min(TruncDate("since")),
                        over_90=Count("id", filter=Q(since__lt=limits[90])),
                        over_180=Count("id", filter=Q(since__lt=limits[180]))))
    tree = UnitTree(unit) if dimension == "unit" and unit is not None else None
    lines: dict = {}
    for group in groups:
        group_key = group[key]
        if tree is not None:  # the unit below the chosen one (the chosen one itself for its own workers)
            group_key = (tree.child_of(group_key) or tree.root.pk) if tree.knows(group_key) else None
        line = lines.setdefault(group_key, PoolLine(group_key, ""))
        _add(line, group)
    labels = _labels(dimension, [k for k in lines if k is not None], tree)
    for line_key, line in lines.items():
        line.label = labels.get(line_key) or _no_label(dimension)
    total = PoolLine("total", _("Total"))
    for line in lines.values():
        _merge(total, line)
    for line in (*lines.values(), total):
        line.longest = line.longest_days(today)
    ordered = sorted(lines.values(), key=lambda line: (line.key is None, -line.total, line.label))
    return PoolSummary(dimension, ordered, total, today)


def _add(line: PoolLine, group: dict) -> None:
    n = group["n"]
    if group["status"] == Status.TRAINING:
        line.training += n
    else:
        line.ready += n
    line.over_90 += group["over_90"]
    line.over_180 += group["over_180"]
    oldest = group["oldest"]
    if isinstance(oldest, dt.datetime):
        oldest = oldest.date()
    if oldest and (line.oldest is None or oldest < line.oldest):
        line.oldest = oldest


def _merge(total: PoolLine, line: PoolLine) -> None:
    total.training += line.training
    total.ready += line.ready
    total.over_90 += line.over_90
    total.over_180 += line.over_180
    if line.oldest and (total.oldest is None or line.oldest < total.oldest):
        total.oldest = line.oldest


def _labels(dimension: str, keys: list, tree: UnitTree | None) -> dict:
    if dimension == "stage":
        return {Status.TRAINING: str(Status.TRAINING.label), Status.WAITING: str(Status.WAITING.label)}
    if dimension == "enterprise":
        return dict(Enterprise.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "class":
        return {pk: f"{code} – {name}" for pk, code, name in
                TrainingClass.objects.filter(pk__in=keys).values_list("pk", "code", "name")}
    if dimension == "market":
        return {country.pk: country.name for country in Country.objects.filter(pk__in=keys)}
    if tree is not None:
        return {pk: tree.units[pk][1] for pk in keys if pk in tree.units}
    return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))


def _no_label(dimension: str) -> str:
    return {"enterprise": _("No enterprise recorded"), "class": _("In no class"),
            "market": _("Market not known"), "unit": _("Other units")}.get(dimension, "—")


def pool_workers(user, *, unit: Unit | None = None, dimension: str = "", key: str = "") -> QuerySet[Worker]:
    """The pool's workers, longest wait first (``dimension`` and ``key`` narrow it to one line of the summary;
    ``key`` "none": the line without one)."""
    workers = pool_queryset(user, unit).select_related("unit", "unit__parent", "expected_departure__enterprise")
    if dimension in DIMENSIONS and key:
        field = _key_field(dimension)
        if dimension == "unit" and bounds.param_id(key) is not None:
            target = Unit.objects.filter(pk=bounds.param_id(key)).first()
            workers = workers.filter(unit__path__startswith=target.path) if target else workers.none()
        elif key == "none":
            workers = workers.filter(**{f"{field}__isnull": True})
        elif dimension == "stage":
            workers = workers.filter(status=key)
        elif bounds.param_id(key) is not None:
            workers = workers.filter(**{field: bounds.param_id(key)})
    return workers.order_by("since", "pk")
