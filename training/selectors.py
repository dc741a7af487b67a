"""Reads of training: the class list and page, the workers who may enrol, a worker's classes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from portal.collation import vi_order
from portal.models import Unit
from portal.scoping import get_visible_or_404
from training.models import Enrolment, Result, TrainingClass
from workers.models import Worker
from workers.pipeline import MAY_DEPART
from workers.services import today
from workers.validators import normalise_name

CANDIDATES_SHOWN = 50
STATES = ("upcoming", "running", "finished")


@dataclass
class ClassFilters:
    q: str = ""
    kind: str = ""
    unit: Unit | None = None
    state: str = ""
    year: int | None = None


def seats_taken() -> Count:
    return Count("enrolments", filter=~Q(enrolments__result=Result.DROPPED))


def class_list(user, filters: ClassFilters | None = None) -> QuerySet[TrainingClass]:
    """The classes the user may see, filtered, each with ``seats`` (enrolments that take a seat)."""
    f = filters or ClassFilters()
    classes = TrainingClass.objects.visible_to(user)
    if f.q:
        classes = classes.filter(Q(code__icontains=f.q.strip()) | Q(name__icontains=f.q.strip()))
    if f.kind:
        classes = classes.filter(kind=f.kind)
    if f.unit is not None:
        classes = classes.filter(unit__path__startswith=f.unit.path)
    day = today()
    if f.state == "upcoming":
        classes = classes.filter(start_date__gt=day)
    elif f.state == "running":
        classes = classes.filter(start_date__lte=day, end_date__gte=day)
    elif f.state == "finished":
        classes = classes.filter(end_date__lt=day)
    if f.year:
        classes = classes.filter(start_date__lte=dt.date(f.year, 12, 31), end_date__gte=dt.date(f.year, 1, 1))
    return (classes.select_related("unit", "enterprise", "country", "policy")
            .annotate(seats=seats_taken()).order_by("-start_date", "code"))


def class_detail(user, pk: int) -> TrainingClass:
    queryset = (TrainingClass.objects.select_related("unit", "enterprise", "country", "programme", "policy")
                .annotate(seats=seats_taken()))
    return get_visible_or_404(queryset, user, pk=pk)


def class_enrolments(user, training_class: TrainingClass) -> QuerySet[Enrolment]:
    """The class's enrolments of the user's workers (all of them for the province and administrators)."""
    return (Enrolment.objects.visible_to(user).filter(training_class=training_class)
            .select_related("worker", "worker__unit").order_by(*vi_order("worker__name_key"), "pk"))


def enrol_candidates(user, training_class: TrainingClass, *, q: str = "", unit: Unit | None = None) -> list[Worker]:
    """Workers of the user's scope who may be enrolled in the class (preparing to depart, not in it yet), found by
    name or citizen ID; at most ``CANDIDATES_SHOWN``."""
    workers = (Worker.objects.visible_to(user).filter(status__in=MAY_DEPART)
               .exclude(enrolments__training_class=training_class))
    if q.strip():
        digits = q.replace(" ", "").replace(".", "")
        workers = (workers.filter(citizen_id__contains=digits) if digits.isdigit()
                   else workers.filter(name_key__contains=normalise_name(q)))
    if unit is not None:
        workers = workers.filter(unit__path__startswith=unit.path)
    return list(workers.select_related("unit", "unit__parent").order_by(*vi_order("name_key"), "pk")[:CANDIDATES_SHOWN])


def open_classes(user) -> QuerySet[TrainingClass]:
    """Classes a worker may still join: visible, not ended."""
    return (TrainingClass.objects.visible_to(user).filter(end_date__gte=today())
            .select_related("unit").order_by("start_date", "code"))


def worker_training(user, worker: Worker) -> dict[str, Any]:
    """The worker page's section: the worker's classes with results and certificates (which of the classes the
    user may open), and the classes the worker may still join. Three queries."""
    enrolments = list(worker.enrolments.select_related("training_class", "training_class__enterprise")
                      .order_by("-training_class__start_date", "-pk"))
    class_ids = {e.training_class_id for e in enrolments}
    visible = set(TrainingClass.objects.visible_to(user).filter(pk__in=class_ids).values_list("pk", flat=True)) \
        if class_ids else set()
    joinable = [c for c in open_classes(user).exclude(pk__in=class_ids)[:100]] if worker.status in MAY_DEPART else []
    return {"enrolments": enrolments, "visible": visible, "joinable": joinable}
