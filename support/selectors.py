"""Reads of support: policies with their budgets used, payments, loans, and the summary
per unit and period (:func:`support_summary`) that the screen, the workbook and the
progress report share."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import ExtractYear

from portal import tree
from portal.models import Unit
from support.models import ItemKind, Loan, LoanStatus, Payment, PaymentLine, Policy, PolicyBudget, PolicyItem
from workers.validators import normalise_name

# Loans that reached the worker (an application alone is not a loan yet).
LENT = (LoanStatus.DISBURSED, LoanStatus.REPAYING, LoanStatus.REPAID, LoanStatus.OVERDUE)


# --- Policies --------------------------------------------------------------------------------------


@dataclass
class BudgetLine:
    policy: Policy
    year: int
    amount: int
    used: int
    used_here: int | None = None  # paid to workers of the summary's unit, in its period

    @property
    def left(self) -> int:
        return self.amount - self.used

    @property
    def share(self) -> float | None:
        return self.used / self.amount if self.amount else None


def used_by_policy_year(policy_ids) -> dict[tuple[int, int], int]:
    rows = (PaymentLine.objects.filter(payment__policy_id__in=list(policy_ids)).order_by()
            .annotate(year=ExtractYear("payment__date")).values_list("payment__policy_id", "year")
            .annotate(total=Sum("amount")))
    return {(policy_id, year): total for policy_id, year, total in rows}


def policy_list(user, *, year: int) -> list[Policy]:
    """Visible policies, each with ``budget_line`` for ``year`` (None without a budget): three queries."""
    policies = list(Policy.objects.visible_to(user).select_related("unit").prefetch_related("items"))
    budgets = {b.policy_id: b for b in PolicyBudget.objects.filter(policy__in=policies, year=year)}
    used = used_by_policy_year(p.pk for p in policies)
    for policy in policies:
        budget = budgets.get(policy.pk)
        policy.budget_line = BudgetLine(policy, year, budget.amount, used.get((policy.pk, year), 0)) if budget else None
    return policies


def policy_detail(user, pk: int) -> tuple[Policy, list[BudgetLine]]:
    from portal.scoping import get_visible_or_404

    policy = get_visible_or_404(Policy.objects.select_related("unit").prefetch_related("items", "eligible_statuses"),
                                user, pk=pk)
    used = used_by_policy_year([policy.pk])
    lines = [BudgetLine(policy, b.year, b.amount, used.get((policy.pk, b.year), 0)) for b in policy.budgets.order_by("year")]
    return policy, lines


@dataclass
class VersionRow:
    version: object
    valid_to: dt.date | None  # the day before the next version starts (None: in force until the policy ends)
    caps: list[tuple[str, int | None]]  # (item's name, cap) for every item any version pays
    payments: int


def policy_versions(policy: Policy) -> list[VersionRow]:
    """Each version of the policy's caps, with its period and how many payments were made under it (three queries)."""
    versions = list(policy.versions.prefetch_related("caps__item").annotate(n=Count("payments")).order_by("valid_from"))
    kinds = sorted({cap.item.kind for v in versions for cap in v.caps.all()}, key=ItemKind.values.index)
    rows = []
    for index, version in enumerate(versions):
        caps = {cap.item.kind: cap.cap for cap in version.caps.all()}
        end = versions[index + 1].valid_from - dt.timedelta(days=1) if index + 1 < len(versions) else policy.valid_to
        rows.append(VersionRow(version, end, [(ItemKind(kind).label, caps.get(kind)) for kind in kinds], version.n))
    return rows


# --- Payments and loans ----------------------------------------------------------------------------


@dataclass
class SupportFilters:
    q: str = ""
    unit: Unit | None = None
    policy: Policy | None = None
    status: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _worker_filter(queryset: QuerySet, f: SupportFilters) -> QuerySet:
    if f.q:
        digits = f.q.replace(" ", "").replace(".", "")
        if digits.isdigit():
            queryset = queryset.filter(worker__citizen_id__contains=digits)
        else:
            queryset = queryset.filter(worker__name_key__contains=normalise_name(f.q))
    if f.unit is not None:
        queryset = queryset.filter(worker__unit__path__startswith=f.unit.path)
    if f.date_from:
        queryset = queryset.filter(date__gte=f.date_from)
    if f.date_to:
        queryset = queryset.filter(date__lte=f.date_to)
    return queryset


def payment_list(user, filters: SupportFilters | None = None) -> QuerySet[Payment]:
    f = filters or SupportFilters()
    payments = _worker_filter(Payment.objects.visible_to(user), f)
    if f.policy is not None:
        payments = payments.filter(policy=f.policy)
    return (payments.annotate(total=Sum("lines__amount"))
            .select_related("worker", "worker__unit", "policy")
            .prefetch_related(Prefetch("lines", queryset=PaymentLine.objects.select_related("item")))
            .order_by("-date", "-pk"))


def payment_totals(payments: QuerySet[Payment]) -> dict[str, int]:
    lines = PaymentLine.objects.filter(payment__in=payments.order_by().values("pk"))
    totals = lines.aggregate(amount=Sum("amount"), workers=Count("payment__worker", distinct=True))
    return {"amount": totals["amount"] or 0, "workers": totals["workers"] or 0}


def loan_list(user, filters: SupportFilters | None = None) -> QuerySet[Loan]:
    f = filters or SupportFilters()
    loans = _worker_filter(Loan.objects.visible_to(user), f)
    if f.status:
        loans = loans.filter(status=f.status)
    return loans.select_related("worker", "worker__unit").order_by("-date", "-pk")


def loan_totals(loans: QuerySet[Loan]) -> dict[str, int]:
    totals = loans.order_by().aggregate(n=Count("id"), amount=Sum("amount"), workers=Count("worker", distinct=True))
    return {"count": totals["n"] or 0, "amount": totals["amount"] or 0, "workers": totals["workers"] or 0}


def worker_support(worker) -> dict:
    """What a worker received: payments (with lines) and loans."""
    payments = list(worker.payments.select_related("policy").annotate(total=Sum("lines__amount"))
                    .prefetch_related(Prefetch("lines", queryset=PaymentLine.objects.select_related("item")))
                    .order_by("-date", "-pk"))
    loans = list(worker.loans.order_by("-date", "-pk"))
    return {"payments": payments, "loans": loans, "paid": sum(p.total or 0 for p in payments),
            "borrowed": sum(loan.amount for loan in loans if loan.status in LENT)}


# --- Summary per unit and period ----------------------------------------------------------------


def _empty_items() -> dict[str, int]:
    return {kind: 0 for kind in ItemKind.values}


@dataclass
class SupportFigures:
    unit_id: int | None
    code: str
    name: str
    level: str = ""
    is_total: bool = False
    is_self: bool = False  # the chosen unit's own workers (registered at its level)
    workers_supported: int = 0
    paid: int = 0
    by_item: dict[str, int] = field(default_factory=_empty_items)
    loans: int = 0
    loan_workers: int = 0
    loan_amount: int = 0

    def add(self, other: SupportFigures) -> None:
        self.workers_supported += other.workers_supported
        self.paid += other.paid
        for kind, amount in other.by_item.items():
            self.by_item[kind] += amount
        self.loans += other.loans
        self.loan_workers += other.loan_workers
        self.loan_amount += other.loan_amount

    @property
    def is_empty(self) -> bool:
        return not (self.workers_supported or self.paid or self.loans)

    def items_in_order(self) -> list[int]:
        return [self.by_item[kind] for kind in ItemKind.values]


@dataclass
class SupportSummary:
    unit: Unit
    date_from: dt.date
    date_to: dt.date
    leaves: dict[int, SupportFigures]  # by the workers' home unit, as counted
    rows: list[SupportFigures]  # the units directly below the chosen one (and its own workers)
    total: SupportFigures
    budgets: list[BudgetLine]

    @property
    def item_kinds(self) -> list[tuple[str, str]]:
        return list(ItemKind.choices)

    @property
    def items_paid(self) -> list[tuple[str, str, int]]:
        return [(kind, label, self.total.by_item[kind]) for kind, label in ItemKind.choices]


def support_summary(*, unit: Unit, date_from: dt.date, date_to: dt.date) -> SupportSummary:
    """Workers supported, amounts per item, loans and budgets used for ``unit`` and below, in the period.

    Three aggregate queries grouped by the workers' home unit (``leaves``), one
    for the subtree, two for the budgets; the rows below the unit are rolled up
    in Python by path. The query count does not depend on the data.
    """
    in_unit = tree.subtree_q("worker__unit", [unit.path])
    leaves: dict[int, SupportFigures] = {}

    def leaf(unit_id: int) -> SupportFigures:
        if unit_id not in leaves:
            leaves[unit_id] = SupportFigures(unit_id, "", "")
        return leaves[unit_id]

    payments = Payment.objects.filter(in_unit, date__range=(date_from, date_to))
    for row in (PaymentLine.objects.filter(payment__in=payments.values("pk")).order_by()
                .values_list("payment__worker__unit_id", "item__kind").annotate(total=Sum("amount"))):
        unit_id, kind, total = row
        figures = leaf(unit_id)
        figures.by_item[kind] += total
        figures.paid += total
    for unit_id, workers in payments.order_by().values_list("worker__unit_id").annotate(n=Count("worker", distinct=True)):
        leaf(unit_id).workers_supported += workers
    loans = Loan.objects.filter(in_unit, date__range=(date_from, date_to), status__in=LENT)
    for unit_id, n, workers, amount in (loans.order_by().values_list("worker__unit_id")
                                        .annotate(n=Count("id"), w=Count("worker", distinct=True), s=Sum("amount"))):
        figures = leaf(unit_id)
        figures.loans, figures.loan_workers, figures.loan_amount = n, workers, amount

    # By the workers' home units in the unit's own structure (the legacy units a 2025 unit took over are
    # not counted here).
    units = tree.UnitTree(unit, other_structure=False)
    rows = {pk: SupportFigures(pk, *units.units[pk][:3]) for pk in units.children}
    own = SupportFigures(unit.pk, unit.code, unit.name, unit.level, is_self=True)
    total = SupportFigures(unit.pk, unit.code, unit.name, unit.level, is_total=True)
    for unit_id, figures in leaves.items():
        figures.code, figures.name, figures.level = units.units[unit_id][:3]
        total.add(figures)
        child = units.child_of(unit_id)
        (own if child is None else rows[child]).add(figures)
    ordered = sorted(rows.values(), key=lambda r: r.code)
    if not own.is_empty:
        ordered.insert(0, own)
    return SupportSummary(unit=unit, date_from=date_from, date_to=date_to, leaves=leaves, rows=ordered, total=total,
                          budgets=_budget_lines(unit, date_from, date_to, payments))


def _budget_lines(unit: Unit, date_from: dt.date, date_to: dt.date, payments: QuerySet[Payment]) -> list[BudgetLine]:
    """The budgets of the years of the period of the policies covering the unit (run above it, by it or below it)."""
    policies = tree.subtree_q("policy__unit", [unit.path]) | tree.ancestors_q("policy__unit", [unit.path])
    budgets = list(PolicyBudget.objects.filter(policies, year__range=(date_from.year, date_to.year))
                   .select_related("policy").order_by("policy__code", "year"))
    used = used_by_policy_year({b.policy_id for b in budgets})
    here = dict(((policy_id, year), total) for policy_id, year, total in
                PaymentLine.objects.filter(payment__in=payments.values("pk")).order_by()
                .annotate(year=ExtractYear("payment__date")).values_list("payment__policy_id", "year")
                .annotate(total=Sum("amount")))
    return [BudgetLine(b.policy, b.year, b.amount, used.get((b.policy_id, b.year), 0),
                       here.get((b.policy_id, b.year), 0)) for b in budgets]


def policy_items_by_kind(policy: Policy) -> dict[str, PolicyItem]:
    return {item.kind: item for item in policy.items.all()}
