"""Writes on the worker registry. Every service validates, writes inside one
transaction, leaves a ``StatusChange`` row when the status moves, and returns
the object. Errors are ``ValidationError`` keyed by field where one is to blame.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Level, Unit
from portal.scoping import unit_in_scope
from workers.models import (
    AccessLog, Country, Departure, Enterprise, EnterpriseStatus, Ethnicity, HouseholdStatus, Programme, Return,
    Status, StatusChange, Worker,
)
from workers.pipeline import ABROAD, BEFORE_DEPARTURE, MAY_DEPART, transition_problem
from workers.reference import ETHNIC_MINORITY_CODE, POOR_CODES
from workers.validators import citizen_id_problems, normalise_citizen_id, normalise_name

HOME_LEVELS = (Level.DISTRICT, Level.COMMUNE, Level.HAMLET)


class LikelyDuplicate(ValidationError):
    """Another worker has the same name, date of birth and home unit but another CCCD."""

    def __init__(self, duplicates: list[Worker]):
        self.duplicates = duplicates
        names = ", ".join(f"{w.full_name} ({w.unit.name})" for w in duplicates[:3])
        super().__init__(
            _("Likely duplicate: %(names)s has the same name, date of birth and home unit with another citizen ID. "
              "Check, then confirm to save anyway.") % {"names": names},
            code="duplicate",
        )


class StaleVersion(ValidationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this worker after you opened the form. Reload the page to see their changes, "
              "then make yours again."),
            code="stale",
        )


def today() -> dt.date:
    return timezone.localdate()


def likely_duplicates(*, full_name: str, date_of_birth: dt.date, unit: Unit, citizen_id: str,
                      exclude_pk: int | None = None) -> list[Worker]:
    queryset = (Worker.objects.filter(name_key=normalise_name(full_name), date_of_birth=date_of_birth, unit=unit)
                .exclude(citizen_id=citizen_id).select_related("unit"))
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return list(queryset[:5])


def _check_identity(*, user, citizen_id: str, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit) -> None:
    errors: dict[str, list[str]] = {}
    problems = citizen_id_problems(citizen_id, date_of_birth=date_of_birth, sex=sex)
    if problems:
        errors["citizen_id"] = problems
    if not full_name.strip():
        errors["full_name"] = [_("Enter the full name.")]
    if date_of_birth > today():
        errors["date_of_birth"] = [_("The date of birth is in the future.")]
    if unit.level not in HOME_LEVELS:
        errors["unit"] = [_("Choose the home commune, or the district when the commune is unknown.")]
    elif not unit_in_scope(user, unit):
        errors["unit"] = [_("The unit is outside your scope.")]
    if errors:
        raise ValidationError(errors)


def _status_change(*, worker: Worker, user, from_status: str, to_status: str, note: str = "") -> StatusChange:
    return StatusChange.objects.create(
        worker=worker, from_status=from_status, to_status=to_status, by=user if user and user.is_authenticated else None,
        note=note[:500],
    )


def worker_register(
    *, user, citizen_id: str, full_name: str, date_of_birth: dt.date, sex: str, unit: Unit,
    ethnicity: Ethnicity | None = None, phone: str = "", household_statuses: Iterable[HouseholdStatus] = (),
    education: str = "", languages: str = "", skills: str = "", wished_country: Country | None = None,
    status: str = Status.REGISTERED, note: str = "", confirm_duplicate: bool = False,
) -> Worker:
    citizen_id = normalise_citizen_id(citizen_id)
    full_name = " ".join(full_name.split())
    _check_identity(user=user, citizen_id=citizen_id, full_name=full_name, date_of_birth=date_of_birth, sex=sex, unit=unit)
    if status not in BEFORE_DEPARTURE | {Status.WITHDRAWN}:
        raise ValidationError({"status": _("A new worker starts before departure; record the departure afterwards.")})
    if Worker.objects.filter(citizen_id=citizen_id).exists():
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")})
    if not confirm_duplicate:
        duplicates = likely_duplicates(full_name=full_name, date_of_birth=date_of_birth, unit=unit, citizen_id=citizen_id)
        if duplicates:
            raise LikelyDuplicate(duplicates)
    try:
        with transaction.atomic():
            worker = Worker.objects.create(
                citizen_id=citizen_id, full_name=full_name, name_key=normalise_name(full_name),
                date_of_birth=date_of_birth, sex=sex, unit=unit, ethnicity=ethnicity, phone=phone.strip(),
                education=education, languages=languages, skills=skills, wished_country=wished_country, status=status,
            )
            worker.household_statuses.set(household_statuses)
            _status_change(worker=worker, user=user, from_status="", to_status=status, note=note)
    except IntegrityError:  # a concurrent registration of the same CCCD
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")}) from None
    return worker


UPDATABLE = ("citizen_id", "full_name", "date_of_birth", "sex", "unit", "ethnicity", "phone", "education",
             "languages", "skills", "wished_country")


def worker_update(*, user, worker: Worker, version: int, confirm_duplicate: bool = False,
                  household_statuses: Iterable[HouseholdStatus] | None = None, **fields) -> Worker:
    """Change a worker's data; refused when the record changed since ``version`` was read."""
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"worker_update() cannot change {', '.join(sorted(unknown))}")
    values = {name: getattr(worker, name) for name in UPDATABLE} | fields
    values["citizen_id"] = normalise_citizen_id(values["citizen_id"])
    values["full_name"] = " ".join(values["full_name"].split())
    _check_identity(user=user, citizen_id=values["citizen_id"], full_name=values["full_name"],
                    date_of_birth=values["date_of_birth"], sex=values["sex"], unit=values["unit"])
    if Worker.objects.filter(citizen_id=values["citizen_id"]).exclude(pk=worker.pk).exists():
        raise ValidationError({"citizen_id": _("A worker with this citizen ID is already registered.")})
    identity_changed = any(values[k] != getattr(worker, k) for k in ("full_name", "date_of_birth", "unit"))
    if identity_changed and not confirm_duplicate:
        duplicates = likely_duplicates(full_name=values["full_name"], date_of_birth=values["date_of_birth"],
                                       unit=values["unit"], citizen_id=values["citizen_id"], exclude_pk=worker.pk)
        if duplicates:
            raise LikelyDuplicate(duplicates)
    with transaction.atomic():
        # The optimistic lock: claim the version we read; 0 rows means someone saved in between.
        claimed = Worker.objects.filter(pk=worker.pk, version=version).update(version=F("version") + 1)
        if not claimed:
            raise StaleVersion()
        for name, value in values.items():
            setattr(worker, name, value)
        worker.name_key = normalise_name(worker.full_name)
        worker.version = version + 1
        worker.save(update_fields=[*UPDATABLE, "name_key", "version", "updated_at"])  # never a stale status
        if household_statuses is not None:
            worker.household_statuses.set(household_statuses)
    return worker


def worker_change_status(*, user, worker: Worker, to_status: str, note: str = "") -> StatusChange:
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        problem = transition_problem(current, to_status)
        if problem:
            raise ValidationError({"to_status": problem})
        worker.status = to_status
        worker.save(update_fields=["status", "updated_at"])
        return _status_change(worker=worker, user=user, from_status=current, to_status=to_status, note=note)


def enterprise_warning(enterprise: Enterprise | None) -> str:
    if enterprise is None or enterprise.status == EnterpriseStatus.ACTIVE:
        return ""
    return _("Recorded while the enterprise %(name)s (licence %(licence)s) was %(status)s.") % {
        "name": enterprise.name, "licence": enterprise.licence_no, "status": enterprise.get_status_display().lower()}


def departure_record(
    *, user, worker: Worker, date: dt.date, country: Country, programme: Programme | None = None,
    enterprise: Enterprise | None = None, occupation: str = "", contract_months: int | None = None,
    orientation_cert_no: str = "", orientation_cert_date: dt.date | None = None, note: str = "",
) -> Departure:
    errors: dict[str, str] = {}
    if date > today():
        errors["date"] = _("The departure date is in the future: record a departure once it has happened.")
    elif date <= worker.date_of_birth:
        errors["date"] = _("The departure date is before the date of birth.")
    if programme is not None and programme.country_id != country.pk:
        errors["programme"] = _("This programme is for %(country)s.") % {"country": programme.country}
    if contract_months is not None and contract_months <= 0:
        errors["contract_months"] = _("The contract length must be at least 1 month.")
    if orientation_cert_date and orientation_cert_date > date:
        errors["orientation_cert_date"] = _("The orientation certificate is dated after the departure.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        if current not in MAY_DEPART:
            if current in ABROAD:
                raise ValidationError(_("The worker is already abroad: record the return first."))
            raise ValidationError(_("A withdrawn worker cannot depart: reopen the file first."))
        previous = worker.departures.order_by("-date").first()
        if previous is not None and previous.date >= date:
            raise ValidationError({"date": _("The worker already has a departure on %(date)s or later.")
                                   % {"date": previous.date.strftime("%d/%m/%Y")}})
        codes = set(worker.household_statuses.values_list("code", flat=True))
        minority = ETHNIC_MINORITY_CODE in codes or bool(worker.ethnicity_id and not worker.ethnicity.is_majority)
        departure = Departure.objects.create(
            worker=worker, date=date, country=country, programme=programme, enterprise=enterprise,
            occupation=occupation.strip(), contract_months=contract_months,
            orientation_cert_no=orientation_cert_no.strip(), orientation_cert_date=orientation_cert_date,
            warning=enterprise_warning(enterprise),
            unit_id=worker.unit_id, sex=worker.sex, is_poor_or_near_poor=bool(codes & set(POOR_CODES)),
            is_ethnic_minority=minority, has_orientation_cert=bool(orientation_cert_no.strip()),
            created_by=user if user and user.is_authenticated else None,
        )
        worker.status = Status.DEPARTED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.DEPARTED,
                       note=note or _("Departure to %(country)s") % {"country": country.name_vi})
    return departure


def _contract_end(departure: Departure) -> dt.date | None:
    if not departure.contract_months:
        return None
    month = departure.date.month - 1 + departure.contract_months
    year, month = departure.date.year + month // 12, month % 12 + 1
    day = min(departure.date.day, 28)
    return dt.date(year, month, day)


def return_record(*, user, departure: Departure, date: dt.date, early: bool | None = None, reason: str = "",
                  follow_up: str = "", note: str = "") -> Return:
    """Record the return of the worker's latest departure. ``early=None``: from the contract length."""
    worker = departure.worker
    if date > today():
        raise ValidationError({"date": _("The return date is in the future.")})
    if date < departure.date:
        raise ValidationError({"date": _("The return date is before the departure date.")})
    if early is None:
        end = _contract_end(departure)
        early = bool(end and date < end)
    with transaction.atomic():
        current = Worker.objects.select_for_update().only("status").get(pk=worker.pk).status
        if current not in ABROAD:
            raise ValidationError(_("A worker who has not departed cannot return."))
        if Return.objects.filter(departure=departure).exists():
            raise ValidationError(_("The return of this departure is already recorded."))
        latest = worker.departures.order_by("-date", "-pk").first()
        if latest is None or latest.pk != departure.pk:
            raise ValidationError(_("Only the latest departure can be closed by a return."))
        record = Return.objects.create(
            departure=departure, date=date, early=early, reason=reason.strip(), follow_up=follow_up.strip(),
            created_by=user if user and user.is_authenticated else None,
        )
        worker.status = Status.RETURNED
        worker.save(update_fields=["status", "updated_at"])
        _status_change(worker=worker, user=user, from_status=current, to_status=Status.RETURNED,
                       note=note or (_("Returned early") if early else _("Returned at the end of the contract")))
    return record


def enterprise_save(*, user, enterprise: Enterprise | None = None, name: str, licence_no: str,
                    licence_date: dt.date | None, status: str) -> Enterprise:
    """Create (``enterprise=None``) or change a sending enterprise."""
    licence_no = licence_no.strip()
    clash = Enterprise.objects.filter(licence_no__iexact=licence_no)
    if enterprise is not None:
        clash = clash.exclude(pk=enterprise.pk)
    if clash.exists():
        raise ValidationError({"licence_no": _("Another enterprise has this licence number.")})
    if licence_date and licence_date > today():
        raise ValidationError({"licence_date": _("The licence date is in the future.")})
    with transaction.atomic():
        enterprise = enterprise or Enterprise()
        enterprise.name, enterprise.licence_no = " ".join(name.split()), licence_no
        enterprise.licence_date, enterprise.status = licence_date, status
        enterprise.save()
    return enterprise


def access_log_record(*, user, worker: Worker) -> AccessLog:
    return AccessLog.objects.create(user=user, worker=worker)
