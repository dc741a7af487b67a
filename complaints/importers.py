"""A province's existing list of cases: read the sheet, check every row, save all rows or none.

One row per case, keyed by its number. A new number makes a case through the intake service, then takes it
through the steps its dates say (``Ngày thụ lý`` → being verified, ``Ngày chuyển`` → referred,
``Ngày kết thúc`` with ``Kết quả`` → resolved, rejected or closed), through the same services as the screen,
so the same rules hold (no skipped step, no date in the future, a reason for a rejection…). A number already
in the portal takes only the steps it does not have yet; a row that says less than the portal knows changes
nothing, so importing a file twice changes nothing. Every row is tried inside the one transaction of the
import (each in its own savepoint) and every error is collected by row and column; if there is any, the whole
transaction is rolled back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from complaints import services
from complaints.models import (
    FINAL_STATUSES,
    Case,
    CaseStep,
    Category,
    Channel,
    ComplainantKind,
    PartyKind,
    ReferredTo,
    Status,
)
from portal import bounds
from portal.audit import acting_as
from portal.formats import parse_date, parse_int
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import Column, ErrorList, ImportRejected, cell_text, length_problem, normalise_header, read_sheet
from workers.models import Country, Enterprise, Worker
from workers.services import today as local_today
from workers.validators import normalise_citizen_id

COLUMNS = [
    Column("number", "Số hồ sơ", aliases=("case number", "number", "mã hồ sơ")),
    Column("unit", "Mã đơn vị thụ lý", aliases=("unit", "mã đơn vị")),
    Column("received_on", "Ngày tiếp nhận", aliases=("received", "ngày nhận đơn")),
    Column("channel", "Hình thức tiếp nhận", aliases=("channel",), required=False),
    Column("complainant_kind", "Người khiếu nại là", aliases=("complainant",)),
    Column("worker_citizen_id", "Số CCCD người lao động", aliases=("worker citizen id",), required=False),
    Column("complainant_name", "Họ tên người khiếu nại", aliases=("complainant name",), required=False),
    Column("complainant_phone", "Điện thoại người khiếu nại", aliases=("complainant phone",), required=False),
    Column("complainant_address", "Địa chỉ người khiếu nại", aliases=("complainant address",), required=False),
    Column("respondent_kind", "Đối tượng bị khiếu nại là", aliases=("respondent", "party kind")),
    Column("licence_no", "Số giấy phép doanh nghiệp", aliases=("licence number", "số giấy phép"), required=False),
    Column("respondent_name", "Tên đối tượng", aliases=("party name",), required=False),
    Column("respondent_phone", "Điện thoại đối tượng", aliases=("party phone",), required=False),
    Column("respondent_address", "Địa chỉ đối tượng", aliases=("party address",), required=False),
    Column("category", "Loại vụ việc", aliases=("category",)),
    Column("country", "Nước", aliases=("country",), required=False),
    Column("incident_date", "Ngày xảy ra", aliases=("date of the facts",), required=False),
    Column("amount_claimed", "Số tiền yêu cầu (đồng)", aliases=("amount claimed", "số tiền yêu cầu"), required=False),
    Column("description", "Nội dung", aliases=("description",)),
    Column("verifying_on", "Ngày thụ lý", aliases=("accepted", "verified from"), required=False),
    Column("referred_on", "Ngày chuyển", aliases=("referred",), required=False),
    Column("referred_to", "Chuyển đến", aliases=("referred to",), required=False),
    Column("closed_on", "Ngày kết thúc", aliases=("closed",), required=False),
    Column("outcome", "Kết quả", aliases=("outcome",), required=False),
    Column("amount_recovered", "Số tiền thu hồi (đồng)", aliases=("amount recovered", "số tiền thu hồi"),
           required=False),
    Column("sanction", "Hình thức xử lý", aliases=("sanction",), required=False),
    Column("referral_result", "Kết quả chuyển", aliases=("referral result",), required=False),
    Column("note", "Ghi chú (lý do)", aliases=("note", "ghi chú", "lý do"), required=False),
]
LABEL = {c.key: c.label for c in COLUMNS}

# What a sheet may write in the columns of choices (compared without accents, case or spaces); the first
# name is the one the export writes.
CHANNEL_NAMES = {
    Channel.IN_PERSON: ("Trực tiếp", "in person"),
    Channel.LETTER: ("Đơn thư", "Thư", "Qua bưu điện", "letter"),
    Channel.PHONE: ("Điện thoại", "Đường dây nóng", "phone", "hotline"),
    Channel.ONLINE: ("Trực tuyến", "Cổng dịch vụ công", "Email", "online"),
    Channel.TRANSFERRED: ("Cơ quan khác chuyển đến", "Chuyển đến", "transferred"),
}
COMPLAINANT_NAMES = {
    ComplainantKind.WORKER: ("Người lao động", "worker"),
    ComplainantKind.PERSON: ("Người dân", "Cá nhân", "person"),
    ComplainantKind.RELATIVE: ("Người thân", "Thân nhân", "relative"),
    ComplainantKind.OFFICIAL: ("Cán bộ", "Cơ quan", "official"),
    ComplainantKind.ANONYMOUS: ("Nặc danh", "Giấu tên", "anonymous"),
}
PARTY_NAMES = {
    PartyKind.ENTERPRISE: ("Doanh nghiệp có giấy phép", "Doanh nghiệp", "enterprise"),
    PartyKind.COMPANY: ("Công ty không có giấy phép", "Công ty", "company"),
    PartyKind.BROKER: ("Cá nhân môi giới", "Cá nhân", "Môi giới", "broker"),
}
REFERRED_NAMES = {
    ReferredTo.POLICE: ("Công an", "police"),
    ReferredTo.INSPECTORATE: ("Thanh tra", "inspectorate"),
    ReferredTo.MINISTRY: ("Bộ", "Bộ Nội vụ", "Bộ Lao động - Thương binh và Xã hội", "Cục Quản lý lao động ngoài nước",
                          "ministry"),
    ReferredTo.ENTERPRISE: ("Doanh nghiệp", "enterprise"),
    ReferredTo.OTHER: ("Cơ quan khác", "Khác", "other"),
}
OUTCOME_NAMES = {
    Status.RESOLVED: ("Đã giải quyết", "Giải quyết xong", "resolved"),
    Status.REJECTED: ("Không chấp nhận", "Không thụ lý", "Bác đơn", "rejected"),
    Status.CLOSED: ("Đóng hồ sơ", "Rút đơn", "Lưu hồ sơ", "closed"),
}
STATUS_VI = {Status.RECEIVED: "Đã tiếp nhận", Status.VERIFYING: "Đang xác minh", Status.REFERRED: "Đã chuyển",
             **{status: names[0] for status, names in OUTCOME_NAMES.items()}}


def _lookup(names: dict) -> dict[str, str]:
    return {normalise_header(name): value for value, words in names.items() for name in (value, *words)}


_CHANNELS, _COMPLAINANTS, _PARTIES = _lookup(CHANNEL_NAMES), _lookup(COMPLAINANT_NAMES), _lookup(PARTY_NAMES)
_REFERRED, _OUTCOMES = _lookup(REFERRED_NAMES), _lookup(OUTCOME_NAMES)
TEXTS = {"number": 40, "complainant_name": 120, "complainant_phone": 30, "complainant_address": 255,
         "respondent_name": 255, "respondent_phone": 30, "respondent_address": 255, "description": 5000,
         "sanction": 500, "referral_result": 500, "note": 1000}
# The field a service names in its errors → the column of the sheet.
FIELD_COLUMN = {"worker": "worker_citizen_id", "enterprise": "licence_no", "to_status": "outcome"}


@dataclass
class ImportResult:
    created: int = 0
    advanced: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"cases created {self.created}, moved on {self.advanced}, unchanged {self.unchanged}"


def _date(errors: ErrorList, row: int, key: str, value: Any, today: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError
        day = parse_date(value)
    except ValueError:
        errors.add(row, LABEL[key], _("Not a date: write it as dd/mm/yyyy."))
        return None
    if day > today:  # every date of a case list is past (the services say so too, but only for a row that parses)
        errors.add(row, LABEL[key], _("The date is in the future."))
        return None
    if (problem := bounds.date_problem(day)) is not None:
        errors.add(row, LABEL[key], problem)
        return None
    return day


def _amount(errors: ErrorList, row: int, key: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        amount = parse_int(value)
    except ValueError:
        errors.add(row, LABEL[key], _("Not a whole number of đồng: write it as 15.000.000 or 15000000."))
        return None
    if amount < 0:
        errors.add(row, LABEL[key], _("The amount cannot be negative."))
        return None
    if (problem := bounds.int_problem(amount, bounds.AMOUNT)) is not None:
        errors.add(row, LABEL[key], problem)
        return None
    return amount


def _choice(errors: ErrorList, row: int, key: str, value: Any, names: dict[str, str], shown: dict) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    found = names.get(normalise_header(text))
    if found is None:
        errors.add(row, LABEL[key], _("Unknown value “%(value)s”: write one of %(choices)s.") % {
            "value": text, "choices": ", ".join(words[0] for words in shown.values())})
    return found


@dataclass
class ParsedRow:
    number: str
    intake: dict[str, Any]
    steps: list[tuple[str, dt.date, dict[str, Any], str]]  # status, date, extra kwargs, the column of its date
    errored: set[str]  # the columns already in error: the row is still tried, to list the services' errors too

    @property
    def triable(self) -> bool:
        """Whether the services can be tried on the row (what they cannot do without parsed)."""
        essentials = ("unit", "received_on", "complainant_kind", "respondent_kind", "category")
        return bool(self.number) and all(self.intake[key] is not None for key in essentials)


def _parse(sheet, errors: ErrorList, user, today: dt.date) -> list[tuple[int, ParsedRow]]:
    units = UnitResolver((cell_text(values.get("unit")) for _row, values in sheet.rows), user=user)
    licences = {normalise_header(e.licence_no): e for e in Enterprise.objects.filter(
        licence_no__in={cell_text(values.get("licence_no")) for _row, values in sheet.rows})}
    categories = {}
    for category in Category.objects.all():
        for name in (category.code, category.name_vi, category.name_en):
            categories[normalise_header(name)] = category
    countries = {}
    for country in Country.objects.all():
        for name in (country.code, country.name_vi, country.name_en):
            countries[normalise_header(name)] = country
    citizen_ids = {normalise_citizen_id(values.get("worker_citizen_id")) for _row, values in sheet.rows}
    workers = {w.citizen_id: w for w in Worker.objects.visible_to(user).filter(citizen_id__in=citizen_ids - {""})}
    parsed = []
    for row, values in sheet.rows:
        before = len(errors)
        texts = {key: cell_text(values.get(key)) for key in TEXTS}
        texts["description"] = str(values.get("description") or "").strip()  # keep its line breaks
        for key, limit in TEXTS.items():
            if problem := length_problem(texts[key], limit):
                errors.add(row, LABEL[key], problem)
        if not texts["number"]:
            errors.add(row, LABEL["number"], _("Required: the case number is the key of the import."))
        received_on = _date(errors, row, "received_on", values.get("received_on"), today)
        if values.get("received_on") in (None, ""):
            errors.add(row, LABEL["received_on"], _("Required."))
        unit = None
        try:
            unit = units.resolve(cell_text(values.get("unit")), on_date=received_on)
        except UnitCodeError as exc:
            errors.add(row, LABEL["unit"], str(exc))
        channel = _choice(errors, row, "channel", values.get("channel"), _CHANNELS, CHANNEL_NAMES) or Channel.IN_PERSON
        complainant_kind = _choice(errors, row, "complainant_kind", values.get("complainant_kind"), _COMPLAINANTS,
                                   COMPLAINANT_NAMES)
        respondent_kind = _choice(errors, row, "respondent_kind", values.get("respondent_kind"), _PARTIES, PARTY_NAMES)
        for key, kind in (("complainant_kind", complainant_kind), ("respondent_kind", respondent_kind)):
            if kind is None and not cell_text(values.get(key)):
                errors.add(row, LABEL[key], _("Required."))
        worker = None
        if citizen_id := normalise_citizen_id(values.get("worker_citizen_id")):
            worker = workers.get(citizen_id)
            if worker is None:
                errors.add(row, LABEL["worker_citizen_id"], _("No worker with this citizen ID in your scope."))
        enterprise = None
        if licence := cell_text(values.get("licence_no")):
            enterprise = licences.get(normalise_header(licence))
            if enterprise is None:
                errors.add(row, LABEL["licence_no"], _("No licensed enterprise with the licence number “%(value)s”.")
                           % {"value": licence})
        category = categories.get(normalise_header(cell_text(values.get("category"))))
        if category is None:
            errors.add(row, LABEL["category"], _("Unknown category “%(value)s”: write one of %(choices)s.") % {
                "value": cell_text(values.get("category")),
                "choices": ", ".join(c.name_vi for c in Category.objects.filter(active=True))})
        country = None
        if name := cell_text(values.get("country")):
            country = countries.get(normalise_header(name))
            if country is None:
                errors.add(row, LABEL["country"], _("Unknown country “%(value)s”.") % {"value": name})
        incident_date = _date(errors, row, "incident_date", values.get("incident_date"), today)
        amount_claimed = _amount(errors, row, "amount_claimed", values.get("amount_claimed"))
        steps = _steps(errors, row, values, texts, today)
        errored = {error.column for error in errors.items[before:]}
        parsed.append((row, ParsedRow(number=texts["number"], steps=steps, errored=errored, intake={
            "unit": unit, "received_on": received_on, "channel": channel, "complainant_kind": complainant_kind,
            "worker": worker, "complainant_name": texts["complainant_name"],
            "complainant_phone": texts["complainant_phone"], "complainant_address": texts["complainant_address"],
            "respondent_kind": respondent_kind, "enterprise": enterprise, "respondent_name": texts["respondent_name"],
            "respondent_phone": texts["respondent_phone"], "respondent_address": texts["respondent_address"],
            "category": category, "country": country, "incident_date": incident_date,
            "amount_claimed": amount_claimed, "description": texts["description"], "number": texts["number"]})))
    return parsed


def _steps(errors: ErrorList, row: int, values: dict, texts: dict, today: dt.date) -> list[tuple[str, dt.date, dict, str]]:
    """The steps after "received" that the row's dates say, in order."""
    steps = []
    verifying_on = _date(errors, row, "verifying_on", values.get("verifying_on"), today)
    if verifying_on:
        steps.append((Status.VERIFYING, verifying_on, {}, "verifying_on"))
    referred_on = _date(errors, row, "referred_on", values.get("referred_on"), today)
    referred_to = _choice(errors, row, "referred_to", values.get("referred_to"), _REFERRED, REFERRED_NAMES)
    if referred_on:
        steps.append((Status.REFERRED, referred_on, {"referred_to": referred_to or ""}, "referred_on"))
    elif referred_to:
        errors.add(row, LABEL["referred_on"], _("Give the date of the referral."))
    closed_on = _date(errors, row, "closed_on", values.get("closed_on"), today)
    outcome = _choice(errors, row, "outcome", values.get("outcome"), _OUTCOMES, OUTCOME_NAMES)
    amount_recovered = _amount(errors, row, "amount_recovered", values.get("amount_recovered"))
    if closed_on and outcome:
        steps.append((outcome, closed_on, {
            "amount_recovered": amount_recovered, "sanction": texts["sanction"],
            "referral_result": texts["referral_result"], "note": texts["note"]}, "closed_on"))
    elif closed_on and not cell_text(values.get("outcome")):
        errors.add(row, LABEL["outcome"], _("Give the outcome of the case closed on this date."))
    elif outcome and not values.get("closed_on"):
        errors.add(row, LABEL["closed_on"], _("Give the date the case was closed."))
    elif not closed_on and (amount_recovered is not None or texts["sanction"] or texts["referral_result"]):
        errors.add(row, LABEL["closed_on"], _("An outcome is recorded with the date the case was closed."))
    return steps


def _add_errors(errors: ErrorList, row: int, exc: ValidationError, *, date_column: str = "",
                skip: set[str] = frozenset()) -> None:
    for field, messages in exc.message_dict.items():
        if field == "on":
            column = date_column
        elif field == NON_FIELD_ERRORS:
            column = ""
        else:
            column = FIELD_COLUMN.get(field, field)
        if LABEL.get(column, "") in skip:
            continue  # the cell was already found wrong
        for message in messages:
            errors.add(row, LABEL.get(column, ""), message)


def import_cases(data: IO[bytes] | bytes, *, user, today: dt.date | None = None) -> ImportResult:
    """Import the sheet (``ImportRejected`` lists every error; then nothing is saved)."""
    today = today or local_today()
    sheet = read_sheet(data, COLUMNS)
    errors = ErrorList()
    parsed = _parse(sheet, errors, user, today)
    result = ImportResult()
    seen: dict[str, int] = {}
    with transaction.atomic(), acting_as(user):
        existing = {case.number: case for case in Case.objects.filter(number__in=[p.number for _r, p in parsed])}
        visible = set(Case.objects.visible_to(user).filter(pk__in=[c.pk for c in existing.values()])
                      .values_list("pk", flat=True))
        for row, item in parsed:
            if not item.triable:
                continue
            if item.number in seen:
                errors.add(row, LABEL["number"], _("The same case number is also on row %(row)s.") % {
                    "row": seen[item.number]})
                continue
            seen[item.number] = row
            case = existing.get(item.number)
            if case is not None and case.pk not in visible:
                errors.add(row, LABEL["number"], _("This case number is already used by a case outside your scope."))
                continue
            try:
                with transaction.atomic():
                    outcome = _save(user, case, item, today=today, errors=errors, row=row)
                    if item.errored:
                        raise _RowFailed  # tried for its other errors only: undo it
            except _RowFailed:
                continue
            if outcome == "created":
                result.created += 1
            elif outcome == "advanced":
                result.advanced += 1
            else:
                result.unchanged += 1
        if errors:
            raise ImportRejected(sorted(errors.items, key=lambda e: (e.row, e.column)))
    return result


class _RowFailed(Exception):
    """The row's savepoint is rolled back; its errors are in the list."""


def _save(user, case: Case | None, item: ParsedRow, *, today: dt.date, errors: ErrorList, row: int) -> str:
    created = case is None
    if created:
        try:
            case = services.case_receive(user=user, today=today, **item.intake)
        except ValidationError as exc:
            _add_errors(errors, row, exc, skip=item.errored)
            raise _RowFailed from None
        done = [Status.RECEIVED]
    else:
        done = list(CaseStep.objects.filter(case=case).order_by("started_on", "pk").values_list("status", flat=True))
    wanted = [Status.RECEIVED, *(status for status, _on, _extra, _column in item.steps)]
    if wanted[:len(done)] != done:
        if done[:len(wanted)] == wanted:
            return "unchanged"  # the portal knows more than the row
        errors.add(row, LABEL["outcome"] if wanted[-1] in FINAL_STATUSES else "", _(
            "The case is “%(status)s” in the portal; the row says “%(row_status)s”.") % {
            "status": STATUS_VI[done[-1]], "row_status": STATUS_VI[wanted[-1]]})
        raise _RowFailed
    for status, on, extra, column in item.steps[len(done) - 1:]:
        try:
            services.case_advance(user=user, case=case, to_status=status, on=on, today=today, **extra)
        except ValidationError as exc:
            _add_errors(errors, row, exc, date_column=column, skip=item.errored)
            raise _RowFailed from None
    if created:
        return "created"
    return "advanced" if len(wanted) > len(done) else "unchanged"
