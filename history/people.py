"""A list of workers from history: each row a person, and usually a trip (departure, maybe the return).

Rows of one person (the same CCCD or CMND, or a row giving both) make one worker with their trips in date order.
A person the registry knows already (by CCCD or CMND) gets only what it lacks: a trip after their last recorded
event, or the return of their latest trip; history never overwrites what the registry holds, and a person whose
record says another name or date of birth is an error to check. Every status change is dated by its event.

A 9-digit CMND is kept as such (``Worker.legacy_id_number``, the CCCD left empty), never turned into a CCCD.
The same name, date of birth and home unit under two different ID numbers is an error (the same person typed
twice), unless the user accepts likely duplicates; against a registered worker with a CCCD, a historic record
with a CMND alone is no error but a likely link, for an official to confirm on the worker's page.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from history.context import SAMPLE_ROWS, Context, data_rows
from history.mapping import COUNTRY_ALIASES, id_digits
from portal.masking import mask
from portal.models import Unit
from portal.scoping import not_found_in_scope, unit_in_scope
from portal.xlsx import length_problem, normalise_header
from workers import services
from workers.models import (
    Country,
    Departure,
    Enterprise,
    Ethnicity,
    HouseholdStatus,
    Programme,
    Sex,
    Status,
    Worker,
)
from workers.pipeline import ABROAD, MAY_DEPART
from workers.validators import citizen_id_problems, normalise_name

DATE_KEYS = ("date_of_birth", "dob_male", "dob_female", "departure_date", "return_date", "registered_on")
_SEXES = {"nam": Sex.MALE, "male": Sex.MALE, "m": Sex.MALE, "nu": Sex.FEMALE, "female": Sex.FEMALE, "f": Sex.FEMALE}


class Lookups:
    """Reference lists read once, keyed as sheets write them."""

    def __init__(self):
        self.countries: dict[str, Country] = {}
        by_code = {}
        for c in Country.objects.all():
            by_code[c.code] = c
            for key in (c.code, c.name_vi, c.name_en):
                self.countries[normalise_header(key)] = c
        for alias, code in COUNTRY_ALIASES.items():
            if code in by_code:
                self.countries.setdefault(alias, by_code[code])
        self.programmes = {}
        for p in Programme.objects.all():
            for key in (p.code, p.name_vi, p.name_en):
                self.programmes[normalise_header(key)] = p
        self.enterprises: dict[str, Enterprise] = {}
        for e in Enterprise.objects.all():
            self.enterprises.setdefault(normalise_header(e.licence_no), e)
            self.enterprises.setdefault(normalise_header(e.name), e)
        self.ethnicities = {}
        for e in Ethnicity.objects.all():
            self.ethnicities[normalise_header(e.name)] = e
            self.ethnicities[e.code] = e
        self.household = {}
        for h in HouseholdStatus.objects.all():
            for key in (h.code, h.name_vi, h.name_en):
                self.household[normalise_header(key)] = h


@dataclass
class Trip:
    row: int
    departure: dt.date
    country: Country
    programme: Programme | None = None
    enterprise: Enterprise | None = None
    return_date: dt.date | None = None


@dataclass
class PersonRow:
    row: int
    full_name: str = ""
    citizen_id: str = ""
    legacy_id: str = ""
    dob: dt.date | None = None
    sex: str | None = None
    unit: Unit | None = None
    unit_text: str = ""
    registered_on: dt.date | None = None
    trip: Trip | None = None
    ethnicity: Ethnicity | None = None
    household: tuple[HouseholdStatus, ...] = ()
    ok: bool = True


@dataclass
class Person:
    rows: list[PersonRow]
    existing: Worker | None = None
    trips: list[Trip] = field(default_factory=list)
    new_trips: list[Trip] = field(default_factory=list)  # for a known worker: trips to add
    new_returns: list[tuple[Departure, Trip]] = field(default_factory=list)  # for a known worker

    @property
    def first(self) -> PersonRow:
        return self.rows[0]

    @property
    def latest(self) -> PersonRow:
        return max(self.rows, key=lambda r: _event_day(r) or dt.date.min)

    @property
    def citizen_id(self) -> str:
        return next((r.citizen_id for r in self.rows if r.citizen_id), "")

    @property
    def legacy_id(self) -> str:
        return next((r.legacy_id for r in self.rows if r.legacy_id), "")


@dataclass
class PeopleWrites:
    new: list[tuple[services.NewWorker, list[Trip]]] = field(default_factory=list)
    known: list[Person] = field(default_factory=list)


def _event_day(row: PersonRow) -> dt.date | None:
    if row.trip is not None:
        return row.trip.return_date or row.trip.departure
    return row.registered_on


def plan_people(ctx: Context) -> None:
    plan = ctx.plan
    ctx.check_date_orders(DATE_KEYS)
    asked = {q.label for q in plan.date_questions}
    rows = data_rows(ctx, ("full_name", "id_number", "citizen_id", "legacy_id_number"), "full_name")
    plan.rows = len(rows)
    lookups = Lookups()
    today = services.today()
    people_rows: list[PersonRow] = []
    unknown_enterprises: dict[str, int] = defaultdict(int)
    for position, (number, cells) in enumerate(rows):
        if position % 2000 == 0:
            ctx.progress(5 + int(55 * position / max(1, len(rows))))
        people_rows.append(_read_row(ctx, number, cells, lookups, today, unknown_enterprises))
    if asked:  # the values of a column in question are not errors yet: the user answers first
        plan.errors.items = [e for e in plan.errors.items if e.column not in asked]
    for name, count in sorted(unknown_enterprises.items()):
        plan.warnings.append(_("%(count)s row(s) name the enterprise “%(name)s”, which is not in the list of sending "
                               "enterprises: their departures are recorded without an enterprise.")
                             % {"count": count, "name": name})
    ctx.progress(65)
    persons = _group(ctx, [r for r in people_rows if r.ok])
    _match_registry(ctx, persons)
    ctx.progress(75)
    writes = PeopleWrites()
    counts = {"new_workers": 0, "updated_workers": 0, "unchanged_workers": 0, "departures": 0, "returns": 0,
              "history_figures": 0, "possible_links": 0}
    for person in persons:
        if not _plan_trips(ctx, person):
            continue
        if person.existing is None:
            first = person.trips[0] if person.trips else None
            row = person.latest
            new = services.NewWorker(
                citizen_id=person.citizen_id, legacy_id_number=person.legacy_id, full_name=person.first.full_name,
                date_of_birth=person.first.dob, sex=person.first.sex, unit=row.unit,
                ethnicity=next((r.ethnicity for r in person.rows if r.ethnicity), None),
                household_statuses=next((r.household for r in person.rows if r.household), ()),
                registered_on=min((r.registered_on for r in person.rows if r.registered_on), default=None),
                departure=services.NewDeparture(
                    date=first.departure, country=first.country, programme=first.programme,
                    enterprise=first.enterprise, return_date=first.return_date) if first else None)
            writes.new.append((new, person.trips[1:]))
            counts["new_workers"] += 1
            counts["departures"] += len(person.trips)
            counts["returns"] += sum(1 for t in person.trips if t.return_date)
        elif person.new_trips or person.new_returns:
            writes.known.append(person)
            counts["updated_workers"] += 1
            counts["departures"] += len(person.new_trips)
            counts["returns"] += sum(1 for t in person.new_trips if t.return_date) + len(person.new_returns)
        else:
            counts["unchanged_workers"] += 1
    counts["possible_links"] = _check_duplicates(ctx, persons)
    ctx.progress(85)
    plan.counts = counts
    plan.writes = writes
    plan.sample = _sample(people_rows[:SAMPLE_ROWS], persons)


def _read_row(ctx: Context, row: int, cells: list[Any], lookups: Lookups, today: dt.date,
              unknown_enterprises: dict[str, int]) -> PersonRow:
    errors = ctx.plan.errors
    before = len(errors)
    item = PersonRow(row=row)
    item.full_name = ctx.text(cells, "full_name")
    if not item.full_name:
        errors.add(row, ctx.label("full_name"), _("Required."))
    elif too_long := length_problem(item.full_name, Worker._meta.get_field("full_name").max_length):
        errors.add(row, ctx.label("full_name"), too_long)
    _read_ids(ctx, row, cells, item)
    # The date of birth, maybe in the column of the person's sex.
    before_dob = len(errors)
    dob_male = ctx.date(row, cells, "dob_male")
    dob_female = ctx.date(row, cells, "dob_female")
    item.dob = ctx.date(row, cells, "date_of_birth") or dob_male or dob_female
    if item.dob is None and len(errors) == before_dob:
        errors.add(row, ctx.label("date_of_birth" if "date_of_birth" in ctx.columns else "dob_male"),
                   _("Required."))
    elif item.dob and item.dob > today:
        errors.add(row, ctx.label("date_of_birth"), _("The date of birth is in the future."))
    item.sex = _read_sex(ctx, cells, ctx.value(cells, "dob_male"), ctx.value(cells, "dob_female"), item.citizen_id)
    if item.sex is None:
        errors.add(row, ctx.label("sex" if "sex" in ctx.columns else "full_name"),
                   _("The sex is not given: write Nam or Nữ."))
    if item.citizen_id and item.dob:
        for problem in citizen_id_problems(item.citizen_id, date_of_birth=item.dob, sex=item.sex):
            errors.add(row, ctx.label(_id_column(ctx, "citizen_id")), problem)
    item.registered_on = ctx.date(row, cells, "registered_on")
    departure = ctx.date(row, cells, "departure_date")
    return_date = ctx.date(row, cells, "return_date")
    _read_trip(ctx, row, cells, item, departure, return_date, lookups, today, unknown_enterprises)
    _read_unit(ctx, row, cells, item)
    if ctx.text(cells, "ethnicity"):
        item.ethnicity = lookups.ethnicities.get(normalise_header(ctx.text(cells, "ethnicity")))
        if item.ethnicity is None:
            errors.add(row, ctx.label("ethnicity"), _("Unknown ethnic group “%(value)s”.")
                       % {"value": ctx.text(cells, "ethnicity")})
    if ctx.text(cells, "household_status"):
        found = []
        for part in ctx.text(cells, "household_status").split(";"):
            if part.strip():
                status = lookups.household.get(normalise_header(part))
                if status is None:
                    errors.add(row, ctx.label("household_status"), _("Unknown household status “%(value)s”.")
                               % {"value": part.strip()})
                else:
                    found.append(status)
        item.household = tuple(found)
    item.ok = len(errors) == before
    return item


def _id_column(ctx: Context, key: str) -> str:
    return key if key in ctx.columns else "id_number"


def _read_ids(ctx: Context, row: int, cells: list[Any], item: PersonRow) -> None:
    errors = ctx.plan.errors
    given = False
    for key in ("id_number", "citizen_id", "legacy_id_number"):
        value = ctx.value(cells, key)
        if value is None:
            continue
        given = True
        digits = id_digits(value)
        if not digits.isdigit() or len(digits) not in (9, 12):
            errors.add(row, ctx.label(key), _("An ID number has 12 digits (CCCD) or 9 digits (old CMND): “%(value)s”.")
                       % {"value": ctx.text(cells, key)})
            continue
        if key == "citizen_id" and len(digits) != 12:
            errors.add(row, ctx.label(key), _("The citizen ID must have exactly 12 digits."))
            continue
        if key == "legacy_id_number" and len(digits) != 9:
            errors.add(row, ctx.label(key), _("The old ID card number (CMND) has 9 digits."))
            continue
        target = "citizen_id" if len(digits) == 12 else "legacy_id"
        if getattr(item, target) and getattr(item, target) != digits:
            errors.add(row, ctx.label(key), _("The row gives two different ID numbers of one kind."))
            continue
        setattr(item, target, digits)
    if not given:
        errors.add(row, ctx.label(_id_column(ctx, "id_number")), _("Required: the CCCD or the old CMND."))


def _read_sex(ctx: Context, cells: list[Any], dob_male, dob_female, citizen_id: str) -> str | None:
    """From the sex column, a mark in the men's or women's column, the column the date of birth stands in (its
    cell, read or not), or the CCCD's 4th digit."""
    text = normalise_header(ctx.text(cells, "sex"))
    if text in _SEXES:
        return _SEXES[text]
    male, female = normalise_header(ctx.text(cells, "male_mark")), normalise_header(ctx.text(cells, "female_mark"))
    if male and not female:  # a mark ("x", "1"…) in the men's column
        return Sex.MALE
    if female and not male:
        return Sex.FEMALE
    if dob_male is not None and dob_female is None:
        return Sex.MALE
    if dob_female is not None and dob_male is None:
        return Sex.FEMALE
    if citizen_id and len(citizen_id) == 12 and citizen_id[3] in "0123":
        return Sex.MALE if int(citizen_id[3]) % 2 == 0 else Sex.FEMALE
    return None


def _read_trip(ctx: Context, row: int, cells: list[Any], item: PersonRow, departure: dt.date | None,
               return_date: dt.date | None, lookups: Lookups, today: dt.date,
               unknown_enterprises: dict[str, int]) -> None:
    errors = ctx.plan.errors
    country = programme = enterprise = None
    country_text = ctx.text(cells, "country")
    if country_text:
        country = lookups.countries.get(normalise_header(country_text))
        if country is None:
            errors.add(row, ctx.label("country"), _("Unknown country “%(value)s”: write its Vietnamese name or ISO "
                                                    "code (JP, KR, TW…).") % {"value": country_text})
    programme_text = ctx.text(cells, "programme")
    if programme_text:
        programme = lookups.programmes.get(normalise_header(programme_text))
        if programme is None:
            errors.add(row, ctx.label("programme"), _("Unknown programme “%(value)s”.") % {"value": programme_text})
        elif country is not None and programme.country_id != country.pk:
            errors.add(row, ctx.label("programme"), _("This programme is for %(country)s.")
                       % {"country": programme.country.name_vi})
    enterprise_text = ctx.text(cells, "enterprise")
    if enterprise_text:
        enterprise = lookups.enterprises.get(normalise_header(enterprise_text))
        if enterprise is None:
            unknown_enterprises[enterprise_text] += 1
    if departure:
        if departure > today:
            errors.add(row, ctx.label("departure_date"), _("The departure date is in the future."))
        elif item.dob and departure <= item.dob:
            errors.add(row, ctx.label("departure_date"), _("The departure date is before the date of birth."))
        if not country_text:
            errors.add(row, ctx.label("country"), _("Required when there is a departure date."))
    elif country_text and "departure_date" in ctx.columns:
        errors.add(row, ctx.label("departure_date"), _("Required when a country is given."))
    if return_date:
        if not departure:
            errors.add(row, ctx.label("return_date"), _("A return needs a departure date."))
        elif return_date > today:
            errors.add(row, ctx.label("return_date"), _("The return date is in the future."))
        elif return_date < departure:
            errors.add(row, ctx.label("return_date"), _("The return date is before the departure date."))
    if not departure and not item.registered_on:
        errors.add(row, ctx.label("departure_date" if "departure_date" in ctx.columns else "registered_on"),
                   _("A row of history needs the date of its event: the departure (or the registration)."))
    if departure and country is not None:
        item.trip = Trip(row=row, departure=departure, country=country, programme=programme, enterprise=enterprise,
                         return_date=return_date)


def _read_unit(ctx: Context, row: int, cells: list[Any], item: PersonRow) -> None:
    errors = ctx.plan.errors
    day = (item.trip.departure if item.trip else None) or item.registered_on
    structure = ctx.structure_on(day)
    code = ctx.text(cells, "unit_code")
    if code:
        column = ctx.label("unit_code")
        unit = ctx.matcher.by_code.get(structure, {}).get(code)
        if unit is None:
            errors.add(row, column, _("Unknown unit code %(code)s.") % {"code": code})
            return
    else:
        text = ctx.text(cells, "address") or ", ".join(
            t for t in (ctx.text(cells, "commune"), ctx.text(cells, "district")) if t)
        column = ctx.label("address" if "address" in ctx.columns else "commune")
        if not text:
            errors.add(row, column, _("Required: the address of the worker's home."))
            return
        item.unit_text = text
        unit = ctx.unit_for(row, text, structure=structure, column=column)
        if unit is None:
            return
    if unit.level not in services.HOME_LEVELS:
        errors.add(row, column, _("Give a commune's or a district's address, not a province's."))
        return
    if not unit_in_scope(ctx.user, unit, inherited=True):
        errors.add(row, column, _("The unit %(unit)s is outside your scope.") % {"unit": unit.name})
        return
    item.unit = unit


class _Groups:
    """Union–find over the ID numbers: rows sharing a CCCD or a CMND are one person."""

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        while self.parent.setdefault(key, key) != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _group(ctx: Context, rows: list[PersonRow]) -> list[Person]:
    groups = _Groups()
    for row in rows:
        keys = [k for k in (f"c{row.citizen_id}" if row.citizen_id else "", f"l{row.legacy_id}" if row.legacy_id
                            else "") if k]
        for key in keys[1:]:
            groups.union(keys[0], key)
        groups.find(keys[0])
    by_root: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        by_root[groups.find(f"c{row.citizen_id}" if row.citizen_id else f"l{row.legacy_id}")].append(row)
    persons = []
    errors = ctx.plan.errors
    for members in by_root.values():
        members.sort(key=lambda r: r.row)
        first = members[0]
        consistent = True
        for other in members[1:]:
            if normalise_name(other.full_name) != normalise_name(first.full_name) or other.dob != first.dob:
                errors.add(other.row, ctx.label(_id_column(ctx, "id_number")), _(
                    "The ID number is also on row %(row)s, with another name or date of birth.") % {"row": first.row})
                consistent = False
            ids = {(r.citizen_id, r.legacy_id) for r in members}
            if len({c for c, _l in ids if c}) > 1 or len({legacy for _c, legacy in ids if legacy}) > 1:
                errors.add(other.row, ctx.label(_id_column(ctx, "id_number")), _(
                    "Rows %(rows)s give this person two different numbers of one kind.")
                    % {"rows": ", ".join(str(r.row) for r in members[:5])})
                consistent = False
                break
        if consistent:
            persons.append(Person(rows=members))
    return persons


def _match_registry(ctx: Context, persons: list[Person]) -> None:
    """The registered workers with the persons' ID numbers (one query), with their departures and last event."""
    cccds = {p.citizen_id for p in persons if p.citizen_id}
    cmnds = {p.legacy_id for p in persons if p.legacy_id}
    if not cccds and not cmnds:
        return
    condition = Q(pk__in=[])
    if cccds:
        condition |= Q(citizen_id__in=cccds)
    if cmnds:
        condition |= Q(legacy_id_number__in=cmnds)
    found = list(Worker.objects.filter(condition).select_related("unit").prefetch_related("departures__return_record")
                 .annotate(last_event=Max("status_changes__at")))
    by_cccd = {w.citizen_id: w for w in found if w.citizen_id}
    by_cmnd = {w.legacy_id_number: w for w in found if w.legacy_id_number}
    errors = ctx.plan.errors
    column = ctx.label(_id_column(ctx, "id_number"))
    for person in persons:
        matches = {w.pk: w for w in (by_cccd.get(person.citizen_id), by_cmnd.get(person.legacy_id)) if w}
        if not matches:
            continue
        row = person.first.row
        if len(matches) > 1:
            errors.add(row, column, _("The CCCD and the CMND of this row belong to two registered workers: link them "
                                      "on the worker's page instead."))
            person.rows = []
            continue
        worker = next(iter(matches.values()))
        if not unit_in_scope(ctx.user, worker.unit, inherited=True):
            errors.add(row, column, not_found_in_scope(ctx.user, _("This ID number belongs to a worker outside your scope.")))
            person.rows = []
            continue
        if worker.name_key != normalise_name(person.first.full_name) or worker.date_of_birth != person.first.dob:
            errors.add(row, column, _("This ID number belongs to a registered worker with another name or date of "
                                      "birth (%(name)s, %(dob)s): check it.") % {
                "name": worker.full_name, "dob": worker.date_of_birth.strftime("%d/%m/%Y")})
            person.rows = []
            continue
        person.existing = worker


def _plan_trips(ctx: Context, person: Person) -> bool:
    """Order the person's trips and check they follow each other; for a known worker, keep what the registry lacks.
    False when the person cannot be imported (the reasons are errors)."""
    if not person.rows:
        return False
    errors = ctx.plan.errors
    trips: dict[dt.date, Trip] = {}
    for row in person.rows:
        trip = row.trip
        if trip is None:
            continue
        same = trips.get(trip.departure)
        if same is None:
            trips[trip.departure] = trip
        elif trip.return_date and same.return_date and trip.return_date != same.return_date:
            errors.add(trip.row, ctx.label("return_date"), _(
                "Row %(row)s gives the same departure with another return date.") % {"row": same.row})
            return False
        elif trip.return_date and not same.return_date:
            same.return_date = trip.return_date
    ordered = [trips[day] for day in sorted(trips)]
    for trip, following in zip(ordered, ordered[1:], strict=False):
        if trip.return_date is None:
            errors.add(trip.row, ctx.label("return_date"), _(
                "The same worker departs again on %(date)s (row %(row)s): give the return date of this trip.")
                % {"date": following.departure.strftime("%d/%m/%Y"), "row": following.row})
            return False
        if trip.return_date > following.departure:
            errors.add(trip.row, ctx.label("return_date"), _(
                "The return comes after the next departure (row %(row)s).") % {"row": following.row})
            return False
    person.trips = ordered
    worker = person.existing
    if worker is None:
        return True
    known = {d.date: d for d in worker.departures.all()}
    latest = max(known) if known else None
    last_event = worker.last_event.date() if getattr(worker, "last_event", None) else None
    status = worker.status
    for trip in ordered:
        departure = known.get(trip.departure)
        if departure is not None:
            if trip.return_date and not hasattr(departure, "return_record"):
                if departure.date != latest or status not in ABROAD:
                    errors.add(trip.row, ctx.label("return_date"), _(
                        "Only the return of the worker's latest trip can be added."))
                    return False
                person.new_returns.append((departure, trip))
                status = Status.RETURNED
            continue
        if last_event and trip.departure <= last_event or latest and trip.departure <= latest:
            errors.add(trip.row, ctx.label("departure_date"), _(
                "The registry already holds events of this worker up to %(date)s: history can add only what came "
                "after.") % {"date": (last_event or latest).strftime("%d/%m/%Y")})
            return False
        if status not in MAY_DEPART:
            errors.add(trip.row, ctx.label("departure_date"), _(
                "The worker is abroad in the registry: the return of their trip is not recorded."))
            return False
        person.new_trips.append(trip)
        status = Status.RETURNED if trip.return_date else Status.DEPARTED
        last_event = trip.return_date or trip.departure
    return True


def _check_duplicates(ctx: Context, persons: list[Person]) -> int:
    """The same name, date of birth and home unit under another ID number: an error within the file and against a
    registered worker with the same kind of number; a likely link (counted, not an error) against a registered
    worker known by the other kind of number."""
    errors = ctx.plan.errors
    column = ctx.label(_id_column(ctx, "id_number"))
    keyed: dict[tuple, Person] = {}
    candidates = [p for p in persons if p.rows and p.existing is None and p.latest.unit is not None]
    for person in candidates:
        key = (normalise_name(person.first.full_name), person.first.dob, person.latest.unit.pk)
        earlier = keyed.setdefault(key, person)
        if earlier is not person and not ctx.batch.accept_duplicates:
            errors.add(person.first.row, column, _(
                "Likely duplicate of row %(row)s (same name, date of birth and unit, another ID number).")
                % {"row": earlier.first.row})
    if not keyed:
        return 0
    registered = Worker.objects.filter(name_key__in={k[0] for k in keyed}, date_of_birth__in={k[1] for k in keyed})
    links = 0
    for worker in registered.only("name_key", "date_of_birth", "unit_id", "citizen_id", "legacy_id_number"):
        person = keyed.get((worker.name_key, worker.date_of_birth, worker.unit_id))
        if person is None:
            continue
        same_kind = (person.citizen_id and worker.citizen_id) or (person.legacy_id and worker.legacy_id_number
                                                                   and not person.citizen_id)
        if same_kind:
            if not ctx.batch.accept_duplicates:
                errors.add(person.first.row, column, _(
                    "Likely duplicate: a registered worker has the same name, date of birth and unit with an ID "
                    "number ending %(last4)s.") % {"last4": worker.id_number[-4:]})
        else:
            links += 1
    if links:
        ctx.plan.warnings.append(_(
            "%(count)s person(s) known here by their old CMND look like workers registered with a CCCD (same name, "
            "date of birth and unit): they are brought in as historic records; link them on the worker's page.")
            % {"count": links})
    return links


def _sample(rows: list[PersonRow], persons: list[Person]) -> list[dict[str, Any]]:
    outcome: dict[int, str] = {}
    for person in persons:
        label = "new" if person.existing is None else ("update" if person.new_trips or person.new_returns
                                                       else "unchanged")
        for row in person.rows:
            outcome[row.row] = label
    sample = []
    for row in rows:
        sample.append({
            "row": row.row, "full_name": row.full_name,
            "id": mask(row.citizen_id or row.legacy_id) if (row.citizen_id or row.legacy_id) else "",
            "id_kind": "CCCD" if row.citizen_id else ("CMND" if row.legacy_id else ""),
            "dob": row.dob.strftime("%d/%m/%Y") if row.dob else "",
            "sex": {Sex.MALE: "Nam", Sex.FEMALE: "Nữ"}.get(row.sex, ""),
            "unit": f"{row.unit.name}, {row.unit.parent.name}" if row.unit and row.unit.parent_id else (
                row.unit.name if row.unit else ""),
            "address": row.unit_text,
            "country": row.trip.country.name_vi if row.trip else "",
            "departure": row.trip.departure.strftime("%d/%m/%Y") if row.trip else "",
            "return": row.trip.return_date.strftime("%d/%m/%Y") if row.trip and row.trip.return_date else "",
            "outcome": outcome.get(row.row, "error"),
        })
    return sample


# --- Writing -----------------------------------------------------------------------------------------------------


def commit_people(*, user, writes: PeopleWrites, note: str, log) -> None:
    """Register the new workers in bulk with their first trip (status changes dated by the events), then their
    further trips and what known workers lacked through the per-row services, each logged for the rollback."""
    created = services.workers_register_bulk(user=user, workers=[new for new, _extra in writes.new], note=note,
                                             dated_by_events=True, inherited_units=True)
    log.created_workers([worker.pk for worker in created])
    for worker, (_new, extra) in zip(created, writes.new, strict=True):
        for trip in extra:  # rows of a new worker: removed with the worker on rollback
            _record_trip(user=user, worker=worker, trip=trip, note=note, log=None)
    for person in writes.known:
        worker = person.existing
        log.changed(worker, ["status"])
        for departure, trip in person.new_returns:
            record = services.return_record(user=user, departure=departure, date=trip.return_date, note=note,
                                            at=services.event_time(trip.return_date))
            log.created(record)
        for trip in person.new_trips:
            _record_trip(user=user, worker=worker, trip=trip, note=note, log=log)
        log.status_changes_of(worker)


def _record_trip(*, user, worker: Worker, trip: Trip, note: str, log) -> None:
    departure = services.departure_record(
        user=user, worker=worker, date=trip.departure, country=trip.country, programme=trip.programme,
        enterprise=trip.enterprise, note=note, at=services.event_time(trip.departure))
    if log is not None:
        log.created(departure)
    if trip.return_date:
        record = services.return_record(user=user, departure=departure, date=trip.return_date, note=note,
                                        at=services.event_time(trip.return_date))
        if log is not None:
            log.created(record)
