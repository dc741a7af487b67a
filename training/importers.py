"""The class and enrolment sheets of a province: read, check every row, then save all rows or none.

Both are idempotent by natural key: a class by its code (a known class is updated, an unchanged one left
alone), an enrolment by class and citizen ID (a known one gets the result columns the sheet fills in). An
enrolment past a class's capacity but within what the province allows is saved and reported as a warning; past
that limit the row is an error.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.formats import parse_date, parse_int
from portal.scoping import unit_in_scope
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import Column, ErrorList, ImportRejected, RowError, cell_text, normalise_header, read_sheet
from support.models import Policy
from training import services
from training.models import ClassKind, Enrolment, Language, OrganiserKind, Result, TrainingClass
from workers.models import Country, Enterprise, Programme, Worker
from workers.pipeline import MAY_DEPART
from workers.services import today
from workers.validators import normalise_citizen_id

CLASS_COLUMNS = [
    Column("code", "Mã lớp", aliases=("class_code",)),
    Column("name", "Tên lớp", aliases=("class_name",)),
    Column("kind", "Loại lớp", aliases=("class_kind",)),
    Column("unit_code", "Mã đơn vị"),
    Column("organiser_kind", "Đơn vị tổ chức", aliases=("organiser",)),
    Column("organiser_name", "Tên đơn vị tổ chức", required=False),
    Column("enterprise", "Doanh nghiệp", required=False),
    Column("country", "Thị trường", aliases=("market",), required=False),
    Column("programme", "Chương trình", required=False),
    Column("language", "Ngoại ngữ", required=False),
    Column("start_date", "Ngày khai giảng", aliases=("start",)),
    Column("end_date", "Ngày kết thúc", aliases=("end",)),
    Column("place", "Địa điểm", required=False),
    Column("capacity", "Sĩ số tối đa", aliases=("capacity",)),
    Column("fee", "Chi phí mỗi học viên", aliases=("fee", "cost"), required=False),
    Column("policy", "Chính sách hỗ trợ", aliases=("policy_code",), required=False),
    Column("note", "Ghi chú", required=False),
]
ENROLMENT_COLUMNS = [
    Column("class_code", "Mã lớp"),
    Column("citizen_id", "Số CCCD"),
    Column("enrolled_on", "Ngày ghi danh", required=False),
    Column("result", "Kết quả", required=False),
    Column("attendance", "Chuyên cần (%)", aliases=("attendance",), required=False),
    Column("certificate_no", "Số chứng chỉ", required=False),
    Column("certificate_date", "Ngày cấp chứng chỉ", required=False),
    Column("level", "Trình độ", aliases=("level",), required=False),
    Column("score", "Điểm", aliases=("score",), required=False),
]
CLASS_LABEL = {c.key: c.label for c in CLASS_COLUMNS}
ENROLMENT_LABEL = {c.key: c.label for c in ENROLMENT_COLUMNS}

# The Vietnamese words a sheet writes (the UI labels are translated separately).
KIND_VI = {ClassKind.LANGUAGE: "Ngoại ngữ", ClassKind.VOCATIONAL: "Kỹ năng nghề",
           ClassKind.ORIENTATION: "Bồi dưỡng kiến thức cần thiết"}
KIND_WORDS = {"daotaonghe": ClassKind.VOCATIONAL, "nghe": ClassKind.VOCATIONAL,
              "giaoducdinhhuong": ClassKind.ORIENTATION, "dinhhuong": ClassKind.ORIENTATION}
ORGANISER_VI = {OrganiserKind.EMPLOYMENT_CENTRE: "Trung tâm Dịch vụ việc làm",
                OrganiserKind.VOCATIONAL_SCHOOL: "Cơ sở giáo dục nghề nghiệp",
                OrganiserKind.ENTERPRISE: "Doanh nghiệp", OrganiserKind.HIGH_SCHOOL: "Trường THPT",
                OrganiserKind.OTHER: "Khác"}
ORGANISER_WORDS = {"truongnghe": OrganiserKind.VOCATIONAL_SCHOOL, "ttdvvl": OrganiserKind.EMPLOYMENT_CENTRE,
                   "truongtrunghocphothong": OrganiserKind.HIGH_SCHOOL, "doanhnghiepphaicu": OrganiserKind.ENTERPRISE}
LANGUAGE_VI = {Language.JAPANESE: "Tiếng Nhật", Language.KOREAN: "Tiếng Hàn", Language.CHINESE: "Tiếng Trung",
               Language.ENGLISH: "Tiếng Anh", Language.GERMAN: "Tiếng Đức", Language.OTHER: "Khác"}
RESULT_VI = {Result.ENROLLED: "Đang học", Result.PASSED: "Đạt", Result.FAILED: "Không đạt", Result.DROPPED: "Bỏ học"}
RESULT_WORDS = {"ghidanh": Result.ENROLLED, "danghoc": Result.ENROLLED}


def _words(vi: dict[str, str], extra: dict[str, str], choices) -> dict[str, str]:
    """Normalised word → value: the Vietnamese word, the code, the English label and a few usual variants."""
    words = dict(extra)
    with translation.override("en"):
        for value, label in choices:
            words[normalise_header(value)] = value
            words[normalise_header(str(label))] = value
    words.update({normalise_header(text): value for value, text in vi.items()})
    return words


def _text(value: Any) -> str:
    text = cell_text(value)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # a cell neutralised by an export
    return text


def _date(errors: ErrorList, row: int, label: str, value: Any, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.add(row, label, _("Required."))
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError
        day = parse_date(value)
    except ValueError:
        errors.add(row, label, _("Not a date: write it as dd/mm/yyyy."))
        return None
    if (problem := bounds.date_problem(day)) is not None:
        errors.add(row, label, problem)
        return None
    return day


def _int(errors: ErrorList, row: int, label: str, value: Any, *, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            errors.add(row, label, _("Required."))
        return None
    try:
        number = parse_int(value)
    except ValueError:
        errors.add(row, label, _("Not a whole number."))
        return None
    if (problem := bounds.int_problem(number, bounds.AMOUNT)) is not None:  # the widest: a fee in đồng
        errors.add(row, label, problem)
        return None
    return number


def _choice(errors: ErrorList, row: int, label: str, value: Any, words: dict[str, str], *,
            required: bool = False) -> str:
    text = _text(value)
    if not text:
        if required:
            errors.add(row, label, _("Required."))
        return ""
    found = words.get(normalise_header(text))
    if found is None:
        errors.add(row, label, _("Unknown value “%(value)s”.") % {"value": text})
        return ""
    return found


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _("%(created)s new, %(updated)s updated, %(unchanged)s unchanged") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def __str__(self) -> str:
        text = f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"
        return "\n".join([text, *(f"Warning: {warning}" for warning in self.warnings)])


# --- Classes -----------------------------------------------------------------------------------------------------


class _ClassLookups:
    def __init__(self):
        self.kinds = _words(KIND_VI, KIND_WORDS, ClassKind.choices)
        self.organisers = _words(ORGANISER_VI, ORGANISER_WORDS, OrganiserKind.choices)
        self.languages = _words(LANGUAGE_VI, {}, Language.choices)
        self.countries = {normalise_header(key): c for c in Country.objects.all()
                          for key in (c.code, c.name_vi, c.name_en)}
        self.programmes = {normalise_header(key): p for p in Programme.objects.select_related("country")
                           for key in (p.code, p.name_vi, p.name_en)}
        self.enterprises = {}
        for enterprise in Enterprise.objects.all():
            self.enterprises[enterprise.licence_no.strip().casefold()] = enterprise
            self.enterprises.setdefault(" ".join(enterprise.name.split()).casefold(), enterprise)
        self.policies = {p.code.strip().casefold(): p for p in Policy.objects.all()}


def import_classes(data: bytes, *, user) -> ImportResult:
    """Check the whole class sheet, then save every row in one transaction (or raise ``ImportRejected``)."""
    sheet = read_sheet(data, CLASS_COLUMNS)
    errors = ErrorList()
    lookups = _ClassLookups()
    # Codes are compared ignoring case (the service refuses a code that differs from another only by it).
    known = {c.code.casefold(): c for c in _by_codes(TrainingClass.objects.select_related("unit", "enterprise"),
                                                        {_text(values.get("code")) for _row, values in sheet.rows})}
    resolver = UnitResolver({_text(values.get("unit_code")) for _row, values in sheet.rows}, user=user)
    seats = seats_of(known.values())
    seen: dict[str, int] = {}
    plans: list[tuple[int, TrainingClass | None, services.ClassInput]] = []
    for row, values in sheet.rows:
        before = len(errors)
        code = _text(values.get("code"))
        if not code:
            errors.add(row, CLASS_LABEL["code"], _("Required."))
        elif code.casefold() in seen:
            errors.add(row, CLASS_LABEL["code"], _("This class code is also on row %(row)s.") % {
                "row": seen[code.casefold()]})
        else:
            seen[code.casefold()] = row
        existing = known.get(code.casefold())
        if existing is not None and not services.may_manage_class(user, existing):
            errors.add(row, CLASS_LABEL["code"], _("This class code belongs to a class outside your scope."))
            continue
        kind = _choice(errors, row, CLASS_LABEL["kind"], values.get("kind"), lookups.kinds, required=True)
        organiser = _choice(errors, row, CLASS_LABEL["organiser_kind"], values.get("organiser_kind"),
                            lookups.organisers, required=True)
        language = _choice(errors, row, CLASS_LABEL["language"], values.get("language"), lookups.languages)
        start = _date(errors, row, CLASS_LABEL["start_date"], values.get("start_date"), required=True)
        end = _date(errors, row, CLASS_LABEL["end_date"], values.get("end_date"), required=True)
        capacity = _int(errors, row, CLASS_LABEL["capacity"], values.get("capacity"), required=True)
        fee = _int(errors, row, CLASS_LABEL["fee"], values.get("fee"))
        unit = None
        unit_code = _text(values.get("unit_code"))
        if not unit_code:
            errors.add(row, CLASS_LABEL["unit_code"], _("Required."))
        else:
            try:
                unit = resolver.resolve(unit_code, on_date=start)
            except UnitCodeError as exc:
                errors.add(row, CLASS_LABEL["unit_code"], str(exc))
        references = {}
        for key, table, message in (
            ("enterprise", None, _("Unknown enterprise “%(value)s”: write its licence number or exact name.")),
            ("country", lookups.countries, _("Unknown country “%(value)s”.")),
            ("programme", lookups.programmes, _("Unknown programme “%(value)s”.")),
            ("policy", None, _("Unknown support policy “%(value)s”: write its code.")),
        ):
            text = _text(values.get(key))
            if not text:
                references[key] = None
                continue
            if key == "enterprise":
                found = lookups.enterprises.get(text.casefold()) or lookups.enterprises.get(" ".join(text.split()).casefold())
            elif key == "policy":
                found = lookups.policies.get(text.casefold())
            else:
                found = table.get(normalise_header(text))
            if found is None:
                errors.add(row, CLASS_LABEL[key], message % {"value": text})
            references[key] = found
        if len(errors) > before or unit is None or start is None or end is None:
            continue
        data_row = services.ClassInput(
            code=code, name=_text(values.get("name")), kind=kind, unit=unit, organiser_kind=organiser,
            organiser_name=_text(values.get("organiser_name")), language=language, start_date=start, end_date=end,
            capacity=capacity, fee=fee, place=_text(values.get("place")), note=_text(values.get("note")),
            **references)
        problems = services.class_problems(data_row, user=user, training_class=existing,
                                           enrolled=seats.get(existing.pk, 0) if existing else 0)
        for name, message in problems.items():
            errors.add(row, CLASS_LABEL.get(name, CLASS_LABEL.get(f"{name}_code", "")) if name != "unit"
                       else CLASS_LABEL["unit_code"], message)
        if not problems:
            plans.append((row, existing, data_row))
    errors.raise_if_any()
    result = ImportResult()
    with transaction.atomic(), acting_as(user):
        for row, existing, data_row in plans:
            if existing is not None and services.class_unchanged(existing, data_row):
                result.unchanged += 1
                continue
            try:
                services.class_save(user=user, data=data_row, training_class=existing)
            except ValidationError as exc:  # a concurrent change: nothing of the file is kept
                raise ImportRejected([RowError(row, "", message) for message in exc.messages]) from None
            if existing is None:
                result.created += 1
            else:
                result.updated += 1
    return result


def _by_codes(classes, codes: set[str]):
    return classes.annotate(code_upper=Upper("code")).filter(code_upper__in=[c.upper() for c in codes if c])


def seats_of(classes) -> dict[int, int]:
    from training.selectors import seats_taken

    ids = [c.pk for c in classes]
    if not ids:
        return {}
    return dict(TrainingClass.objects.filter(pk__in=ids).annotate(seats=seats_taken()).values_list("pk", "seats"))


# --- Enrolments --------------------------------------------------------------------------------------------------


@dataclass
class _EnrolmentPlan:
    row: int
    training_class: TrainingClass
    worker: Worker
    existing: Enrolment | None
    enrolled_on: dt.date | None
    result: services.ResultInput | None


def import_enrolments(data: bytes, *, user) -> ImportResult:
    """Check the whole enrolment sheet, then save every row in one transaction (or raise ``ImportRejected``)."""
    sheet = read_sheet(data, ENROLMENT_COLUMNS)
    errors = ErrorList()
    result_words = _words(RESULT_VI, RESULT_WORDS, Result.choices)
    classes = {c.code.casefold(): c for c in _by_codes(TrainingClass.objects.visible_to(user).select_related("unit"),
                                                          {_text(values.get("class_code")) for _row, values in sheet.rows})}
    ids = {normalise_citizen_id(values.get("citizen_id")) for _row, values in sheet.rows}
    workers = {w.citizen_id: w for w in Worker.objects.filter(citizen_id__in=ids).select_related("unit")}
    existing = {(e.training_class_id, e.worker_id): e for e in Enrolment.objects.filter(
        training_class__in=classes.values(), worker__in=workers.values())}
    seats = seats_of(classes.values())
    added: dict[int, int] = defaultdict(int)
    seen: dict[tuple[int, int], int] = {}
    plans: list[_EnrolmentPlan] = []
    for row, values in sheet.rows:
        before = len(errors)
        code = _text(values.get("class_code"))
        training_class = classes.get(code.casefold())
        if not code:
            errors.add(row, ENROLMENT_LABEL["class_code"], _("Required."))
        elif training_class is None:
            errors.add(row, ENROLMENT_LABEL["class_code"], _("No class with this code in your scope."))
        citizen_id = normalise_citizen_id(values.get("citizen_id"))
        worker = workers.get(citizen_id)
        if not citizen_id:
            errors.add(row, ENROLMENT_LABEL["citizen_id"], _("Required."))
        elif worker is None or not unit_in_scope(user, worker.unit):
            errors.add(row, ENROLMENT_LABEL["citizen_id"], _("No worker with this citizen ID in your scope."))
            worker = None
        enrolled_on = _date(errors, row, ENROLMENT_LABEL["enrolled_on"], values.get("enrolled_on"))
        outcome = _choice(errors, row, ENROLMENT_LABEL["result"], values.get("result"), result_words)
        attendance = _int(errors, row, ENROLMENT_LABEL["attendance"], values.get("attendance"))
        score = _int(errors, row, ENROLMENT_LABEL["score"], values.get("score"))
        certificate_date = _date(errors, row, ENROLMENT_LABEL["certificate_date"], values.get("certificate_date"))
        if len(errors) > before or training_class is None or worker is None:
            continue
        key = (training_class.pk, worker.pk)
        if key in seen:
            errors.add(row, ENROLMENT_LABEL["citizen_id"], _("This worker is enrolled in this class on row %(row)s "
                                                             "too.") % {"row": seen[key]})
            continue
        seen[key] = row
        current = existing.get(key)
        if current is None:
            if worker.status not in MAY_DEPART:
                errors.add(row, ENROLMENT_LABEL["citizen_id"], _(
                    "%(name)s is %(status)s: only a worker preparing to depart can be enrolled.") % {
                    "name": worker.full_name, "status": worker.get_status_display().lower()})
                continue
            day = enrolled_on or (today() if today() <= training_class.end_date else training_class.start_date)
            if day > today():
                errors.add(row, ENROLMENT_LABEL["enrolled_on"], _("The enrolment date is in the future."))
                continue
            if day > training_class.end_date:
                errors.add(row, ENROLMENT_LABEL["enrolled_on"], _("The class ended on %(date)s: a worker cannot "
                                                                  "enrol after it.") % {
                    "date": training_class.end_date.strftime("%d/%m/%Y")})
                continue
            if outcome != Result.DROPPED:
                added[training_class.pk] += 1
                refusal, _warning = services.capacity_problem(
                    training_class, taken=seats.get(training_class.pk, 0), adding=added[training_class.pk])
                if refusal:
                    errors.add(row, ENROLMENT_LABEL["class_code"], refusal)
                    continue
        outcome_input = None
        if any(values.get(k) not in (None, "") for k in (
                "result", "attendance", "certificate_no", "certificate_date", "level", "score")):
            outcome_input = services.ResultInput(
                result=outcome or (current.result if current else Result.ENROLLED),
                attendance=attendance if attendance is not None else (current.attendance if current else None),
                certificate_no=_text(values.get("certificate_no")) or (current.certificate_no if current else ""),
                certificate_date=certificate_date or (current.certificate_date if current else None),
                level=_text(values.get("level")) or (current.level if current else ""),
                score=score if score is not None else (current.score if current else None))
            problems = services.result_problems(training_class, outcome_input)
            for name, message in problems.items():
                errors.add(row, ENROLMENT_LABEL.get(name, ENROLMENT_LABEL["result"]), message)
            if problems:
                continue
        plans.append(_EnrolmentPlan(row, training_class, worker, current, enrolled_on, outcome_input))
    errors.raise_if_any()
    result = ImportResult()
    for class_id, count in added.items():
        training_class = next(c for c in classes.values() if c.pk == class_id)
        _refusal, warning = services.capacity_problem(training_class, taken=seats.get(class_id, 0), adding=count)
        if warning:
            result.warnings.append(f"{training_class.code}: {warning}")
    with transaction.atomic(), acting_as(user):
        for plan in plans:
            try:
                enrolment = plan.existing
                if enrolment is None:
                    enrolment = services.enrolment_create(
                        user=user, training_class=plan.training_class, worker=plan.worker,
                        enrolled_on=plan.enrolled_on, confirm_over_capacity=True)
                    result.created += 1
                elif plan.result is not None and _changes(enrolment, plan.result):
                    result.updated += 1
                else:
                    result.unchanged += 1
                if plan.result is not None and _changes(enrolment, plan.result):
                    services.enrolment_update(user=user, enrolment=enrolment, data=plan.result)
            except ValidationError as exc:  # a concurrent change: nothing of the file is kept
                raise ImportRejected([RowError(plan.row, "", message) for message in exc.messages]) from None
    return result


def _changes(enrolment: Enrolment, data: services.ResultInput) -> bool:
    return any(getattr(enrolment, name) != (value.strip() if isinstance(value, str) else value)
               for name, value in vars(data).items())

