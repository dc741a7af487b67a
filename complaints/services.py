"""Writes on complaint cases: intake, the steps of the workflow, extensions, the outcome, attachments, openings.

Every service checks its input whole and raises ``ValidationError`` keyed by the form field to blame (nothing
saved), then writes inside ``transaction.atomic``. A step is taken on the case row locked
(``select_for_update``), so two officials moving the same case at once cannot both move it from the same
status. ``today`` may be passed (tests on a fixed calendar, imports); it defaults to the local date.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from complaints import workflow
from complaints.attachments import check_attachment
from complaints.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Case,
    CaseAccess,
    CaseNumberCounter,
    CaseStep,
    Category,
    Channel,
    ComplainantKind,
    Party,
    PartyKind,
    ReferredTo,
    Status,
)
from complaints.parties import party_name_key
from complaints.storage import private_storage
from portal import tree
from portal.formats import format_date
from portal.models import Unit
from portal.phones import normalise_phone
from portal.scoping import unit_in_scope
from workers.models import Country, Enterprise, Worker
from workers.services import today as local_today

CONTACT_KINDS = (ComplainantKind.PERSON, ComplainantKind.RELATIVE)


class Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _text(value: str | None) -> str:
    return " ".join(str(value or "").split())


# --- Parties -----------------------------------------------------------------------------------------------------


def party_match(*, kind: str, enterprise: Enterprise | None = None, name: str = "", phone: str = "",
                address: str = "") -> Party:
    """The party a case names: the licensed enterprise's own party; else the party with the same normalised
    phone; else, when no phone contradicts it, a party of the same kind with the same normalised name (its own
    or as given in one of its cases); else a new party."""
    if kind == PartyKind.ENTERPRISE:
        party, _created = Party.objects.get_or_create(enterprise=enterprise, defaults={
            "kind": kind, "name": enterprise.name, "name_key": party_name_key(enterprise.name, kind)})
        return party
    phone_key = normalise_phone(phone)
    name_key = party_name_key(name, kind)
    if phone_key:
        party = Party.objects.filter(phone_key=phone_key).first()
        if party is not None:
            return party
    if name_key:
        same_name = (Party.objects.filter(enterprise__isnull=True, kind=kind)
                     .filter(Q(name_key=name_key) | Q(cases__respondent_name_key=name_key)).distinct().order_by("pk"))
        if phone_key:
            same_name = same_name.filter(phone_key="")
        party = same_name.first()
        if party is not None:
            if phone_key:  # the name now has a phone: later cases find it by the phone
                party.phone, party.phone_key = _text(phone), phone_key
                try:
                    with transaction.atomic():
                        party.save(update_fields=["phone", "phone_key"])
                except IntegrityError:  # another intake gave this phone to a party meanwhile
                    return Party.objects.get(phone_key=phone_key)
            return party
    try:
        with transaction.atomic():
            return Party.objects.create(kind=kind, name=_text(name), name_key=name_key, phone=_text(phone),
                                        phone_key=phone_key, address=_text(address))
    except IntegrityError:
        if phone_key:  # two intakes named the same new broker at the same moment
            return Party.objects.get(phone_key=phone_key)
        raise


# --- Intake ------------------------------------------------------------------------------------------------------


def next_number(unit: Unit, year: int) -> str:
    """The next free number of the series of the unit's province and the year: ``KN-58-2026-0007``. The
    series' row is locked, so two intakes at once take two numbers."""
    series = f"KN-{tree.codes(unit.path)[0]}-{year}"
    CaseNumberCounter.objects.get_or_create(series=series)
    counter = CaseNumberCounter.objects.select_for_update().get(series=series)
    while True:
        counter.last += 1
        number = f"{series}-{counter.last:04d}"
        if not Case.objects.filter(number=number).exists():  # an imported case may hold it already
            break
    counter.save(update_fields=["last"])
    return number


def _check_intake(errors: Errors, *, user, unit, received_on, channel, complainant_kind, worker, complainant_name,
                  complainant_phone, complainant_address, respondent_kind, enterprise, respondent_name,
                  respondent_phone, category, incident_date, amount_claimed, description, number, today) -> None:
    if user is not None and not unit_in_scope(user, unit):
        errors.add("unit", _("This unit is outside your scope."))
    if received_on > today:
        errors.add("received_on", _("The date received is in the future."))
    if incident_date is not None:
        if incident_date > today:
            errors.add("incident_date", _("The date of the facts is in the future."))
        elif incident_date > received_on:
            errors.add("incident_date", _("The date of the facts is after the date received."))
    if channel not in Channel.values:
        errors.add("channel", _("Unknown channel."))
    if complainant_kind not in ComplainantKind.values:
        errors.add("complainant_kind", _("Unknown kind of complainant."))
    elif complainant_kind == ComplainantKind.ANONYMOUS:
        if complainant_name or complainant_phone or complainant_address or worker is not None:
            errors.add("complainant_kind", _("An anonymous complaint carries no name, phone, address or worker: "
                                             "clear them, or choose another kind of complainant."))
    elif complainant_kind == ComplainantKind.WORKER:
        if worker is None:
            errors.add("worker", _("Give the citizen ID of the worker who complains."))
    else:
        if not complainant_name:
            errors.add("complainant_name", _("Enter the complainant's name."))
        if complainant_kind in CONTACT_KINDS and not (complainant_phone or complainant_address):
            errors.add("complainant_phone", _("Enter a phone number or an address to reach the complainant."))
    if worker is not None and user is not None and not Worker.objects.visible_to(user).filter(pk=worker.pk).exists():
        errors.add("worker", _("No worker with this citizen ID in your scope."))
    if complainant_phone and not normalise_phone(complainant_phone):
        errors.add("complainant_phone", _("Not a phone number."))
    if respondent_kind not in PartyKind.values:
        errors.add("respondent_kind", _("Unknown kind of party."))
    elif respondent_kind == PartyKind.ENTERPRISE:
        if enterprise is None:
            errors.add("enterprise", _("Choose the licensed enterprise."))
    else:
        if enterprise is not None:
            errors.add("enterprise", _("A licensed enterprise is chosen only when the party is one."))
        if not respondent_name:
            errors.add("respondent_name", _("Enter the name of the company or person, as given."))
    if respondent_phone and not normalise_phone(respondent_phone):
        errors.add("respondent_phone", _("Not a phone number."))
    if not isinstance(category, Category):
        errors.add("category", _("Choose the category."))
    if amount_claimed is not None and (not isinstance(amount_claimed, int) or isinstance(amount_claimed, bool)
                                       or amount_claimed < 0):
        errors.add("amount_claimed", _("The amount must be a whole number of đồng, 0 or more."))
    if not description:
        errors.add("description", _("Describe the complaint."))
    if number and Case.objects.filter(number=number).exists():
        errors.add("number", _("A case with this number already exists."))


def case_receive(*, user, unit: Unit, received_on: dt.date, complainant_kind: str, respondent_kind: str,
                 category: Category, description: str, channel: str = Channel.IN_PERSON, worker: Worker | None = None,
                 complainant_name: str = "", complainant_phone: str = "", complainant_address: str = "",
                 enterprise: Enterprise | None = None, respondent_name: str = "", respondent_phone: str = "",
                 respondent_address: str = "", country: Country | None = None, incident_date: dt.date | None = None,
                 amount_claimed: int | None = None, number: str = "", note: str = "",
                 today: dt.date | None = None) -> Case:
    """Record a complaint received by ``unit``: the case, its first step ("received", due by the statutory
    time to accept it) and the party it names (matched across cases)."""
    today = today or local_today()
    complainant_name, complainant_phone = _text(complainant_name), _text(complainant_phone)
    complainant_address, respondent_name = _text(complainant_address), _text(respondent_name)
    respondent_phone, respondent_address, number = _text(respondent_phone), _text(respondent_address), _text(number)
    description = str(description or "").strip()
    if complainant_kind == ComplainantKind.WORKER and worker is not None:
        complainant_name = complainant_name or worker.full_name
        complainant_phone = complainant_phone or worker.phone
    if respondent_kind == PartyKind.ENTERPRISE and enterprise is not None:
        respondent_name = respondent_name or enterprise.name
    errors = Errors()
    _check_intake(errors, user=user, unit=unit, received_on=received_on, channel=channel,
                  complainant_kind=complainant_kind, worker=worker, complainant_name=complainant_name,
                  complainant_phone=complainant_phone, complainant_address=complainant_address,
                  respondent_kind=respondent_kind, enterprise=enterprise, respondent_name=respondent_name,
                  respondent_phone=respondent_phone, category=category, incident_date=incident_date,
                  amount_claimed=amount_claimed, description=description, number=number, today=today)
    errors.raise_if_any()
    with transaction.atomic():
        party = party_match(kind=respondent_kind, enterprise=enterprise, name=respondent_name, phone=respondent_phone,
                            address=respondent_address)
        rules = workflow.deadline_rules()
        due = workflow.due_date(Status.RECEIVED, received_on, rules)
        fields = dict(
            number=number or next_number(unit, received_on.year), unit=unit, received_on=received_on, channel=channel,
            complainant_kind=complainant_kind, worker=worker, complainant_name=complainant_name,
            complainant_phone=complainant_phone, complainant_address=complainant_address,
            respondent_kind=respondent_kind, enterprise=enterprise, respondent_name=respondent_name,
            respondent_name_key=party_name_key(respondent_name, respondent_kind), respondent_phone=respondent_phone,
            respondent_phone_key=normalise_phone(respondent_phone), respondent_address=respondent_address,
            party=party, category=category, country=country, incident_date=incident_date,
            amount_claimed=amount_claimed, description=description, status=Status.RECEIVED,
            step_started_on=received_on, due_on=due, created_by=_user_or_none(user))
        try:
            with transaction.atomic():
                case = Case.objects.create(**fields)
        except IntegrityError:
            if not Case.objects.filter(number=fields["number"]).exists():
                raise
            # The same number typed in another intake at the same moment.
            raise ValidationError({"number": [_("A case with this number already exists.")]}) from None
        CaseStep.objects.create(case=case, status=Status.RECEIVED, started_on=received_on, due_on=due,
                                note=_text(note), by=_user_or_none(user))
    return case


# --- The workflow --------------------------------------------------------------------------------------------------


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def case_advance(*, user, case: Case, to_status: str, on: dt.date, note: str = "", referred_to: str = "",
                 amount_recovered: int | None = None, sanction: str = "", referral_result: str = "",
                 today: dt.date | None = None) -> CaseStep:
    """Move the case to its next step on ``on``: the current step ends that day, the new one starts with its
    own due date. Refused (nothing saved) when the move skips the workflow or goes back, when the date is in the
    future or before the current step began, a referral names no body, a rejection or closure gives no
    reason, or an outcome is given to a case still open."""
    today = today or local_today()
    note, sanction, referral_result = _text(note), _text(sanction), _text(referral_result)
    errors = Errors()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        current = locked.status
        if user is not None and not _in_scope(user, locked):
            errors.add(NON_FIELD_ERRORS, _("This case is outside your scope."))
        if to_status not in Status.values:
            errors.add("to_status", _("Unknown step."))
        elif current in FINAL_STATUSES:
            errors.add("to_status", _("The case is already “%(status)s”: it takes no further step.") % {
                "status": _status_label(current)})
        elif not workflow.may_move(current, to_status):
            errors.add("to_status", _("A case that is “%(current)s” cannot become “%(status)s”: the next step is "
                                      "one of %(next)s.") % {
                "current": _status_label(current), "status": _status_label(to_status),
                "next": ", ".join(f"“{_status_label(s)}”" for s in workflow.next_statuses(current))})
        if on > today:
            errors.add("on", _("The date is in the future."))
        elif on < locked.step_started_on:
            errors.add("on", _("The date is before the current step began (%(date)s).") % {
                "date": format_date(locked.step_started_on)})
        if to_status == Status.REFERRED and referred_to not in ReferredTo.values:
            errors.add("referred_to", _("Choose the body the case is referred to."))
        if to_status in (Status.REJECTED, Status.CLOSED) and not note:
            errors.add("note", _("Give the reason."))
        final = to_status in FINAL_STATUSES
        if not final and (amount_recovered is not None or sanction or referral_result):
            errors.add(NON_FIELD_ERRORS, _("The outcome (money recovered, sanction, result of the referral) is "
                                           "recorded when the case is resolved, rejected or closed."))
        if amount_recovered is not None and (not isinstance(amount_recovered, int) or amount_recovered < 0):
            errors.add("amount_recovered", _("The amount must be a whole number of đồng, 0 or more."))
        errors.raise_if_any()
        rules = workflow.deadline_rules()
        CaseStep.objects.filter(case=locked, status=current).update(ended_on=on)
        step = CaseStep.objects.create(
            case=locked, status=to_status, started_on=on, due_on=workflow.due_date(to_status, on, rules),
            referred_to=referred_to if to_status == Status.REFERRED else "", note=note, by=_user_or_none(user))
        locked.status, locked.step_started_on, locked.due_on = to_status, on, step.due_on
        fields = ["status", "step_started_on", "due_on", "updated_at"]
        if final:
            locked.closed_on = on
            locked.amount_recovered = amount_recovered
            locked.sanction, locked.referral_result = sanction, referral_result
            fields += ["closed_on", "amount_recovered", "sanction", "referral_result"]
        locked.save(update_fields=fields)
    _refresh(case, locked)
    return step


def case_extend(*, user, case: Case, reason: str, on: dt.date, today: dt.date | None = None) -> CaseStep:
    """Extend the current step once, by the days its rule allows, for ``reason``, decided on ``on`` (by its due
    date at the latest)."""
    today = today or local_today()
    reason = _text(reason)
    errors = Errors()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if user is not None and not _in_scope(user, locked):
            errors.add(NON_FIELD_ERRORS, _("This case is outside your scope."))
            errors.raise_if_any()
        if locked.status not in OPEN_STATUSES:
            errors.add(NON_FIELD_ERRORS, _("The case is closed: there is no deadline to extend."))
            errors.raise_if_any()
        step = CaseStep.objects.get(case=locked, status=locked.status)
        rule = workflow.deadline_rules().get(locked.status)
        if rule is None or not rule.extension_days:
            errors.add(NON_FIELD_ERRORS, _("The step “%(status)s” cannot be extended.") % {
                "status": _status_label(locked.status)})
        elif step.extension_days:
            errors.add(NON_FIELD_ERRORS, _("This step was already extended once, on %(date)s.") % {
                "date": format_date(step.extended_on)})
        if not reason:
            errors.add("reason", _("Give the reason for the extension."))
        if on > today:
            errors.add("on", _("The date is in the future."))
        elif on < step.started_on:
            errors.add("on", _("The date is before the step began (%(date)s).") % {"date": format_date(step.started_on)})
        elif step.due_on is not None and on > step.due_on:
            errors.add("on", _("An extension is decided by the due date (%(date)s) at the latest.") % {
                "date": format_date(step.due_on)})
        errors.raise_if_any()
        step.extension_days, step.extension_reason, step.extended_on = rule.extension_days, reason, on
        step.due_on = step.due_on + dt.timedelta(days=rule.extension_days)
        step.save(update_fields=["extension_days", "extension_reason", "extended_on", "due_on"])
        locked.due_on = step.due_on
        locked.save(update_fields=["due_on", "updated_at"])
    _refresh(case, locked)
    return step


def case_record_outcome(*, user, case: Case, amount_recovered: int | None, sanction: str = "",
                        referral_result: str = "") -> Case:
    """Complete the outcome of a closed case (money is often recovered after the decision)."""
    errors = Errors()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if user is not None and not _in_scope(user, locked):
            errors.add(NON_FIELD_ERRORS, _("This case is outside your scope."))
        if locked.status not in FINAL_STATUSES:
            errors.add(NON_FIELD_ERRORS, _("The outcome is recorded when the case is resolved, rejected or closed."))
        if amount_recovered is not None and (not isinstance(amount_recovered, int) or amount_recovered < 0):
            errors.add("amount_recovered", _("The amount must be a whole number of đồng, 0 or more."))
        errors.raise_if_any()
        locked.amount_recovered, locked.sanction = amount_recovered, _text(sanction)
        locked.referral_result = _text(referral_result)
        locked.save(update_fields=["amount_recovered", "sanction", "referral_result", "updated_at"])
    _refresh(case, locked)
    return case


def _in_scope(user, case: Case) -> bool:
    """The case is the user's to work on: in their scope, a 2025 user's inherited legacy cases included (a case
    received before the reform is still worked on after it)."""
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def _refresh(case: Case, locked: Case) -> None:
    for field in ("status", "step_started_on", "due_on", "closed_on", "amount_recovered", "sanction",
                  "referral_result", "updated_at"):
        setattr(case, field, getattr(locked, field))


# --- Attachments and openings ----------------------------------------------------------------------------------------


def attachment_add(*, user, case: Case, upload, description: str = "") -> Attachment:
    """Keep an uploaded document of the case, checked by its content (``complaints.attachments``), under a name
    of our own in the private storage."""
    try:
        checked = check_attachment(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    if Attachment.objects.filter(case=case, sha256=checked.sha256).exists():
        raise ValidationError({"file": [_("This file is already attached to the case.")]})
    attachment = Attachment(case=case, original_name=checked.original_name or checked.stored_name(case.pk),
                            kind=checked.kind, size=checked.size, sha256=checked.sha256,
                            description=_text(description)[:255], uploaded_by=_user_or_none(user))
    attachment.file.save(checked.stored_name(case.pk), ContentFile(checked.data), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except Exception:
        private_storage.delete(attachment.file.name)  # no row, no file
        raise
    return attachment


def attachment_remove(*, user, attachment: Attachment) -> None:
    """Remove a document attached by mistake; the file goes once the removal is committed."""
    name = attachment.file.name
    with transaction.atomic():
        attachment.delete()
        transaction.on_commit(lambda: private_storage.delete(name))


def case_access_record(*, user, case: Case, full: bool) -> CaseAccess:
    return CaseAccess.objects.create(user=user, case=case, full=full)
