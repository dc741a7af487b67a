"""The worker sheet: read, check every row, then save all rows or none.

Likely duplicates (same name, date of birth and home unit as another worker
or another row, with a different citizen ID) are errors unless the importer
explicitly accepts them (``accept_duplicates``: the checkbox on the upload
screen, ``--accept-duplicates`` on the command line).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.bulk import gc_paused
from portal.formats import parse_date, parse_int
from portal.models import Unit
from portal.scoping import not_found_in_scope, unit_in_scope
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import Column, ErrorList, ImportRejected, RowError, iter_sheet, length_problem, normalise_header
from workers import checklist, services
from workers.models import (
    ChecklistItem,
    ChecklistStatus,
    Country,
    Enterprise,
    Ethnicity,
    HouseholdStatus,
    Programme,
    Sex,
    Status,
    Worker,
)
from workers.pipeline import ABROAD, BEFORE_DEPARTURE, MAY_DEPART, transition_problem
from workers.validators import citizen_id_problems, normalise_citizen_id, normalise_name

COLUMNS = [
    Column("full_name", "Họ và tên"),
    Column("citizen_id", "Số CCCD"),
    Column("date_of_birth", "Ngày sinh"),
    Column("sex", "Giới tính"),
    Column("unit_code", "Mã đơn vị"),
    Column("ethnicity", "Dân tộc", required=False),
    Column("household_status", "Diện hộ", required=False),
    Column("status", "Trạng thái", required=False),
    Column("departure_date", "Ngày xuất cảnh", required=False),
    Column("country", "Nước đến", required=False),
    Column("programme", "Chương trình", required=False),
    Column("enterprise", "Doanh nghiệp", required=False),
    Column("return_date", "Ngày về nước", required=False),
    Column("contract_end", "Ngày hết hạn hợp đồng", required=False),
    Column("contract_months", "Thời hạn hợp đồng (tháng)", required=False),
]
LABEL = {c.key: c.label for c in COLUMNS}

# Vietnamese names of the statuses as the sheet writes them (the UI labels are translated separately).
STATUS_VI = {
    Status.REGISTERED: "Đăng ký", Status.COUNSELLED: "Đã tư vấn", Status.TRAINING: "Đang đào tạo",
    Status.WAITING: "Chờ xuất cảnh", Status.DEPARTED: "Đã xuất cảnh", Status.RETURNED: "Đã về nước",
    Status.ABSCONDED: "Bỏ trốn", Status.WITHDRAWN: "Rút hồ sơ",
}
SEX_VI = {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}
_SEXES = {"nam": Sex.MALE, "male": Sex.MALE, "nu": Sex.FEMALE, "female": Sex.FEMALE}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    departures: int = 0
    returns: int = 0
    status_changes: int = 0
    contracts: int = 0  # recorded departures whose contract a row completed
    checklist: int = 0

    def __str__(self) -> str:
        text = (f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
                f"departures {self.departures}, returns {self.returns}, status changes {self.status_changes}, "
                f"contracts completed {self.contracts}")
        return f"{text}, checklist entries {self.checklist}" if self.checklist else text


@dataclass
class RowPlan:
    row: int
    worker: Worker | None
    values: dict[str, Any]
    household: list[HouseholdStatus] | None
    status: str | None
    departure: dict[str, Any] | None = None  # a new departure to record
    departure_date: dt.date | None = None
    return_date: dt.date | None = None
    new_return: bool = False
    contract: dict[str, Any] = field(default_factory=dict)  # contract_end and/or contract_months given
    contract_update: Any = None  # a recorded departure whose contract the row completes
    changes: list[str] = field(default_factory=list)
    checklist: list = field(default_factory=list)  # checklist.EntryInput of the row's "Hồ sơ: …" columns
    saved: Worker | None = None  # the worker once saved (new or known)


class _Lookups:
    """Every reference list read once, keyed the way a sheet may write it."""

    def __init__(self):
        self.ethnicities = {}
        for e in Ethnicity.objects.all():
            self.ethnicities[normalise_header(e.name)] = e
            self.ethnicities[e.code] = e
        self.household = {}
        for h in HouseholdStatus.objects.all():
            for key in (h.code, h.name_vi, h.name_en):
                self.household[normalise_header(key)] = h
        self.countries = {}
        for c in Country.objects.all():
            for key in (c.code, c.name_vi, c.name_en):
                self.countries[normalise_header(key)] = c
        self.programmes = {}
        for p in Programme.objects.all():
            for key in (p.code, p.name_vi, p.name_en):
                self.programmes[normalise_header(key)] = p
        self.statuses = {}
        for value in Status.values:
            self.statuses[normalise_header(value)] = value
            self.statuses[normalise_header(STATUS_VI[value])] = value
        self.checklist_items = {}
        for item in ChecklistItem.objects.select_related("unit"):
            for key in (item.code, item.name_vi, item.name_en):
                self.checklist_items[normalise_header(key)] = item
        self.enterprises_by_licence = {}
        self.enterprises_by_name = {}
        for ent in Enterprise.objects.all():
            self.enterprises_by_licence[ent.licence_no.strip().casefold()] = ent
            self.enterprises_by_name.setdefault(" ".join(ent.name.split()), ent)

    def enterprise(self, text: str) -> Enterprise | None:
        return self.enterprises_by_licence.get(text.strip().casefold()) or self.enterprises_by_name.get(" ".join(text.split()))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # undo the export's neutralisation, so that a file exported imports back unchanged
    return text


def _date(errors: ErrorList, row: int, key: str, value, latest: dt.date | None = None) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError
        day = parse_date(value)
    except ValueError:
        errors.add(row, LABEL[key], _("Not a date: write it as dd/mm/yyyy."))
        return None
    if (problem := bounds.date_problem(day, latest=latest)) is not None:
        errors.add(row, LABEL[key], problem)
        return None
    return day


BATCH_ROWS = 2000  # rows checked, then written, at a time: the memory of an import does not grow with the sheet


class _SheetKeys:
    """What the checks across rows keep of the rows already read (small keys, never the rows): the row of each
    citizen ID, the first row of each (name, date of birth, unit) of a checked row, the citizen IDs of the workers
    this import registers, and the keys known workers had before the import changed them (the duplicate check
    compares with the registry as it was before the import, as when the whole sheet was checked first)."""

    def __init__(self):
        # Citizen IDs as numbers (``id_key``): 200,000 rows' keys take tens of MB, not the rows' hundreds.
        self.rows: dict[int | str, int] = {}  # citizen ID → its first row, negative when a new worker's (``mark_new``)
        self.first: dict[bytes, Any] = {}  # name key, date of birth, unit id (``packed``) → row and citizen ID (``pair``)
        self.before: dict[tuple, list[str]] = defaultdict(list)  # key before the import → known workers' IDs
        self.rekeyed: set[int | str] = set()  # known workers whose key the sheet changes

    @staticmethod
    def id_key(citizen_id: str) -> int | str:
        return int(citizen_id) if len(citizen_id) == 12 and citizen_id.isdigit() else citizen_id

    def row_of(self, citizen_id: str) -> int | None:
        row = self.rows.get(self.id_key(citizen_id))
        return None if row is None else abs(row)

    def mark_new(self, citizen_id: str) -> None:
        """The row of ``citizen_id`` registers a new worker (written with its batch, unless an error came before)."""
        key = self.id_key(citizen_id)
        self.rows[key] = -abs(self.rows[key])

    def is_new(self, citizen_id: str) -> bool:
        """A worker this import registers: one the registry did not have before it."""
        return self.rows.get(self.id_key(citizen_id), 0) < 0

    @staticmethod
    def packed(key: tuple) -> bytes:
        """(name key, date of birth, unit id) as a 128-bit digest: 16 bytes for a name of any length."""
        name, born, unit_id = key
        return hashlib.blake2b(f"{name}\x00{born.toordinal()}\x00{unit_id}".encode(), digest_size=16).digest()

    @staticmethod
    def pair(row: int, citizen_id: str) -> Any:
        """(row, citizen ID) as one number when the ID is 12 digits (always, for a row without errors)."""
        number = _SheetKeys.id_key(citizen_id)
        return row << 40 | number if isinstance(number, int) else (row, citizen_id)

    @staticmethod
    def unpair(value) -> tuple[int, str]:
        return (value >> 40, f"{value & (1 << 40) - 1:012d}") if isinstance(value, int) else value


def import_workers(data: bytes, *, user, accept_duplicates: bool = False, structure: str | None = None,
                   batch_size: int | None = None) -> ImportResult:
    """Check every row of the sheet and save them all, or none (``ImportRejected`` lists every error).

    The sheet is read, checked and written ``batch_size`` rows at a time (``BATCH_ROWS``) inside one transaction:
    once a row has an error nothing more is written (the transaction is rolled back at the end), but the later
    rows are still checked so that every error of the sheet is listed.

    ``structure`` (legacy or 2025) reads every unit code in that structure; without it, a code found in
    both loaded structures is read in the one in force on the row's departure date, else today.
    """
    size = batch_size or BATCH_ROWS
    sheet, rows = iter_sheet(data, COLUMNS, keep_extra=True)
    errors = ErrorList()
    lookups = _Lookups()
    today = services.today()
    checklist_columns = _checklist_columns(sheet, errors, lookups)
    resolver = UnitResolver((), user=user, structure=structure)
    keys = _SheetKeys()
    result = ImportResult()
    problems: list[RowError] = []  # what the services refused (when every row passed the checks)
    warnings = services.DepartureWarnings()  # as of before the first batch
    with gc_paused(), transaction.atomic(), acting_as(user):
        for batch in _batches(rows, size):
            plans = _check_rows(batch, errors=errors, user=user, lookups=lookups, resolver=resolver, today=today,
                                keys=keys, checklist_columns=checklist_columns)
            if not accept_duplicates:
                _check_duplicates(errors, plans, keys)
            if not errors:  # after the first error nothing is written: the checks go on, for the list
                problems.extend(_save_batch(plans, user=user, result=result, warnings=warnings,
                                            checklist_too=not problems))
        errors.raise_if_any()  # rolls everything back
        if problems:
            raise ImportRejected(sorted(problems, key=lambda problem: problem.row))
    return result


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _check_rows(batch: list, *, errors: ErrorList, user, lookups: _Lookups, resolver: UnitResolver,
                today: dt.date, keys: _SheetKeys, checklist_columns: dict) -> list[RowPlan]:
    """The plans of a batch of rows (each checked; a row with an error has none, or has its pipeline's error)."""
    raw_ids = [normalise_citizen_id(values.get("citizen_id")) for _row, values, _cells in batch]
    known = _registered_ids([c for c in raw_ids if c and not keys.is_new(c)])
    existing = {w.citizen_id: w for w in Worker.objects.filter(citizen_id__in=known)
                .select_related("unit", "unit__parent", "ethnicity")
                .prefetch_related("household_statuses", "departures__return_record",
                                  *(["checklist"] if checklist_columns else []))}
    resolver.load({_text(v.get("unit_code")) for _r, v, _c in batch})
    latest = bounds.date_max()  # the last date a cell may give (read once, not for every cell)
    plans: list[RowPlan] = []

    for row, values, cells in batch:
        full_name = " ".join(_text(values.get("full_name")).split())
        if not full_name:
            errors.add(row, LABEL["full_name"], _("Required."))
        elif too_long := length_problem(full_name, Worker._meta.get_field("full_name").max_length):
            errors.add(row, LABEL["full_name"], too_long)
        citizen_id = normalise_citizen_id(values.get("citizen_id"))
        dob = _date(errors, row, "date_of_birth", values.get("date_of_birth"), latest)
        if values.get("date_of_birth") in (None, ""):
            errors.add(row, LABEL["date_of_birth"], _("Required."))
        elif dob and dob > today:
            errors.add(row, LABEL["date_of_birth"], _("The date of birth is in the future."))
        sex = _SEXES.get(normalise_header(values.get("sex")))
        if sex is None:
            errors.add(row, LABEL["sex"], _("Write Nam or Nữ (male or female)."))
        if not citizen_id:
            errors.add(row, LABEL["citizen_id"], _("Required."))
        else:
            for problem in citizen_id_problems(citizen_id, date_of_birth=dob, sex=sex):
                errors.add(row, LABEL["citizen_id"], problem)
            if (earlier := keys.row_of(citizen_id)) is not None:
                errors.add(row, LABEL["citizen_id"], _("This citizen ID is also on row %(row)s.") % {"row": earlier})
            else:
                keys.rows[keys.id_key(citizen_id)] = row
        unit = _resolve_unit(errors, row, resolver, _text(values.get("unit_code")),
                             _date(ErrorList(), row, "departure_date", values.get("departure_date"), latest))

        ethnicity = None
        if _text(values.get("ethnicity")):
            ethnicity = lookups.ethnicities.get(normalise_header(values["ethnicity"]))
            if ethnicity is None:
                errors.add(row, LABEL["ethnicity"], _("Unknown ethnic group “%(value)s”.") % {"value": _text(values["ethnicity"])})
        household = None
        if _text(values.get("household_status")):
            household = []
            for part in _text(values["household_status"]).split(";"):
                if not part.strip():
                    continue
                status_row = lookups.household.get(normalise_header(part))
                if status_row is None:
                    errors.add(row, LABEL["household_status"], _("Unknown household status “%(value)s”.") % {"value": part.strip()})
                else:
                    household.append(status_row)
        status = None
        if _text(values.get("status")):
            status = lookups.statuses.get(normalise_header(values["status"]))
            if status is None:
                errors.add(row, LABEL["status"], _("Unknown status “%(value)s”.") % {"value": _text(values["status"])})

        departure_date = _date(errors, row, "departure_date", values.get("departure_date"), latest)
        return_date = _date(errors, row, "return_date", values.get("return_date"), latest)
        contract = _contract(errors, row, values, departure_date, latest)
        country = programme = enterprise = None
        if _text(values.get("country")):
            country = lookups.countries.get(normalise_header(values["country"]))
            if country is None:
                errors.add(row, LABEL["country"], _("Unknown country “%(value)s”: write its Vietnamese name or ISO code (JP, KR, TW…).") % {"value": _text(values["country"])})
        if _text(values.get("programme")):
            programme = lookups.programmes.get(normalise_header(values["programme"]))
            if programme is None:
                errors.add(row, LABEL["programme"], _("Unknown programme “%(value)s”.") % {"value": _text(values["programme"])})
            elif country is not None and programme.country_id != country.pk:
                errors.add(row, LABEL["programme"], _("This programme is for %(country)s.") % {"country": programme.country.name_vi})
        if _text(values.get("enterprise")):
            enterprise = lookups.enterprise(_text(values["enterprise"]))
            if enterprise is None:
                errors.add(row, LABEL["enterprise"], _("Unknown enterprise “%(value)s”: write its licence number or exact name.") % {"value": _text(values["enterprise"])})
        if departure_date:
            if departure_date > today:
                errors.add(row, LABEL["departure_date"], _("The departure date is in the future."))
            elif dob and departure_date <= dob:
                errors.add(row, LABEL["departure_date"], _("The departure date is before the date of birth."))
            if not _text(values.get("country")):
                errors.add(row, LABEL["country"], _("Required when there is a departure date."))
        elif any(_text(values.get(k)) for k in ("country", "programme", "enterprise")):
            errors.add(row, LABEL["departure_date"], _("Required when a country, programme or enterprise is given."))
        if return_date:
            if not departure_date and values.get("departure_date") in (None, ""):
                errors.add(row, LABEL["return_date"], _("A return needs a departure date."))
            if return_date > today:
                errors.add(row, LABEL["return_date"], _("The return date is in the future."))
            elif departure_date and return_date < departure_date:
                errors.add(row, LABEL["return_date"], _("The return date is before the departure date."))

        worker = existing.get(citizen_id)
        if worker is not None and not unit_in_scope(user, worker.unit):
            errors.add(row, LABEL["citizen_id"], not_found_in_scope(
                user, _("This citizen ID belongs to a worker outside your scope.")))
            continue
        entries = _checklist_entries(errors, row, checklist_columns, cells or [], unit=unit, dob=dob,
                                     worker=worker, lookups=lookups) if checklist_columns else []
        if errors and errors.items[-1].row == row:
            continue
        plan = RowPlan(row=row, worker=worker, status=status, household=household, departure_date=departure_date,
                       return_date=return_date, contract=contract, checklist=entries, values={
                           "citizen_id": citizen_id, "full_name": full_name, "date_of_birth": dob, "sex": sex,
                           "unit": unit, **({"ethnicity": ethnicity} if ethnicity else {})})
        _plan_pipeline(errors, plan, country=country, programme=programme, enterprise=enterprise)
        if plan.departure:
            plan.departure.update(_orientation_certificate(plan.checklist, plan.departure["date"]))
        plans.append(plan)

    for plan in plans:
        worker = plan.worker
        if worker is None:
            keys.mark_new(plan.values["citizen_id"])
        elif (worker.name_key, worker.date_of_birth, worker.unit_id) != _key(plan):
            keys.rekeyed.add(keys.id_key(worker.citizen_id))
            keys.before[(worker.name_key, worker.date_of_birth, worker.unit_id)].append(worker.citizen_id)
    return plans


def _contract(errors: ErrorList, row: int, values: dict, departure_date: dt.date | None,
              latest: dt.date | None = None) -> dict[str, Any]:
    """The contract a row gives: its end (a date after the departure) and/or its length in months."""
    contract: dict[str, Any] = {}
    end = _date(errors, row, "contract_end", values.get("contract_end"), latest)
    if end is not None:
        if departure_date is not None and end <= departure_date:
            errors.add(row, LABEL["contract_end"], _("The contract ends on or before the departure date."))
        else:
            contract["contract_end"] = end
    if values.get("contract_months") not in (None, ""):
        try:
            months = parse_int(values["contract_months"])
        except ValueError:
            months = None
        if months is None or not 1 <= months <= 240:
            errors.add(row, LABEL["contract_months"], _("Write the contract length as a whole number of months "
                                                          "(1 to 240)."))
        else:
            contract["contract_months"] = months
    if (end is not None or values.get("contract_months") not in (None, "")) and values.get("departure_date") in (
            None, ""):
        errors.add(row, LABEL["departure_date"], _("Required when a contract is given."))
    return contract


def _resolve_unit(errors: ErrorList, row: int, resolver: UnitResolver, code: str, on_date: dt.date | None) -> Unit | None:
    if not code:
        errors.add(row, LABEL["unit_code"], _("Required."))
        return None
    try:
        unit = resolver.resolve(code, on_date=on_date)
    except UnitCodeError as exc:
        errors.add(row, LABEL["unit_code"], str(exc))
        return None
    if unit.level not in services.HOME_LEVELS:
        errors.add(row, LABEL["unit_code"], _("Give a commune's or a district's code, not a province's."))
        return None
    return unit


def _plan_pipeline(errors: ErrorList, plan: RowPlan, *, country, programme, enterprise) -> None:
    """Decide which departure, return and status change the row asks for, and check they make sense."""
    worker, row, wanted = plan.worker, plan.row, plan.status
    if worker is None:
        status = wanted if wanted in BEFORE_DEPARTURE | {Status.WITHDRAWN} else Status.REGISTERED
        departures: dict[dt.date, Any] = {}
    else:
        status = worker.status
        departures = {d.date: d for d in worker.departures.all()}
    if plan.departure_date and plan.departure_date not in departures:
        if wanted in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
            errors.add(row, LABEL["status"], _("This status contradicts the departure date."))
            return
        if status not in MAY_DEPART:
            errors.add(row, LABEL["departure_date"], _("The worker is already abroad: record the return first."))
            return
        if departures and max(departures) > plan.departure_date:
            errors.add(row, LABEL["departure_date"], _("The worker already has a later departure."))
            return
        plan.departure = {"date": plan.departure_date, "country": country, "programme": programme,
                          "enterprise": enterprise, **plan.contract}
        status = Status.DEPARTED
    elif plan.departure_date and plan.contract:
        _plan_contract(errors, plan, departures[plan.departure_date])
    if plan.return_date:
        departure = departures.get(plan.departure_date)
        if departure is None or not hasattr(departure, "return_record"):
            if status not in ABROAD:
                errors.add(row, LABEL["return_date"], _("A worker who has not departed cannot return."))
                return
            if departure is not None and departures and max(departures) != departure.date:
                errors.add(row, LABEL["return_date"], _("Only the latest departure can be closed by a return."))
                return
            plan.new_return = True
            status = Status.RETURNED
    if wanted and wanted != status:
        if wanted in (Status.DEPARTED, Status.RETURNED, Status.ABSCONDED) and not plan.departure_date:
            errors.add(row, LABEL["departure_date"], _("Required for the status “%(status)s”.") % {"status": STATUS_VI[wanted]})
            return
        if wanted == Status.RETURNED and not plan.return_date:
            errors.add(row, LABEL["return_date"], _("Required for the status “%(status)s”.") % {"status": STATUS_VI[wanted]})
            return
        problem = transition_problem(status, wanted)
        if problem:
            errors.add(row, LABEL["status"], problem)
            return
        plan.changes.append(wanted)


def _plan_contract(errors: ErrorList, plan: RowPlan, departure) -> None:
    """A row naming a recorded departure completes its contract when the record has none; a different one
    already recorded is an error (an extension moves a contract's end, on the worker's page)."""
    end = plan.contract.get("contract_end")
    months = plan.contract.get("contract_months")
    if end is not None and departure.contract_end is not None and end != departure.contract_end:
        errors.add(plan.row, LABEL["contract_end"], _(
            "The contract of this departure ends on %(end)s: record an extension on the worker's page to move "
            "it.") % {"end": departure.contract_end.strftime("%d/%m/%Y")})
        return
    if months is not None and departure.contract_months is not None and months != departure.contract_months:
        errors.add(plan.row, LABEL["contract_months"], _("The contract of this departure is for %(months)s "
                                                          "months.") % {"months": departure.contract_months})
        return
    if (end is not None and departure.contract_end is None) or (months is not None and departure.contract_months is None):
        plan.contract_update = departure


def _key(plan: RowPlan) -> tuple:
    return normalise_name(plan.values["full_name"]), plan.values["date_of_birth"], plan.values["unit"].pk


def _check_duplicates(errors: ErrorList, plans: list[RowPlan], keys: _SheetKeys) -> None:
    """Likely duplicates of a batch's plans: a worker of the registry as it was before the import (not one this
    import registered or changed in an earlier batch), or an earlier checked row of the sheet."""
    plan_keys = [_key(plan) for plan in plans]
    if not plan_keys:
        return
    by_key: dict[tuple, list[str]] = defaultdict(list)
    for name_key, date_of_birth, unit_id, citizen_id, legacy_id_number in _registered_with(
            {(name_key, date_of_birth) for name_key, date_of_birth, _unit in plan_keys}):
        if citizen_id and (keys.is_new(citizen_id) or keys.id_key(citizen_id) in keys.rekeyed):
            continue  # registered by this import, or its key before the import is in keys.before
        by_key[(name_key, date_of_birth, unit_id)].append(citizen_id or legacy_id_number)  # CMND: history
    for key in set(plan_keys) & keys.before.keys():
        by_key[key].extend(keys.before[key])
    first_row = keys.first
    for plan, key in zip(plans, plan_keys, strict=True):
        citizen_id = plan.values["citizen_id"]
        others = [c for c in by_key.get(key, []) if c != citizen_id]
        if others:
            errors.add(plan.row, LABEL["citizen_id"], _(
                "Likely duplicate: a registered worker has the same name, date of birth and unit with citizen ID "
                "ending %(last4)s.") % {"last4": others[0][-4:]})
        earlier_row, earlier_id = keys.unpair(first_row.setdefault(keys.packed(key), keys.pair(plan.row, citizen_id)))
        if earlier_row != plan.row and earlier_id != citizen_id:
            errors.add(plan.row, LABEL["citizen_id"], _(
                "Likely duplicate of row %(row)s (same name, date of birth and unit, another citizen ID).") % {"row": earlier_row})


PARAMS_PER_QUERY = 2000  # parameters of one lookup query, well within SQLite's limit


def _registered_ids(citizen_ids: list[str]) -> list[str]:
    """Which of ``citizen_ids`` are registered: one plain query per ``PARAMS_PER_QUERY``, so that a sheet of new
    workers (the usual one) loads no worker at all (the ORM spent more on 2,000 parameters than the database did)."""
    table = Worker._meta.db_table
    found: list[str] = []
    with connection.cursor() as cursor:
        for start in range(0, len(citizen_ids), PARAMS_PER_QUERY):
            chunk = citizen_ids[start:start + PARAMS_PER_QUERY]
            cursor.execute(f"SELECT citizen_id FROM {table} WHERE citizen_id IN ({', '.join(['%s'] * len(chunk))})",
                           chunk)
            found.extend(citizen_id for (citizen_id,) in cursor.fetchall())
    return found


def _registered_with(pairs: set[tuple[str, dt.date]]) -> list[tuple]:
    """(name key, date of birth, unit id, citizen ID, CMND) of the registered workers having one of ``pairs``.

    The pairs themselves, joined to the index ``worker_dedup``: asking for any of the names with any of the
    dates (two ``IN`` lists) matched their cross product — 64,000 workers for a batch of 2,000 common names at
    1,000,000 workers — and PostgreSQL read the whole table for it."""
    table = Worker._meta.db_table
    found: list[tuple] = []
    ordered = sorted(pairs)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), PARAMS_PER_QUERY // 2):  # two parameters a pair
            chunk = ordered[start:start + PARAMS_PER_QUERY // 2]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH k (name_key, date_of_birth) AS (VALUES {values}) "
                f"SELECT w.name_key, w.date_of_birth, w.unit_id, w.citizen_id, w.legacy_id_number "
                f"FROM {table} w JOIN k ON w.name_key = k.name_key AND w.date_of_birth = k.date_of_birth",
                [value for pair in chunk for value in pair])
            found.extend(cursor.fetchall())
    return found


def _save_batch(plans: list[RowPlan], *, user, result: ImportResult, warnings: services.DepartureWarnings,
                checklist_too: bool) -> list[RowError]:
    """A batch's new workers in bulk (``workers_register_bulk``), its known ones through the per-row services,
    then (``checklist_too``: while nothing was refused) their checklist entries; what the services refused."""
    problems = _save_new([plan for plan in plans if plan.worker is None], user=user, result=result, warnings=warnings)
    for plan in plans:
        if plan.worker is None:
            continue
        try:
            _save_row(plan, user=user, result=result)
        except ValidationError as exc:
            problems.extend(RowError(plan.row, "", message) for message in exc.messages)
    if checklist_too and not problems:
        result.checklist += checklist.checklist_save_many(user=user, entries=[
            (plan.saved or plan.worker, plan.checklist) for plan in plans if plan.checklist])
    return problems


def _new_worker(plan: RowPlan) -> services.NewWorker:
    departure = None
    if plan.departure:
        departure = services.NewDeparture(**plan.departure, return_date=plan.return_date if plan.new_return else None)
    return services.NewWorker(
        **plan.values, household_statuses=tuple(plan.household or ()),
        status=plan.status if plan.status in BEFORE_DEPARTURE | {Status.WITHDRAWN} else Status.REGISTERED,
        departure=departure, later_statuses=tuple(plan.changes))


def _save_new(plans: list[RowPlan], *, user, result: ImportResult, warnings: services.DepartureWarnings | None = None
              ) -> list[RowError]:
    try:
        saved = services.workers_register_bulk(user=user, workers=[_new_worker(plan) for plan in plans],
                                               note=_("Imported from Excel"), warnings=warnings)
    except services.BulkRejected as exc:
        return [RowError(plans[position].row, "", message)
                for position in sorted(exc.problems) for message in exc.problems[position]]
    for plan, worker in zip(plans, saved, strict=True):
        plan.saved = worker
    result.created += len(plans)
    result.departures += sum(1 for plan in plans if plan.departure)
    result.returns += sum(1 for plan in plans if plan.new_return)
    result.status_changes += sum(len(plan.changes) for plan in plans)
    return []


def _save_row(plan: RowPlan, *, user, result: ImportResult) -> None:
    """One row through the per-row services: a known worker (or, in tests, the reference for the bulk path)."""
    values = plan.values
    worker = plan.worker
    note = _("Imported from Excel")
    if worker is None:
        worker = services.worker_register(
            user=user, **values, household_statuses=plan.household or (),
            status=plan.status if plan.status in BEFORE_DEPARTURE | {Status.WITHDRAWN} else Status.REGISTERED,
            note=note, confirm_duplicate=True)
        result.created += 1
    else:
        changed = {k: v for k, v in values.items() if getattr(worker, k) != v}
        household_changed = plan.household is not None and (
            {h.pk for h in plan.household} != {h.pk for h in worker.household_statuses.all()})
        if changed or household_changed:
            worker = services.worker_update(
                user=user, worker=worker, version=worker.version, confirm_duplicate=True,
                household_statuses=plan.household if household_changed else None, **changed)
            result.updated += 1
        else:
            result.unchanged += 1
    departure = None
    if plan.departure:
        departure = services.departure_record(user=user, worker=worker, note=note, **plan.departure)
        result.departures += 1
    elif plan.contract_update is not None:
        recorded = plan.contract_update
        services.contract_update(
            user=user, departure=recorded,
            contract_end=plan.contract.get("contract_end") or recorded.contract_end,
            contract_months=plan.contract.get("contract_months") or recorded.contract_months,
            employer_name=recorded.employer_name, employer_country=recorded.employer_country,
            employer_sector=recorded.employer_sector, monthly_wage=recorded.monthly_wage,
            wage_currency=recorded.wage_currency)
        result.contracts += 1
    if plan.new_return:
        if departure is None:  # a departure known already (read with the worker)
            departure = next(d for d in worker.departures.all() if d.date == plan.departure_date)
        services.return_record(user=user, departure=departure, date=plan.return_date, note=note)
        result.returns += 1
    for status in plan.changes:
        services.worker_change_status(user=user, worker=worker, to_status=status, note=note)
        result.status_changes += 1


# --- The pre-departure checklist columns ("Hồ sơ: <item>", "Ngày hồ sơ: <item>") --------------------------------------

CHECKLIST_PREFIXES = ("hoso", "checklist")  # normalised "Hồ sơ: …" / "checklist: …"
CHECKLIST_DATE_PREFIXES = ("ngayhoso", "checklistdate")  # normalised "Ngày hồ sơ: …" / "checklist date: …"
# What a "Hồ sơ: …" cell may say instead of a document number (normalised) → status.
CHECKLIST_WORDS = {
    **dict.fromkeys(("co", "daco", "dat", "done", "yes", "passed", "x"), ChecklistStatus.DONE),
    **dict.fromkeys(("khongdat", "failed", "fail"), ChecklistStatus.FAILED),
    **dict.fromkeys(("chua", "chuaco", "pending", "no"), ChecklistStatus.PENDING),
    **dict.fromkeys(("khongapdung", "khongcan", "waived", "na"), ChecklistStatus.WAIVED),
}


@dataclass
class ChecklistColumns:
    item: ChecklistItem
    value: tuple[str, int] | None = None  # (header, index) of "Hồ sơ: <item>"
    date: tuple[str, int] | None = None  # (header, index) of "Ngày hồ sơ: <item>"

    @property
    def value_label(self) -> str:
        return self.value[0] if self.value else f"Hồ sơ: {self.item.name_vi}"

    @property
    def date_label(self) -> str:
        return self.date[0] if self.date else f"Ngày hồ sơ: {self.item.name_vi}"


def checklist_headers(item: ChecklistItem) -> tuple[str, str]:
    """The two headers of an item in the sheet (the template writes them)."""
    return f"Hồ sơ: {item.name_vi}", f"Ngày hồ sơ: {item.name_vi}"


def _checklist_columns(sheet, errors: ErrorList, lookups: _Lookups) -> dict[int, ChecklistColumns]:
    """The checklist columns among the headers the worker sheet does not know (item id → columns); an unknown
    item is an error on the header row."""
    found: dict[int, ChecklistColumns] = {}
    for header, index in sheet.extra.items():
        key = normalise_header(header)
        prefix = next((p for p in (*CHECKLIST_DATE_PREFIXES, *CHECKLIST_PREFIXES) if key.startswith(p)), None)
        if prefix is None:
            continue  # another column of the province's own: ignored, as before
        name = key[len(prefix):]
        item = lookups.checklist_items.get(name)
        if item is None:
            errors.add(1, header, _("Unknown checklist item “%(item)s”: write the name or code of an item of the "
                                    "pre-departure checklist.") % {"item": header.split(":", 1)[-1].strip()})
            continue
        columns = found.setdefault(item.pk, ChecklistColumns(item))
        which = "date" if prefix in CHECKLIST_DATE_PREFIXES else "value"
        if getattr(columns, which) is not None:
            errors.add(1, header, _("The column appears twice."))
            continue
        setattr(columns, which, (header, index))
    return found


def _checklist_entries(errors: ErrorList, row: int, columns: dict[int, ChecklistColumns], cells: list, *, unit,
                       dob, worker: Worker | None, lookups: _Lookups) -> list:
    """The row's checklist entries (what its cells say, over what is recorded), each checked."""
    recorded = {entry.item_id: entry for entry in worker.checklist.all()} if worker is not None else {}
    applies = {item.pk for item in checklist.items_for(unit, lookups.checklist_items.values())} if unit else set()
    entries = []
    for item_id, column in columns.items():
        item = column.item
        text = _text(cells[column.value[1]]) if column.value and column.value[1] < len(cells) else ""
        raw_date = cells[column.date[1]] if column.date and column.date[1] < len(cells) else None
        if not text and raw_date in (None, ""):
            continue
        day = None
        if raw_date not in (None, ""):
            try:
                if isinstance(raw_date, (int, float)) and not isinstance(raw_date, bool):
                    raise ValueError
                day = parse_date(raw_date)
            except ValueError:
                errors.add(row, column.date_label, _("Not a date: write it as dd/mm/yyyy."))
                continue
            if (problem := bounds.date_problem(day)) is not None:
                errors.add(row, column.date_label, problem)
                continue
        if unit is not None and item_id not in applies:
            errors.add(row, column.value_label, _("The item “%(item)s” does not apply to this worker's province.")
                       % {"item": item.name_vi})
            continue
        status = CHECKLIST_WORDS.get(normalise_header(text)) if text else None
        number = "" if status is not None else text
        if status is None:
            if not text and item.has_result:
                errors.add(row, column.value_label, _("Write the result: Đạt or Không đạt."))
                continue
            status = ChecklistStatus.DONE
        current = recorded.get(item_id)
        entry = checklist.EntryInput(
            item=item, status=status, date=day or (current.date if current else None),
            document_no=number or (current.document_no if current else ""),
            result=current.result if current else "", note=current.note if current else "")
        problems = checklist.entry_problems(entry, date_of_birth=dob)
        for name, message in problems.items():
            errors.add(row, column.date_label if name == "date" else column.value_label, message)
        if not problems:
            entries.append(entry)
    return entries


def _orientation_certificate(entries: list, departure_date: dt.date) -> dict[str, Any]:
    """The departure's orientation certificate, from the row's checklist (when dated by the departure)."""
    for entry in entries:
        if (entry.item.code == "orientation_cert" and entry.status == ChecklistStatus.DONE and entry.document_no
                and entry.date and entry.date <= departure_date):
            return {"orientation_cert_no": entry.document_no, "orientation_cert_date": entry.date}
    return {}
