"""Writes of training: classes, enrolments (one or several workers at once), results and certificates, and the
province's capacity rule. Every service validates, writes inside one transaction and returns the object; errors
are ``ValidationError`` keyed by field where one is to blame.

Enrolling a worker who is registered or counselled moves them to "in training" (their timeline says so); a
class run by a sending enterprise gives the worker that enterprise as the one preparing their departure when
none is recorded yet (``workers.checklist.expected_enterprise_default``): the waiting pool is counted by it. A
certificate recorded on an enrolment marks the matching item of the worker's pre-departure checklist done.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import tree
from portal.formats import format_date, format_int
from portal.models import Level, Unit
from portal.scoping import can_approve, can_write, not_found_in_scope, scope_q, unit_in_scope
from portal.xlsx import length_problem
from support.models import Policy
from training.models import (
    CHECKLIST_CODE,
    DEFAULT_OVER_CAPACITY_PERCENT,
    ClassKind,
    Enrolment,
    Language,
    OrganiserKind,
    Result,
    TrainingClass,
    TrainingRule,
)
from workers import checklist
from workers.models import Country, Enterprise, Programme, Status, Worker
from workers.pipeline import MAY_DEPART
from workers.services import today, worker_change_status

CLASS_LEVELS = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
MAX_SCORE = 999  # EPS-TOPIK is out of 200, a skill test out of 100; anything above is a typing error
TO_TRAINING = (Status.REGISTERED, Status.COUNSELLED)


class OverCapacity(ValidationError):
    """The class is full: the enrolment goes past its capacity but stays within what the province allows.
    Confirm to enrol anyway."""

    def __init__(self, message: str):
        super().__init__(message, code="over_capacity")


# --- The province's rule -----------------------------------------------------------------------------------------


def province_of(unit: Unit) -> Unit | None:
    return Unit.objects.filter(path=tree.province_path(unit.path)).first()


def over_capacity_percent(unit: Unit) -> int:
    """How far past a class's capacity the province of ``unit`` accepts enrolments (percent)."""
    rule = TrainingRule.objects.filter(unit__path=tree.province_path(unit.path)).first()
    return rule.over_capacity_percent if rule is not None else DEFAULT_OVER_CAPACITY_PERCENT


def hard_limit(capacity: int, percent: int) -> int:
    """The most enrolments a class of ``capacity`` takes when the province allows ``percent`` over it."""
    return capacity + capacity * percent // 100


def rule_set(*, user, province: Unit, over_capacity_percent: int) -> TrainingRule:
    if province.level != Level.PROVINCE:
        raise ValidationError({"unit": _("The rule is set for a province.")})
    if not can_approve(user) or not unit_in_scope(user, province):
        raise ValidationError(_("Only the province's staff set its training rule."))
    if not 0 <= over_capacity_percent <= 100:
        raise ValidationError({"over_capacity_percent": _("Give a percent between 0 and 100.")})
    with transaction.atomic():
        rule, _created = TrainingRule.objects.select_for_update().get_or_create(
            unit=province, defaults={"over_capacity_percent": over_capacity_percent})
        if rule.over_capacity_percent != over_capacity_percent:
            rule.over_capacity_percent = over_capacity_percent
            rule.save()
    return rule


# --- Classes -----------------------------------------------------------------------------------------------------


def may_manage_class(user, training_class: TrainingClass) -> bool:
    """Change a class, record results: someone who may write for the class's unit (not for a unit above it)."""
    return can_write(user) and unit_in_scope(user, training_class.unit)


def policy_problem(policy: Policy | None, *, kind: str, start: dt.date, end: dt.date, user) -> str | None:
    """Why ``policy`` cannot pay a class of ``kind`` held from ``start`` to ``end`` (None: it can)."""
    if policy is None:
        return None
    condition = scope_q(user, "unit", above=True)
    if condition is not None and not Policy.objects.filter(condition, pk=policy.pk).exists():
        return _("This support policy is outside your scope.")
    if not policy.items.filter(kind=kind).exists():
        return _("The policy %(code)s does not pay for this kind of class.") % {"code": policy.code}
    if policy.valid_from > end or (policy.valid_to and policy.valid_to < start):
        return _("The policy %(code)s is not in force during the class.") % {"code": policy.code}
    return None


@dataclass(frozen=True)
class ClassInput:
    code: str
    name: str
    kind: str
    unit: Unit
    organiser_kind: str
    start_date: dt.date
    end_date: dt.date
    capacity: int
    organiser_name: str = ""
    enterprise: Enterprise | None = None
    country: Country | None = None
    programme: Programme | None = None
    language: str = ""
    place: str = ""
    fee: int | None = None
    policy: Policy | None = None
    note: str = ""


def class_problems(data: ClassInput, *, user, training_class: TrainingClass | None = None,
                   enrolled: int = 0) -> dict[str, str]:
    """What is wrong with ``data`` (field → message); the form, the service and the import share it."""
    problems: dict[str, str] = {}
    code = data.code.strip()
    if not code:
        problems["code"] = _("Give the class a code.")
    elif len(code) > 40:
        problems["code"] = length_problem(code, 40)
    if not data.name.strip():
        problems["name"] = _("Give the class a name.")
    for name, max_length in (("name", 255), ("organiser_name", 255), ("place", 255), ("note", 500)):
        too_long = length_problem(getattr(data, name).strip(), max_length)
        if too_long:
            problems[name] = too_long
    if data.kind not in ClassKind.values:
        problems["kind"] = _("Unknown kind of class.")
    if data.organiser_kind not in OrganiserKind.values:
        problems["organiser_kind"] = _("Unknown organiser.")
    elif data.organiser_kind == OrganiserKind.ENTERPRISE and data.enterprise is None:
        problems["enterprise"] = _("Name the sending enterprise that runs the class.")
    elif data.organiser_kind != OrganiserKind.ENTERPRISE and not data.organiser_name.strip():
        problems["organiser_name"] = _("Name the centre or school that runs the class.")
    if data.language and data.language not in Language.values:
        problems["language"] = _("Unknown language.")
    if data.kind == ClassKind.LANGUAGE and not data.language:
        problems["language"] = _("A language class teaches a language: choose it.")
    if data.unit.level not in CLASS_LEVELS:
        problems["unit"] = _("A class belongs to a province, a district or a commune.")
    elif not (can_write(user) and unit_in_scope(user, data.unit)):
        problems["unit"] = _("You cannot manage classes of this unit.")
    if data.end_date < data.start_date:
        problems["end_date"] = _("The class ends before it starts.")
    if data.capacity is None or data.capacity <= 0:
        problems["capacity"] = _("The capacity must be at least 1.")
    elif enrolled > hard_limit(data.capacity, over_capacity_percent(data.unit)):
        problems["capacity"] = _("%(count)s workers are enrolled: the capacity cannot go that low.") % {
            "count": format_int(enrolled)}
    if data.fee is not None and data.fee < 0:
        problems["fee"] = _("The cost cannot be negative.")
    if data.programme is not None and data.country is not None and data.programme.country_id != data.country.pk:
        problems["programme"] = _("This programme is for %(country)s.") % {"country": data.programme.country}
    if data.kind in ClassKind.values and "end_date" not in problems:
        problem = policy_problem(data.policy, kind=data.kind, start=data.start_date, end=data.end_date, user=user)
        if problem:
            problems["policy"] = problem
    clash = TrainingClass.objects.filter(code__iexact=code)
    if training_class is not None:
        clash = clash.exclude(pk=training_class.pk)
    if code and "code" not in problems and clash.exists():
        problems["code"] = _("Another class has this code.")
    return problems


def class_save(*, user, data: ClassInput, training_class: TrainingClass | None = None) -> TrainingClass:
    """Create (``training_class=None``) or change a class."""
    if training_class is not None and not may_manage_class(user, training_class):
        raise ValidationError(_("You cannot manage this class."))
    enrolled = active_enrolments(training_class) if training_class is not None else 0
    problems = class_problems(data, user=user, training_class=training_class, enrolled=enrolled)
    if problems:
        raise ValidationError(problems)
    country = data.country or (data.programme.country if data.programme else None)
    values = {
        "code": data.code.strip(), "name": " ".join(data.name.split()), "kind": data.kind, "unit": data.unit,
        "organiser_kind": data.organiser_kind,
        "organiser_name": data.organiser_name.strip() if data.organiser_kind != OrganiserKind.ENTERPRISE else "",
        "enterprise": data.enterprise if data.organiser_kind == OrganiserKind.ENTERPRISE else None,
        "country": country, "programme": data.programme, "language": data.language,
        "start_date": data.start_date, "end_date": data.end_date, "place": data.place.strip(),
        "capacity": data.capacity, "fee": data.fee, "policy": data.policy, "note": data.note.strip(),
    }
    try:
        with transaction.atomic():
            training_class = training_class or TrainingClass()
            for name, value in values.items():
                setattr(training_class, name, value)
            training_class.save()
    except IntegrityError:  # a concurrent class with the same code
        raise ValidationError({"code": _("Another class has this code.")}) from None
    return training_class


def class_unchanged(training_class: TrainingClass, data: ClassInput) -> bool:
    """Whether saving ``data`` would change nothing (the import counts such rows as unchanged)."""
    country = data.country or (data.programme.country if data.programme else None)
    same_organiser = (training_class.organiser_kind == data.organiser_kind and (
        training_class.enterprise_id == (data.enterprise.pk if data.enterprise else None)
        if data.organiser_kind == OrganiserKind.ENTERPRISE else training_class.organiser_name == data.organiser_name.strip()))
    return same_organiser and all((
        training_class.code == data.code.strip(), training_class.name == " ".join(data.name.split()),
        training_class.kind == data.kind, training_class.unit_id == data.unit.pk,
        training_class.country_id == (country.pk if country else None),
        training_class.programme_id == (data.programme.pk if data.programme else None),
        training_class.language == data.language, training_class.start_date == data.start_date,
        training_class.end_date == data.end_date, training_class.place == data.place.strip(),
        training_class.capacity == data.capacity, training_class.fee == data.fee,
        training_class.policy_id == (data.policy.pk if data.policy else None),
        training_class.note == data.note.strip()))


# --- Enrolments --------------------------------------------------------------------------------------------------


def active_enrolments(training_class: TrainingClass) -> int:
    """Enrolments that take a seat (a worker who dropped out frees theirs)."""
    return training_class.enrolments.exclude(result=Result.DROPPED).count()


def capacity_problem(training_class: TrainingClass, *, taken: int, adding: int) -> tuple[str | None, str | None]:
    """(refusal, warning) for ``adding`` enrolments to a class with ``taken`` seats taken."""
    after = taken + adding
    percent = over_capacity_percent(training_class.unit)
    limit = hard_limit(training_class.capacity, percent)
    if after > limit:
        return _("The class is full: %(after)s enrolments would pass its capacity of %(capacity)s by more than the "
                 "%(percent)s%% the province allows (at most %(limit)s).") % {
            "after": format_int(after), "capacity": format_int(training_class.capacity), "percent": percent,
            "limit": format_int(limit)}, None
    if after > training_class.capacity:
        return None, _("Over capacity: %(after)s enrolments for %(capacity)s places (the province accepts up to "
                       "%(limit)s).") % {"after": format_int(after), "capacity": format_int(training_class.capacity),
                                         "limit": format_int(limit)}
    return None, None


def enrolment_problem(*, user, training_class: TrainingClass, worker: Worker) -> str | None:
    """Why ``worker`` cannot be enrolled in ``training_class`` by ``user`` (None: they can)."""
    if not unit_in_scope(user, worker.unit):
        return not_found_in_scope(user, _("%(name)s is outside your scope.") % {"name": worker.full_name})
    if worker.status not in MAY_DEPART:
        return _("%(name)s is %(status)s: only a worker preparing to depart can be enrolled.") % {
            "name": worker.full_name, "status": worker.get_status_display().lower()}
    return None


def _class_visible(user, training_class: TrainingClass) -> bool:
    return TrainingClass.objects.visible_to(user).filter(pk=training_class.pk).exists()


def enrolments_create(*, user, training_class: TrainingClass, workers: Sequence[Worker],
                      enrolled_on: dt.date | None = None, confirm_over_capacity: bool = False) -> list[Enrolment]:
    """Enrol ``workers`` in ``training_class``, all or none. Past the capacity (within the province's limit) the
    caller must confirm (``OverCapacity`` otherwise); past the limit it is refused."""
    if not can_write(user) or not _class_visible(user, training_class):
        raise ValidationError(_("You cannot enrol workers in this class."))
    day = enrolled_on or (today() if today() <= training_class.end_date else training_class.start_date)
    errors: list[str] = []
    if day > today():
        errors.append(_("The enrolment date is in the future."))
    elif day > training_class.end_date:
        errors.append(_("The class ended on %(date)s: a worker cannot enrol after it.") % {
            "date": format_date(training_class.end_date)})
    if not workers:
        errors.append(_("Choose at least one worker."))
    for worker in workers:
        problem = enrolment_problem(user=user, training_class=training_class, worker=worker)
        if problem:
            errors.append(problem)
    if errors:
        raise ValidationError({NON_FIELD_ERRORS: errors})
    with transaction.atomic():
        # One seat count at a time per class: the class row is the lock (concurrent enrolments wait).
        locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        already = set(locked.enrolments.filter(worker__in=workers).values_list("worker__full_name", flat=True))
        if already:
            raise ValidationError({NON_FIELD_ERRORS: [_("Already enrolled: %(names)s.") % {
                "names": ", ".join(sorted(already))}]})
        refusal, warning = capacity_problem(locked, taken=active_enrolments(locked), adding=len(workers))
        if refusal:
            raise ValidationError({NON_FIELD_ERRORS: [refusal]})
        if warning and not confirm_over_capacity:
            raise OverCapacity(warning)
        created = []
        for worker in workers:
            created.append(Enrolment.objects.create(training_class=locked, worker=worker, enrolled_on=day,
                                                    created_by=user if user and user.is_authenticated else None))
            _after_enrolment(user=user, training_class=locked, worker=worker)
    return created


def enrolment_create(*, user, training_class: TrainingClass, worker: Worker, enrolled_on: dt.date | None = None,
                     confirm_over_capacity: bool = False) -> Enrolment:
    return enrolments_create(user=user, training_class=training_class, workers=[worker], enrolled_on=enrolled_on,
                             confirm_over_capacity=confirm_over_capacity)[0]


def _after_enrolment(*, user, training_class: TrainingClass, worker: Worker) -> None:
    if worker.status in TO_TRAINING and training_class.end_date >= today():
        worker_change_status(user=user, worker=worker, to_status=Status.TRAINING,
                             note=_("Enrolled in the class %(code)s") % {"code": training_class.code})
    if training_class.enterprise_id is not None:
        checklist.expected_enterprise_default(user=user, worker=worker, enterprise=training_class.enterprise,
                                              country=training_class.country)


@dataclass(frozen=True)
class ResultInput:
    result: str
    attendance: int | None = None
    certificate_no: str = ""
    certificate_date: dt.date | None = None
    level: str = ""
    score: int | None = None


def result_problems(training_class: TrainingClass, data: ResultInput, *,
                    date_of_birth: dt.date | None = None) -> dict[str, str]:
    problems: dict[str, str] = {}
    if data.result not in Result.values:
        problems["result"] = _("Unknown result.")
    if data.attendance is not None and not 0 <= data.attendance <= 100:
        problems["attendance"] = _("Attendance is a percent between 0 and 100.")
    if data.score is not None and not 0 <= data.score <= MAX_SCORE:
        problems["score"] = _("The score must be between 0 and %(max)s.") % {"max": MAX_SCORE}
    number = data.certificate_no.strip()
    for name, max_length in (("certificate_no", 60), ("level", 40)):
        too_long = length_problem(getattr(data, name).strip(), max_length)
        if too_long:
            problems[name] = too_long
    if number and data.certificate_date is None:
        problems["certificate_date"] = _("Give the date of the certificate.")
    if data.certificate_date is not None:
        if not number:
            problems["certificate_no"] = _("Give the number of the certificate.")
        if data.certificate_date < training_class.start_date:
            problems["certificate_date"] = _("The certificate is dated %(date)s, before the class started "
                                             "(%(start)s).") % {"date": format_date(data.certificate_date),
                                                                "start": format_date(training_class.start_date)}
        elif data.certificate_date > today():
            problems["certificate_date"] = _("The certificate date is in the future.")
    if (number or data.certificate_date) and data.result != Result.PASSED and "result" not in problems:
        problems["result"] = _("A certificate goes with the result “passed”.")
    if data.result in (Result.PASSED, Result.FAILED) and training_class.start_date > today():
        problems["result"] = _("The class has not started yet.")
    return problems


def enrolment_update(*, user, enrolment: Enrolment, data: ResultInput) -> Enrolment:
    """Record a worker's attendance, result and certificate in a class."""
    training_class = enrolment.training_class
    if not (may_manage_class(user, training_class) or (can_write(user) and unit_in_scope(user, enrolment.worker.unit))):
        raise ValidationError(_("You cannot change this enrolment."))
    problems = result_problems(training_class, data)
    if problems:
        raise ValidationError(problems)
    values = {"result": data.result, "attendance": data.attendance, "certificate_no": data.certificate_no.strip(),
              "certificate_date": data.certificate_date, "level": data.level.strip(), "score": data.score}
    with transaction.atomic():
        if enrolment.result == Result.DROPPED and data.result != Result.DROPPED:
            # Back in the class: the seat must be there again.
            locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
            refusal, _warning = capacity_problem(locked, taken=active_enrolments(locked), adding=1)
            if refusal:
                raise ValidationError({"result": refusal})
        if any(getattr(enrolment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(enrolment, name, value)
            enrolment.save()
        if values["certificate_no"] and data.result == Result.PASSED:
            checklist.checklist_mark_done(
                user=user, worker=enrolment.worker, code=CHECKLIST_CODE[training_class.kind],
                date=data.certificate_date, document_no=values["certificate_no"],
                result=certificate_text(values["level"], data.score))
    return enrolment


def certificate_text(level: str, score: int | None) -> str:
    """"JLPT N4", "EPS-TOPIK 152 điểm"… as the checklist's result."""
    parts = [level] if level else []
    if score is not None:
        parts.append(f"{score} điểm")
    return ", ".join(parts)
