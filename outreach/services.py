"""Writes on outreach: campaigns, activities, leads and the lead → worker link.

Every service validates, writes inside one transaction and returns the
object; errors are ``ValidationError`` keyed by the field to blame.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _

from outreach.models import MEDIA_CHANNELS, Activity, Campaign, Channel, Kind, Lead, LinkMethod
from portal.models import Unit
from portal.phones import normalise_phone
from portal.scoping import unit_in_scope
from portal.tree import is_within, province_path
from workers.models import Worker
from workers.validators import normalise_citizen_id

CAMPAIGN_FIELDS = ("unit", "name", "date_from", "date_to", "target_groups", "channels", "budget", "goal_reached",
                   "goal_registrations", "goal_departures")
ACTIVITY_COUNTS = ("enterprises", "attendees", "counselled", "registrations", "reach", "cost")


def _check_counts(values: dict, names: Iterable[str], errors: dict) -> None:
    for name in names:
        value = values.get(name)
        if value is None:
            values[name] = 0
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("Enter a whole number.")
        elif value < 0:
            errors[name] = _("The number cannot be negative.")


def _campaign_problems(*, user, values: dict, campaign: Campaign | None) -> dict:
    errors: dict[str, str] = {}
    values["name"] = " ".join(str(values.get("name") or "").split())
    if not values["name"]:
        errors["name"] = _("Enter the name.")
    if not unit_in_scope(user, values["unit"]):
        errors["unit"] = _("The unit is outside your scope.")
    if values["date_from"] and values["date_to"] and values["date_to"] < values["date_from"]:
        errors["date_to"] = _("The end of the period is before its start.")
    unknown = [c for c in values["channels"] if c not in Channel.values]
    if unknown:
        errors["channels"] = _("Unknown channel: %(names)s.") % {"names": ", ".join(unknown)}
    values["channels"] = [c for c in Channel.values if c in set(values["channels"])]
    _check_counts(values, ("budget", "goal_reached", "goal_registrations", "goal_departures"), errors)
    clash = Campaign.objects.filter(unit=values["unit"], name=values["name"], date_from=values["date_from"])
    if campaign is not None:
        clash = clash.exclude(pk=campaign.pk)
    if not errors and clash.exists():
        errors["name"] = _("This unit already has a campaign with this name starting on that day.")
    if campaign is not None and not errors:
        outside = campaign.activities.exclude(unit__path__startswith=values["unit"].path)
        if outside.exists():
            errors["unit"] = _("Some of the campaign's activities belong to units outside this unit.")
        elif campaign.activities.exclude(date__range=(values["date_from"], values["date_to"])).exists():
            errors["date_from"] = _("Some of the campaign's activities fall outside this period.")
    return errors


def campaign_create(*, user, unit: Unit, name: str, date_from: dt.date, date_to: dt.date, target_groups: str = "",
                    channels: Iterable[str] = (), budget: int = 0, goal_reached: int = 0,
                    goal_registrations: int = 0, goal_departures: int = 0) -> Campaign:
    values = {"unit": unit, "name": name, "date_from": date_from, "date_to": date_to,
              "target_groups": (target_groups or "").strip(), "channels": list(channels), "budget": budget,
              "goal_reached": goal_reached, "goal_registrations": goal_registrations, "goal_departures": goal_departures}
    errors = _campaign_problems(user=user, values=values, campaign=None)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return Campaign.objects.create(**values)


def campaign_update(*, user, campaign: Campaign, **fields) -> Campaign:
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"campaign_update() cannot change {', '.join(sorted(unknown))}")
    if not unit_in_scope(user, campaign.unit):
        raise ValidationError(_("This campaign belongs to a unit above yours: only that unit can change it."))
    values = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS} | fields
    values["channels"] = list(values["channels"])
    values["target_groups"] = (values["target_groups"] or "").strip()
    errors = _campaign_problems(user=user, values=values, campaign=campaign)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        for name, value in values.items():
            setattr(campaign, name, value)
        campaign.save()
    return campaign


def activity_record(
    *, user, unit: Unit, kind: str, date: dt.date, name: str, activity: Activity | None = None,
    campaign: Campaign | None = None, channel: str = "", place: str = "", link: str = "", enterprises: int = 0,
    attendees: int = 0, counselled: int = 0, registrations: int = 0, reach: int = 0, cost: int = 0,
) -> Activity:
    """Create an activity (``activity=None``) or change one. For events the channel is the kind."""
    values = {"unit": unit, "kind": kind, "date": date, "name": " ".join(str(name or "").split()),
              "campaign": campaign, "channel": channel or "", "place": (place or "").strip(),
              "link": (link or "").strip(), "enterprises": enterprises, "attendees": attendees,
              "counselled": counselled, "registrations": registrations, "reach": reach, "cost": cost}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Enter the name.")
    if kind not in Kind.values:
        errors["kind"] = _("Unknown type of activity.")
    elif kind == Kind.MEDIA:
        if values["channel"] not in MEDIA_CHANNELS:
            errors["channel"] = _("Choose where the media item appeared.")
    else:
        values["channel"] = kind
    if not unit_in_scope(user, unit):
        errors["unit"] = _("The unit is outside your scope.")
    if activity is not None and not unit_in_scope(user, activity.unit):
        errors["unit"] = _("The unit is outside your scope.")
    _check_counts(values, ACTIVITY_COUNTS, errors)
    if campaign is not None and "unit" not in errors:
        if not Campaign.objects.open_to(user).filter(pk=campaign.pk).exists():
            errors["campaign"] = _("This campaign is not open to your unit.")
        elif not is_within(unit.path, campaign.unit.path):
            errors["campaign"] = _("The unit does not belong to the campaign's unit.")
        elif date and not campaign.date_from <= date <= campaign.date_to:
            errors["date"] = _("The date is outside the campaign's period (%(start)s–%(end)s).") % {
                "start": campaign.date_from.strftime("%d/%m/%Y"), "end": campaign.date_to.strftime("%d/%m/%Y")}
    if not errors:
        clash = Activity.objects.filter(unit=unit, date=date, kind=kind, name=values["name"])
        if activity is not None:
            clash = clash.exclude(pk=activity.pk)
        if clash.exists():
            errors["name"] = _("This unit already has an activity of this type with this name on that day.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = activity or Activity()
        for field, value in values.items():
            setattr(activity, field, value)
        activity.save()
    return activity


def matching_worker(*, unit: Unit, phone_key: str, citizen_id: str) -> Worker | None:
    """The worker of the same province with this CCCD, or else with this phone (national form)."""
    workers = Worker.objects.filter(unit__path__startswith=province_path(unit.path))
    if citizen_id:
        worker = workers.filter(citizen_id=citizen_id).first()
        if worker is not None:
            return worker
    if phone_key:
        # Workers' phones are stored as typed: strip the separators in SQL, narrow by the last 9 digits,
        # then compare the national forms.
        digits = F("phone")
        for separator in (" ", ".", "-", "+", "(", ")"):
            digits = Replace(digits, Value(separator), Value(""))
        candidates = workers.annotate(phone_digits=digits).filter(phone_digits__endswith=phone_key[-9:])
        for worker in candidates.order_by("pk")[:20]:
            if normalise_phone(worker.phone) == phone_key:
                return worker
    return None


def lead_record(*, user, activity: Activity, full_name: str, phone: str = "", citizen_id: str = "",
                unit: Unit | None = None) -> Lead:
    """Record a person reached by ``activity``; a registered worker with the same CCCD or phone is linked."""
    errors: dict[str, str] = {}
    full_name = " ".join(str(full_name or "").split())
    phone = str(phone or "").strip()
    phone_key = normalise_phone(phone)
    citizen_id = normalise_citizen_id(citizen_id) if citizen_id else ""
    unit = unit or activity.unit
    if not full_name:
        errors["full_name"] = _("Enter the full name.")
    if phone and not phone_key:
        errors["phone"] = _("Enter a phone number of 8 to 20 digits.")
    if citizen_id and not (citizen_id.isdigit() and len(citizen_id) == 12):
        errors["citizen_id"] = _("The citizen ID must have exactly 12 digits.")
    if not phone and not citizen_id:
        errors["phone"] = _("Enter the phone number or the citizen ID, so that the person can be followed.")
    if not unit_in_scope(user, activity.unit):
        errors["activity"] = _("The activity is outside your scope.")
    if not unit_in_scope(user, unit):
        errors["unit"] = _("The unit is outside your scope.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        worker = matching_worker(unit=activity.unit, phone_key=phone_key, citizen_id=citizen_id)
        return Lead.objects.create(
            activity=activity, full_name=full_name, phone=phone, phone_key=phone_key, citizen_id=citizen_id,
            unit=unit, worker=worker, link_method=LinkMethod.AUTO if worker else LinkMethod.NONE,
            created_by=user if user is not None and user.is_authenticated else None,
        )


def lead_link(*, user, lead: Lead, worker: Worker | None) -> Lead:
    """Set (or, with ``worker=None``, remove) the link by hand; automatic linking will leave it alone."""
    if not unit_in_scope(user, lead.activity.unit):
        raise ValidationError(_("The activity is outside your scope."))
    if worker is not None and not Worker.objects.visible_to(user).filter(pk=worker.pk).exists():
        raise ValidationError({"worker": _("The worker is outside your scope.")})
    with transaction.atomic():
        lead.worker = worker
        lead.link_method = LinkMethod.MANUAL
        lead.save(update_fields=["worker", "link_method"])
    return lead


def leads_link_worker(worker: Worker) -> int:
    """Link ``worker`` to the unlinked leads of its province that share its CCCD or phone.

    Called on every save of a worker (``outreach.signals``); leads whose link
    was set by hand are never touched. Returns how many leads were linked.
    """
    phone_key = normalise_phone(worker.phone)
    match = Q(citizen_id=worker.citizen_id)
    if phone_key:
        match |= Q(phone_key=phone_key)
    leads = Lead.objects.filter(match, worker__isnull=True, link_method=LinkMethod.NONE,
                                activity__unit__path__startswith=province_path(worker.unit.path))
    linked = 0
    with transaction.atomic():  # a worker may be saved outside a transaction (admin, shell)
        for lead in leads.select_for_update():
            lead.worker, lead.link_method = worker, LinkMethod.AUTO
            lead.save(update_fields=["worker", "link_method"])  # one by one: each link is in the audit trail
            linked += 1
    return linked


def leads_link_workers(workers: Sequence[Worker]) -> int:
    """:func:`leads_link_worker` for many new workers (the import's bulk registration) with one query: a lead
    that several of them match goes to the first, as it would when they were saved one after the other."""
    keys: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)  # province path → (kind, key) → position
    for position, worker in enumerate(workers):
        province = keys[province_path(worker.unit.path)]
        province.setdefault(("cccd", worker.citizen_id), position)
        if phone_key := normalise_phone(worker.phone):
            province.setdefault(("phone", phone_key), position)
    match = Q(pk__in=[])
    for path, wanted in keys.items():
        cccds = [key for kind, key in wanted if kind == "cccd"]
        phones = [key for kind, key in wanted if kind == "phone"]
        match |= Q(activity__unit__path__startswith=path) & (Q(citizen_id__in=cccds) | Q(phone_key__in=phones))
    leads = Lead.objects.filter(match, worker__isnull=True, link_method=LinkMethod.NONE).select_related("activity__unit")
    linked = 0
    with transaction.atomic():
        for lead in leads.select_for_update(of=("self",)):
            wanted = keys[province_path(lead.activity.unit.path)]
            found = [wanted[k] for k in (("cccd", lead.citizen_id), ("phone", lead.phone_key)) if k[1] and k in wanted]
            if not found:
                continue
            lead.worker, lead.link_method = workers[min(found)], LinkMethod.AUTO
            lead.save(update_fields=["worker", "link_method"])  # one by one: each link is in the audit trail
            linked += 1
    return linked
