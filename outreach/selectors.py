"""Reads of outreach. The screens, the Excel export and the dashboard share these.

The funnel, defined once:

* **reached** – people reached: attendees of events (job fairs, conferences,
  counselling sessions) plus the reach/views of media items. Counselling
  contacts (``Activity.counselled``) are reported beside it, not added to it.
* **leads** – people reached and recorded by name (``Lead``).
* **registered** – distinct workers linked to those leads.
* **counselled** – of those workers, the ones who went past registration in
  the registry (counselled, training, waiting, departed, returned, absconded).
* **departed** – of those workers, the ones with a recorded departure.

The period selects *activities* by their date; what their leads became later
is counted whatever its date (a cohort view: the people a job fair in March
reached, and how many of them have departed so far). Cost per registration
and per departure divide the activities' cost by those counts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from outreach.models import Activity, Campaign, Channel, Kind, Lead
from portal import bounds
from portal.collation import vi_order
from portal.models import Unit
from portal.scoping import user_unit
from portal.tree import UnitTree
from workers.models import Departure, Status, StatusChange, Worker

GROUPS = ("campaign", "channel", "unit")
PAST_REGISTRATION = (Status.COUNSELLED, Status.TRAINING, Status.WAITING, Status.DEPARTED, Status.RETURNED,
                     Status.ABSCONDED)
ACTIVITY_SUMS = ("cost", "enterprises", "attendees", "counselled", "registrations", "reach")


def _ratio(part: int, whole: int) -> Decimal | None:
    return Decimal(part) / Decimal(whole) if whole else None


def _per(cost: int, count: int) -> int | None:
    return round(cost / count) if count else None


@dataclass
class FunnelRow:
    key: str
    label: str
    activities: int = 0
    cost: int = 0
    enterprises: int = 0
    attendees: int = 0
    counselled_contacts: int = 0
    reported_registrations: int = 0
    reach: int = 0
    leads: int = 0
    registered: int = 0
    counselled: int = 0
    departed: int = 0

    @property
    def reached(self) -> int:
        return self.attendees + self.reach

    @property
    def lead_rate(self) -> Decimal | None:
        return _ratio(self.leads, self.reached)

    @property
    def registration_rate(self) -> Decimal | None:
        return _ratio(self.registered, self.leads)

    @property
    def counselled_rate(self) -> Decimal | None:
        return _ratio(self.counselled, self.registered)

    @property
    def departure_rate(self) -> Decimal | None:
        return _ratio(self.departed, self.counselled)

    @property
    def overall_rate(self) -> Decimal | None:
        return _ratio(self.departed, self.reached)

    @property
    def cost_per_registration(self) -> int | None:
        return _per(self.cost, self.registered)

    @property
    def cost_per_departure(self) -> int | None:
        return _per(self.cost, self.departed)

    def as_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("reached", "cost_per_registration", "cost_per_departure"):
            data[name] = getattr(self, name)
        for name in ("lead_rate", "registration_rate", "counselled_rate", "departure_rate", "overall_rate"):
            value = getattr(self, name)
            data[name] = float(value) if value is not None else None
        return data


@dataclass
class Funnel:
    group_by: str
    rows: list[FunnelRow] = field(default_factory=list)
    total: FunnelRow = field(default_factory=lambda: FunnelRow("total", _("Total")))

    def chart_data(self) -> dict:
        """What static/js/outreach.js draws: one bar group per row, the funnel's steps as series."""
        return {
            "labels": [row.label for row in self.rows],
            "series": [
                {"key": "reached", "label": _("Reached"), "values": [r.reached for r in self.rows]},
                {"key": "leads", "label": _("Leads"), "values": [r.leads for r in self.rows]},
                {"key": "registered", "label": _("Registered"), "values": [r.registered for r in self.rows]},
                {"key": "counselled", "label": _("Counselled"), "values": [r.counselled for r in self.rows]},
                {"key": "departed", "label": _("Departed"), "values": [r.departed for r in self.rows]},
            ],
            "logScaleLabel": _("People (logarithmic scale: each line is ten times the one before)"),
            "total": [
                {"label": _("Reached"), "value": self.total.reached},
                {"label": _("Leads"), "value": self.total.leads},
                {"label": _("Registered"), "value": self.total.registered},
                {"label": _("Counselled"), "value": self.total.counselled},
                {"label": _("Departed"), "value": self.total.departed},
            ],
        }


def _activities(user, *, unit: Unit | None, date_from: dt.date | None, date_to: dt.date | None,
                campaign: Campaign | None = None) -> QuerySet[Activity]:
    activities = Activity.objects.visible_to(user)
    if unit is not None:
        activities = activities.filter(unit__path__startswith=unit.path)
    if date_from is not None:
        activities = activities.filter(date__gte=date_from)
    if date_to is not None:
        activities = activities.filter(date__lte=date_to)
    if campaign is not None:
        activities = activities.filter(campaign=campaign)
    return activities


def _lead_aggregates(prefix: Q | None = None) -> dict:
    """Count aggregates over leads annotated with ``w_counselled`` and ``w_departed``."""
    extra = prefix or Q()
    return {
        "leads": Count("pk", filter=extra),
        "registered": Count("worker", distinct=True, filter=extra),
        "counselled": Count("worker", distinct=True, filter=extra & (Q(w_counselled=True) | Q(worker__status__in=PAST_REGISTRATION))),
        "departed": Count("worker", distinct=True, filter=extra & Q(w_departed=True)),
    }


def _leads_of(activities: QuerySet[Activity]) -> QuerySet[Lead]:
    return Lead.objects.filter(activity__in=activities.values("pk")).annotate(
        w_counselled=Exists(StatusChange.objects.filter(worker=OuterRef("worker"), to_status__in=PAST_REGISTRATION)),
        w_departed=Exists(Departure.objects.filter(worker=OuterRef("worker"))),
    )


def _activity_aggregates(prefix: Q | None = None) -> dict:
    extra = prefix or Q()
    data = {"n": Count("pk", filter=extra)}
    for name in ACTIVITY_SUMS:
        data[name] = Coalesce(Sum(name, filter=extra), 0)
    return data


def _fill(row: FunnelRow, activity_values: dict, lead_values: dict) -> FunnelRow:
    row.activities = activity_values.get("n", 0) or 0
    row.cost = activity_values.get("cost", 0) or 0
    row.enterprises = activity_values.get("enterprises", 0) or 0
    row.attendees = activity_values.get("attendees", 0) or 0
    row.counselled_contacts = activity_values.get("counselled", 0) or 0
    row.reported_registrations = activity_values.get("registrations", 0) or 0
    row.reach = activity_values.get("reach", 0) or 0
    for name in ("leads", "registered", "counselled", "departed"):
        setattr(row, name, lead_values.get(name, 0) or 0)
    return row


def _grouped(activities: QuerySet[Activity], leads: QuerySet[Lead], key: str) -> tuple[dict, dict]:
    by_activity = {r[key]: r for r in activities.values(key).annotate(**_activity_aggregates()).order_by()}
    by_lead = {r[f"activity__{key}"]: r for r in leads.values(f"activity__{key}").annotate(**_lead_aggregates()).order_by()}
    return by_activity, by_lead


def _row_units(user, unit: Unit | None) -> tuple[Unit | None, list[Unit]]:
    """The unit whose children make the rows of the funnel by unit."""
    top = unit or user_unit(user)
    if top is None:  # an administrator without a chosen unit: the provinces
        return None, list(Unit.objects.filter(parent__isnull=True).order_by("path"))
    return top, list(top.children.order_by("path"))


def funnel(*, user, unit: Unit | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
           group_by: str = "campaign", campaign: Campaign | None = None) -> Funnel:
    """The funnel of the activities the user may see, one row per campaign, channel or unit, and the total."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    activities = _activities(user, unit=unit, date_from=date_from, date_to=date_to, campaign=campaign)
    leads = _leads_of(activities)
    result = Funnel(group_by=group_by)
    _fill(result.total, activities.aggregate(**_activity_aggregates()), leads.aggregate(**_lead_aggregates()))

    if group_by == "unit":
        top, children = _row_units(user, unit)
        groups: list[tuple[str, str, str]] = []  # key, label, path prefix (exact path for the unit's own)
        if top is not None:
            groups.append((str(top.pk), _("%(unit)s (own activities)") % {"unit": top.name}, "="))
        groups += [(str(child.pk), child.name, child.path) for child in children]
        act_aggs, lead_aggs = {}, {}
        for key, _label, path in groups:
            if path == "=":
                act_q, lead_q = Q(unit=top), Q(activity__unit=top)
            else:
                act_q, lead_q = Q(unit__path__startswith=path), Q(activity__unit__path__startswith=path)
            act_aggs |= {f"{name}_{key}": agg for name, agg in _activity_aggregates(act_q).items()}
            lead_aggs |= {f"{name}_{key}": agg for name, agg in _lead_aggregates(lead_q).items()}
        act_values = activities.aggregate(**act_aggs) if act_aggs else {}
        lead_values = leads.aggregate(**lead_aggs) if lead_aggs else {}
        for key, label, _path in groups:
            a = {name: act_values.get(f"{name}_{key}") for name in ("n", *ACTIVITY_SUMS)}
            ld = {name: lead_values.get(f"{name}_{key}") for name in ("leads", "registered", "counselled", "departed")}
            row = _fill(FunnelRow(key, label), a, ld)
            if row.activities:
                result.rows.append(row)
        return result

    if group_by == "channel":
        by_activity, by_lead = _grouped(activities, leads, "channel")
        for value, label in Channel.choices:
            if value in by_activity:
                result.rows.append(_fill(FunnelRow(value, str(label)), by_activity[value], by_lead.get(value, {})))
        return result

    by_activity, by_lead = _grouped(activities, leads, "campaign_id")
    names = dict(Campaign.objects.filter(pk__in=[k for k in by_activity if k]).values_list("pk", "name"))
    for pk, name in sorted(names.items(), key=lambda item: item[1]):
        result.rows.append(_fill(FunnelRow(str(pk), name), by_activity[pk], by_lead.get(pk, {})))
    if None in by_activity:
        result.rows.append(_fill(FunnelRow("none", _("No campaign")), by_activity[None], by_lead.get(None, {})))
    return result


def funnel_rows(*, user, unit: Unit | None = None, date_from: dt.date | None = None, date_to: dt.date | None = None,
                group_by: str = "campaign", campaign: Campaign | None = None) -> list[FunnelRow]:
    return funnel(user=user, unit=unit, date_from=date_from, date_to=date_to, group_by=group_by, campaign=campaign).rows


def funnel_summary(*, user, unit: Unit | None = None, date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> dict:
    """For the dashboard: the totals of the funnel as plain values, and the chart data by channel."""
    result = funnel(user=user, unit=unit, date_from=date_from, date_to=date_to, group_by="channel")
    return {"total": result.total.as_dict(), "chart": result.chart_data()}


# --- Lists and the overview -----------------------------------------------------------


@dataclass
class ActivityFilters:
    q: str = ""
    unit: Unit | None = None
    kind: str = ""
    campaign: Campaign | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def activity_list(user, filters: ActivityFilters | None = None) -> QuerySet[Activity]:
    f = filters or ActivityFilters()
    activities = _activities(user, unit=f.unit, date_from=f.date_from, date_to=f.date_to, campaign=f.campaign)
    if f.kind:
        activities = activities.filter(kind=f.kind)
    if f.q:
        activities = activities.filter(Q(name__icontains=f.q) | Q(place__icontains=f.q))
    return activities.select_related("unit", "campaign").annotate(lead_count=Count("leads")).order_by("-date", "-pk")


def campaign_list(user, *, year: int | None = None) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.visible_to(user)
    if year and bounds.year_problem(year) is None:
        campaigns = campaigns.filter(date_from__lte=dt.date(year, 12, 31), date_to__gte=dt.date(year, 1, 1))
    visible = Activity.objects.visible_to(user).filter(campaign=OuterRef("pk"))
    return (campaigns.select_related("unit")
            .annotate(activity_count=Coalesce(
                Subquery(visible.order_by().values("campaign").annotate(n=Count("pk")).values("n")), 0))
            .order_by("-date_from", "name", "pk"))


def lead_list(user, activity: Activity) -> QuerySet[Lead]:
    visible = Worker.objects.visible_to(user).filter(pk=OuterRef("worker"))
    return (Lead.objects.visible_to(user).filter(activity=activity).annotate(worker_visible=Exists(visible))
            .select_related("unit", "worker").order_by(*vi_order("full_name"), "pk"))


def worker_search(user, q: str, *, limit: int = 20) -> list[Worker]:
    """Workers in the user's scope by CCCD (digits) or by name, for linking a lead by hand."""
    from workers.validators import normalise_name

    q = (q or "").strip()
    if len(q) < 2:
        return []
    workers = Worker.objects.visible_to(user).select_related("unit")
    digits = q.replace(" ", "").replace(".", "")
    if digits.isdigit():
        workers = workers.filter(citizen_id__contains=digits)
    else:
        workers = workers.filter(name_key__contains=normalise_name(q))
    return list(workers.order_by(*vi_order("name_key"), "pk")[:limit])


TOTALS = {
    "job_fairs": lambda: Count("pk", filter=Q(kind=Kind.JOB_FAIR)),
    "job_fair_enterprises": lambda: Coalesce(Sum("enterprises", filter=Q(kind=Kind.JOB_FAIR)), 0),
    "job_fair_attendees": lambda: Coalesce(Sum("attendees", filter=Q(kind=Kind.JOB_FAIR)), 0),
    "conferences": lambda: Count("pk", filter=Q(kind=Kind.CONFERENCE)),
    "counselling_sessions": lambda: Count("pk", filter=Q(kind=Kind.COUNSELLING)),
    "counselled": lambda: Coalesce(Sum("counselled"), 0),
    "event_attendees": lambda: Coalesce(Sum("attendees", filter=~Q(kind=Kind.MEDIA)), 0),
    "media_items": lambda: Count("pk", filter=Q(kind=Kind.MEDIA)),
    "media_reach": lambda: Coalesce(Sum("reach", filter=Q(kind=Kind.MEDIA)), 0),
    "cost": lambda: Coalesce(Sum("cost"), 0),
}


def overview_totals(user, *, year: int, unit: Unit | None = None) -> dict:
    """One query: what the year's activities in scope add up to."""
    activities = _activities(user, unit=unit, date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    return activities.aggregate(**{name: make() for name, make in TOTALS.items()})


def activity_totals(*, unit: Unit, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """What the activities of ``unit`` and below add up to in the period (for the review document; the caller
    checked the scope). Counted like the progress report: the other structure's activities under the units
    they count under (``portal.tree.UnitTree``), one grouped query."""
    units = UnitTree(unit)
    rows = (Activity.objects.filter(units.q("unit"), date__range=(date_from, date_to)).order_by()
            .values("unit_id").annotate(**{name: make() for name, make in TOTALS.items()}))
    totals = dict.fromkeys(TOTALS, 0)
    for row in rows:
        if units.knows(row["unit_id"]):
            for name in TOTALS:
                totals[name] += row[name] or 0
    return totals
