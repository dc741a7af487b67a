"""Reads of complaint cases. The screen, the Excel export and the command share :func:`case_list`; the
warning list of parties, the enterprise counts and the summary per unit are the figures the cases give back
(``reports`` may read them: :func:`complaint_counts_by_enterprise`, :func:`overdue_cases`,
:func:`case_summary`)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet, Sum

from complaints.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseAccess,
    CaseStep,
    Category,
    Party,
    PartyKind,
    Status,
)
from complaints.parties import party_name_key
from portal import tree
from portal.models import Role, Unit
from portal.phones import normalise_phone
from portal.scoping import get_visible_or_404, sees_everything, user_role, user_unit
from workers.models import Enterprise
from workers.services import today as local_today

SORTS = {
    "received": ("received_on", "pk"), "-received": ("-received_on", "-pk"),
    "number": ("number",), "-number": ("-number",),
    # Closed cases (no due date) come last both ways.
    "due": (F("due_on").asc(nulls_last=True), "pk"), "-due": (F("due_on").desc(nulls_last=True), "-pk"),
    "status": ("status", "-received_on", "pk"), "-status": ("-status", "-received_on", "pk"),
    "unit": ("unit__path", "-received_on", "pk"), "-unit": ("-unit__path", "-received_on", "pk"),
    "amount": (F("amount_claimed").asc(nulls_last=True), "pk"),
    "-amount": (F("amount_claimed").desc(nulls_last=True), "-pk"),
}
STATES = ("open", "overdue", "final")


# --- Who sees the complainant ------------------------------------------------------------------------------------


def sees_complainant(user, case: Case) -> bool:
    """The complainant's identity and contact: the unit handling the case (and a 2025 unit that took it over)
    and the province (and administrators); masked for every other user who may open the case (an official of
    the district above a commune's case, leadership)."""
    role = user_role(user)
    if role in (Role.ADMIN, Role.PROVINCE):
        return True
    if role != Role.OFFICIAL:
        return False
    unit = user_unit(user)
    if unit is None:
        return False
    return case.unit_id == unit.pk or any(tree.is_within(case.unit.path, path) for path in tree.legacy_prefixes(unit))


def _complainant_condition(user) -> Q | None:
    """The cases whose complainant the user sees, as a condition (None: all of them; for search)."""
    role = user_role(user)
    if role in (Role.ADMIN, Role.PROVINCE):
        return None
    unit = user_unit(user)
    if role != Role.OFFICIAL or unit is None:
        return Q(pk__in=[])
    return Q(unit=unit) | tree.subtree_q("unit", tree.legacy_prefixes(unit))


# --- The list ------------------------------------------------------------------------------------------------------


@dataclass
class CaseFilters:
    q: str = ""
    unit: Unit | None = None
    state: str = ""  # "" | open | overdue | final
    status: str = ""
    category: Category | None = None
    enterprise: Enterprise | None = None
    party: Party | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "-received"


def case_list(user, filters: CaseFilters | None = None, *, today: dt.date | None = None) -> QuerySet[Case]:
    """The cases the user may see, filtered and sorted. Text search: the case number, the party's name or phone
    as given, and the complainant's name only among the cases whose complainant the user sees."""
    f = filters or CaseFilters()
    today = today or local_today()
    cases = Case.objects.visible_to(user)
    if f.q:
        text = " ".join(f.q.split())
        condition = Q(number__icontains=text)
        if key := party_name_key(text, PartyKind.COMPANY):
            condition |= Q(respondent_name_key__contains=key)
        if phone := normalise_phone(text):
            condition |= Q(respondent_phone_key=phone)
        complainant = _complainant_condition(user)
        by_name = Q(complainant_name__icontains=text)
        condition |= by_name if complainant is None else (by_name & complainant)
        cases = cases.filter(condition)
    if f.unit is not None:
        cases = cases.filter(unit__path__startswith=f.unit.path)
    if f.state == "open":
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif f.state == "overdue":
        cases = cases.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    elif f.state == "final":
        cases = cases.filter(status__in=FINAL_STATUSES)
    if f.status:
        cases = cases.filter(status=f.status)
    if f.category is not None:
        cases = cases.filter(category=f.category)
    if f.enterprise is not None:
        cases = cases.filter(enterprise=f.enterprise)
    if f.party is not None:
        cases = cases.filter(party=f.party)
    if f.date_from:
        cases = cases.filter(received_on__gte=f.date_from)
    if f.date_to:
        cases = cases.filter(received_on__lte=f.date_to)
    return (cases.select_related("unit", "unit__parent", "category", "party", "enterprise", "worker")
            .order_by(*SORTS.get(f.sort, SORTS["-received"])))


def case_counts(cases: QuerySet[Case], *, today: dt.date) -> dict[str, int]:
    """Totals of a (filtered) list: cases, open, overdue, amounts claimed and recovered; one query."""
    totals = cases.order_by().aggregate(
        n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        claimed=Sum("amount_claimed"), recovered=Sum("amount_recovered"))
    return {key: value or 0 for key, value in totals.items()}


@dataclass
class ExportCase:
    case: Case
    started: dict[str, dt.date]  # the start date of each of its steps
    referred_to: str
    final_note: str  # the note of its final step (the reason of a rejection or closure)
    full: bool  # the user sees the complainant


def case_export_rows(user, cases: QuerySet[Case], *, chunk_size: int = 500) -> Iterator[ExportCase]:
    """The cases of ``cases`` (a :func:`case_list` queryset, in its order) with their steps, read in chunks (two
    queries per chunk)."""
    steps = CaseStep.objects.only("case_id", "status", "started_on", "referred_to", "note")
    for case in cases.select_related("country").prefetch_related(Prefetch("steps", queryset=steps)).iterator(
            chunk_size=chunk_size):
        by_status = {step.status: step for step in case.steps.all()}
        referral = by_status.get(Status.REFERRED)
        final = by_status.get(case.status) if case.status in FINAL_STATUSES else None
        yield ExportCase(case=case, started={status: step.started_on for status, step in by_status.items()},
                         referred_to=referral.referred_to if referral else "", final_note=final.note if final else "",
                         full=sees_complainant(user, case))


def case_detail(user, pk: int) -> Case:
    queryset = Case.objects.select_related(
        "unit", "unit__parent", "category", "party", "enterprise", "worker", "worker__unit", "country", "created_by",
    ).prefetch_related(
        Prefetch("steps", queryset=CaseStep.objects.select_related("by").order_by("started_on", "pk")),
        "attachments",
    )
    return get_visible_or_404(queryset, user, pk=pk)


def overdue_cases(user, *, today: dt.date | None = None) -> QuerySet[Case]:
    """Open cases past the due date of their current step, most overdue first (for an inbox or a due board)."""
    today = today or local_today()
    return (Case.objects.visible_to(user).filter(status__in=OPEN_STATUSES, due_on__lt=today)
            .select_related("unit", "category", "party").order_by("due_on", "pk"))


def worker_cases(user, worker) -> list[Case]:
    """The cases of a worker (as complainant or worker concerned) whose complainant the user sees."""
    cases = Case.objects.visible_to(user).filter(worker=worker).select_related("unit", "category", "party")
    return [case for case in cases.order_by("-received_on", "-pk") if sees_complainant(user, case)]


def access_log_list(user, *, case_q: str = "", username: str = "", date_from: dt.date | None = None,
                    date_to: dt.date | None = None) -> QuerySet[CaseAccess]:
    logs = CaseAccess.objects.visible_to(user).select_related("user", "case", "case__unit")
    if case_q:
        logs = logs.filter(case__number__icontains=case_q.strip())
    if username:
        logs = logs.filter(user__username__iexact=username.strip())
    if date_from:
        logs = logs.filter(at__date__gte=date_from)
    if date_to:
        logs = logs.filter(at__date__lte=date_to)
    return logs.order_by("-at", "-pk")


# --- What the cases give back: parties, enterprises --------------------------------------------------------------


def region_paths(user) -> list[str] | None:
    """Where the warnings a user reads are counted: their province, with the provinces of the other structure
    linked to it (Ninh Thuận's cases count for new Khánh Hòa and the other way round); None for administrators
    (the whole country)."""
    if sees_everything(user):
        return None
    unit = user_unit(user)
    if unit is None:
        return []
    cached = getattr(user, "_complaint_region", None)  # two queries, once per request
    if cached is None:
        path = tree.province_path(unit.path)
        province = Unit.objects.filter(path=path).first()
        cached = user._complaint_region = [path, *(tree.linked_provinces(province) if province is not None else [])]
    return cached


def _region(user) -> QuerySet[Case]:
    paths = region_paths(user)
    cases = Case.objects.all()
    return cases if paths is None else cases.filter(tree.subtree_q("unit", paths))


@dataclass
class PartyWarning:
    party: Party
    cases: int
    open: int
    overdue: int
    units: int
    first_received: dt.date
    last_received: dt.date
    claimed: int
    categories: list[str] = field(default_factory=list)
    visible: bool = False  # the user sees at least one of its cases (its page opens)


WARNING_FILTERS = ("open", "repeat", "all")


def party_warnings(user, *, show: str = "open", q: str = "", today: dt.date | None = None) -> QuerySet:
    """The parties named in the cases of the user's region (:func:`region_paths`), one row each with its
    counts, most open cases first: ``show`` "open" (parties with open cases: checked before recommending an
    enterprise), "repeat" (named in two cases or more) or "all". A values queryset (paginate it, then
    :func:`party_warning_rows`)."""
    today = today or local_today()
    cases = _region(user)
    if q:
        text = " ".join(q.split())
        condition = Q(party__name__icontains=text) | Q(respondent_name_key__contains=party_name_key(text, "company"))
        if phone := normalise_phone(text):
            condition |= Q(respondent_phone_key=phone) | Q(party__phone_key=phone)
        cases = cases.filter(party__in=cases.filter(condition).values("party_id"))
    rows = (cases.order_by().values("party_id").annotate(
        n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        units=Count("unit", distinct=True), first=Min("received_on"), last=Max("received_on"),
        claimed=Sum("amount_claimed")))
    if show == "open":
        rows = rows.filter(open__gt=0)
    elif show == "repeat":
        rows = rows.filter(n__gte=2)
    return rows.order_by("-open", "-n", "-last", "party_id")


def party_warning_rows(user, rows) -> list[PartyWarning]:
    """The rows of one page of :func:`party_warnings` with their parties, categories and whether the user may
    open them: three queries whatever the page holds."""
    rows = list(rows)
    ids = [row["party_id"] for row in rows]
    parties = Party.objects.select_related("enterprise").in_bulk(ids)
    visible = set(Party.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    categories: dict[int, list[str]] = defaultdict(list)
    for party_id, name_vi, name_en in (_region(user).filter(party_id__in=ids).order_by("category__order")
                                       .values_list("party_id", "category__name_vi", "category__name_en").distinct()):
        label = Category(name_vi=name_vi, name_en=name_en).name
        if label not in categories[party_id]:
            categories[party_id].append(label)
    return [PartyWarning(party=parties[row["party_id"]], cases=row["n"], open=row["open"], overdue=row["overdue"],
                         units=row["units"], first_received=row["first"], last_received=row["last"],
                         claimed=row["claimed"] or 0, categories=categories[row["party_id"]],
                         visible=row["party_id"] in visible) for row in rows]


@dataclass
class PartyDetail:
    party: Party
    warning: PartyWarning | None  # counts across the user's region
    cases: list[Case]  # those the user may open
    names: list[str]  # the names and phones it was given in them
    phones: list[str]


def party_detail(user, pk: int, *, today: dt.date | None = None) -> PartyDetail:
    party = get_visible_or_404(Party.objects.select_related("enterprise"), user, pk=pk)
    rows = party_warning_rows(user, party_warnings(user, show="all", today=today).filter(party_id=party.pk))
    cases = list(case_list(user, CaseFilters(party=party)))
    names = sorted({case.respondent_name for case in cases if case.respondent_name})
    phones = sorted({case.respondent_phone for case in cases if case.respondent_phone})
    return PartyDetail(party=party, warning=rows[0] if rows else None, cases=cases, names=names, phones=phones)


@dataclass
class EnterpriseComplaints:
    enterprise_id: int
    received: int = 0
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    rejected: int = 0
    claimed: int = 0
    recovered: int = 0


def _enterprise_counts(cases: QuerySet[Case], today: dt.date) -> dict[int, EnterpriseComplaints]:
    rows = (cases.filter(enterprise__isnull=False).order_by().values("enterprise_id").annotate(
        n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        resolved=Count("id", filter=Q(status=Status.RESOLVED)), rejected=Count("id", filter=Q(status=Status.REJECTED)),
        claimed=Sum("amount_claimed"), recovered=Sum("amount_recovered")))
    return {row["enterprise_id"]: EnterpriseComplaints(
        row["enterprise_id"], row["n"], row["open"], row["overdue"], row["resolved"], row["rejected"],
        row["claimed"] or 0, row["recovered"] or 0) for row in rows}


def complaint_counts_by_enterprise(unit: Unit | None, date_from: dt.date, date_to: dt.date, *,
                                   today: dt.date | None = None) -> dict[int, EnterpriseComplaints]:
    """Per licensed enterprise (by id): the cases received in the period by ``unit`` and the units below it
    (a 2025 unit: with the legacy units it took over; None: the whole country), how many of them are still open
    (and overdue), resolved, rejected, and the money claimed and recovered. One query; for the enterprise
    scorecard (the caller checked the scope)."""
    cases = Case.objects.filter(received_on__range=(date_from, date_to))
    if unit is not None:
        cases = cases.filter(tree.subtree_q("unit", [unit.path, *tree.legacy_prefixes(unit)]))
    return _enterprise_counts(cases, today or local_today())


def enterprise_complaints(user, enterprise_ids, *, today: dt.date | None = None) -> dict[int, EnterpriseComplaints]:
    """The counts of all the cases of the user's region (:func:`region_paths`) against these enterprises."""
    return _enterprise_counts(_region(user).filter(enterprise_id__in=list(enterprise_ids)), today or local_today())


def enterprise_parties(user, enterprise_ids) -> dict[int, int]:
    """The parties of these enterprises whose page the user may open: enterprise id → party id."""
    return dict(Party.objects.visible_to(user).filter(enterprise_id__in=list(enterprise_ids))
                .values_list("enterprise_id", "pk"))


# --- Summary per unit and period ---------------------------------------------------------------------------------


@dataclass
class SummaryFigures:
    unit_id: int | None
    code: str
    name: str
    is_total: bool = False
    is_self: bool = False
    received: int = 0
    settled: int = 0  # reached resolved / rejected / closed in the period
    settled_in_time: int = 0  # … with no step ended after its due date
    resolved: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0
    claimed: int = 0  # of the cases received in the period
    recovered: int = 0  # of the cases settled in the period

    WIDTH = 9

    def values(self) -> tuple[int, ...]:
        return (self.received, self.settled, self.settled_in_time, self.resolved, self.open_at_end,
                self.overdue_at_end, self.claimed, self.recovered, 0)

    def set_values(self, values) -> None:
        (self.received, self.settled, self.settled_in_time, self.resolved, self.open_at_end, self.overdue_at_end,
         self.claimed, self.recovered, _unused) = values

    @property
    def in_time_share(self) -> float | None:
        return self.settled_in_time / self.settled if self.settled else None

    @property
    def is_empty(self) -> bool:
        return not (self.received or self.settled or self.open_at_end)


@dataclass
class CaseSummary:
    unit: Unit
    date_from: dt.date
    date_to: dt.date
    rows: list[SummaryFigures]
    total: SummaryFigures
    by_category: list[tuple[str, int, int]]  # category, received, settled in the period


def case_summary(*, unit: Unit, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> CaseSummary:
    """Per unit directly below ``unit`` (and its own cases), for the period: cases received, settled (and of
    those settled in time: no step ended after its due date), resolved, open and overdue at the end of the
    period (or today, if it ends later), money claimed and recovered. A handful of aggregate queries grouped by
    the handling unit, rolled up the tree in Python: the query count does not depend on the data."""
    end = min(date_to, today or local_today())
    units = tree.UnitTree(unit)
    in_tree = Case.objects.filter(units.q("unit"))
    leaves: dict[int, list[int]] = defaultdict(lambda: [0] * SummaryFigures.WIDTH)
    received = in_tree.filter(received_on__range=(date_from, date_to))
    for unit_id, n, claimed in (received.order_by().values("unit_id").annotate(n=Count("id"), s=Sum("amount_claimed"))
                                .values_list("unit_id", "n", "s")):
        leaves[unit_id][0] += n
        leaves[unit_id][6] += claimed or 0
    late = CaseStep.objects.filter(case=OuterRef("pk"), due_on__isnull=False, ended_on__gt=F("due_on"))
    settled = in_tree.filter(status__in=FINAL_STATUSES, closed_on__range=(date_from, date_to))
    for unit_id, n, in_time, resolved, recovered in (
            settled.annotate(late=Exists(late)).order_by().values("unit_id").annotate(
                n=Count("id"), in_time=Count("id", filter=Q(late=False)),
                resolved=Count("id", filter=Q(status=Status.RESOLVED)), recovered=Sum("amount_recovered"))
            .values_list("unit_id", "n", "in_time", "resolved", "recovered")):
        leaves[unit_id][1] += n
        leaves[unit_id][2] += in_time
        leaves[unit_id][3] += resolved
        leaves[unit_id][7] += recovered or 0
    # Open at the end: received by then, not closed by then; overdue: the step it was in was past its due date.
    open_then = in_tree.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=end), received_on__lte=end)
    step_then = CaseStep.objects.filter(case=OuterRef("pk"), status__in=OPEN_STATUSES, started_on__lte=end,
                                        due_on__lt=end).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))
    for unit_id, n, overdue in (open_then.annotate(overdue=Exists(step_then)).order_by().values("unit_id")
                                .annotate(n=Count("id"), late=Count("id", filter=Q(overdue=True)))
                                .values_list("unit_id", "n", "late")):
        leaves[unit_id][4] += n
        leaves[unit_id][5] += overdue
    sums, grand = units.sum_by_child(leaves.items(), SummaryFigures.WIDTH)
    rows = []
    for pk in units.children:
        row = SummaryFigures(pk, *units.units[pk][:2])
        row.set_values(sums.get(pk, [0] * SummaryFigures.WIDTH))
        rows.append(row)
    if None in sums:
        own = SummaryFigures(unit.pk, unit.code, unit.name, is_self=True)
        own.set_values(sums[None])
        if not own.is_empty:
            rows.insert(0, own)
    total = SummaryFigures(unit.pk, unit.code, unit.name, is_total=True)
    total.set_values(grand)
    by_category = []
    received_by = dict(received.order_by().values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    settled_by = dict(settled.order_by().values("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    for category in Category.objects.filter(pk__in=set(received_by) | set(settled_by)):
        by_category.append((category.name, received_by.get(category.pk, 0), settled_by.get(category.pk, 0)))
    return CaseSummary(unit=unit, date_from=date_from, date_to=date_to, rows=rows, total=total,
                       by_category=by_category)
