"""Writes on support: payments under policies and VBSP loans.

``payment_record`` refuses (``ValidationError``, nothing saved) a payment to
a worker who is not eligible on its date, an item above its cap counting what
the worker already received under the policy, and a payment that would exceed
the policy's budget of the year. The budget row is locked
(``select_for_update``) before anything is counted, so two payments under the
same policy are checked one after the other and cannot both pass.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from portal.formats import format_date, format_money
from portal.scoping import unit_in_scope
from portal.tree import is_within
from support.models import (
    Loan,
    LoanEligibility,
    LoanStatus,
    Payment,
    PaymentLine,
    Policy,
    PolicyBudget,
    PolicyItem,
)
from workers.models import Worker
from workers.reference import ETHNIC_MINORITY_CODE
from workers.services import today

# A loan moves forward only: applied → disbursed → repaying ⇄ overdue → repaid.
LOAN_NEXT = {
    LoanStatus.APPLIED: {LoanStatus.DISBURSED},
    LoanStatus.DISBURSED: {LoanStatus.REPAYING, LoanStatus.OVERDUE, LoanStatus.REPAID},
    LoanStatus.REPAYING: {LoanStatus.OVERDUE, LoanStatus.REPAID},
    LoanStatus.OVERDUE: {LoanStatus.REPAYING, LoanStatus.REPAID},
    LoanStatus.REPAID: set(),
}
MAX_TERM_MONTHS = 120


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- Eligibility ---------------------------------------------------------------------------------


def worker_groups(worker: Worker) -> set[str]:
    """The worker's household status codes, plus ``ethnic_minority`` for a non-majority ethnic group."""
    codes = {h.code for h in worker.household_statuses.all()}
    if worker.ethnicity_id and not worker.ethnicity.is_majority:
        codes.add(ETHNIC_MINORITY_CODE)
    return codes


def policy_groups(policy: Policy) -> set[str]:
    codes = {h.code for h in policy.eligible_statuses.all()}
    if policy.admits_ethnic_minority:
        codes.add(ETHNIC_MINORITY_CODE)
    return codes


def policy_eligibility_problem(policy: Policy, worker: Worker, date: dt.date, *, groups: set[str] | None = None,
                               admitted: set[str] | None = None) -> str | None:
    """Why ``worker`` cannot be paid under ``policy`` on ``date`` (None: eligible).

    A policy with no eligible group named is open to every resident of its unit.
    """
    if not policy.active:
        return _("The policy %(code)s is not active.") % {"code": policy.code}
    if date < policy.valid_from or (policy.valid_to and date > policy.valid_to):
        return _("The policy %(code)s is valid from %(start)s to %(end)s: not on %(date)s.") % {
            "code": policy.code, "start": format_date(policy.valid_from),
            "end": format_date(policy.valid_to) if policy.valid_to else "…", "date": format_date(date)}
    if not is_within(worker.unit.path, policy.unit.path):
        return _("The worker does not live in %(unit)s, which the policy covers.") % {"unit": policy.unit.name}
    admitted = policy_groups(policy) if admitted is None else admitted
    if admitted and not (admitted & (worker_groups(worker) if groups is None else groups)):
        return _("The worker belongs to none of the groups the policy %(code)s supports.") % {"code": policy.code}
    return None


def loan_eligible_codes() -> set[str]:
    return set(LoanEligibility.objects.values_list("household_status__code", flat=True))


def loan_eligibility_problem(worker: Worker, *, groups: set[str] | None = None,
                             eligible: set[str] | None = None) -> str | None:
    eligible = loan_eligible_codes() if eligible is None else eligible
    if not (eligible & (worker_groups(worker) if groups is None else groups)):
        return _("The worker belongs to none of the groups eligible for a VBSP loan (poor or near-poor household, "
                 "ethnic minority, relative of a person with merit, household whose farmland was recovered).")
    return None


# --- Payments --------------------------------------------------------------------------------------


def received_by_item(worker: Worker, items: Iterable[PolicyItem]) -> dict[int, int]:
    """What the worker already received for each item (all dates)."""
    return dict(PaymentLine.objects.filter(payment__worker=worker, item__in=list(items)).order_by()
                .values_list("item_id").annotate(total=Sum("amount")))


def budget_used(policy: Policy, year: int) -> int:
    return PaymentLine.objects.filter(payment__policy=policy, payment__date__year=year).aggregate(
        total=Sum("amount"))["total"] or 0


def payment_record(*, user, worker: Worker, policy: Policy, date: dt.date, decision_no: str,
                   lines: Sequence[tuple[PolicyItem, int]]) -> Payment:
    """Pay ``worker`` the items of ``lines`` under ``policy``; refused whole or saved whole.

    A payment with the same worker, policy, date and decision number gets the
    new items added (an item already in it is refused).
    """
    decision_no = " ".join((decision_no or "").split())
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not decision_no:
        add("decision_no", _("Enter the decision number."))
    if date > today():
        add("date", _("The payment date is in the future."))
    if not lines:
        add(NON_FIELD_ERRORS, _("Enter at least one item and its amount."))
    seen: set[int] = set()
    for item, amount in lines:
        if item.policy_id != policy.pk:
            add(NON_FIELD_ERRORS, _("%(item)s is not an item of the policy %(code)s.") % {"item": item, "code": policy.code})
        if item.pk in seen:
            add(NON_FIELD_ERRORS, _("%(item)s appears twice.") % {"item": item})
        seen.add(item.pk)
        if not isinstance(amount, int) or amount <= 0:
            add(NON_FIELD_ERRORS, _("%(item)s: the amount must be a whole number of đồng above 0.") % {"item": item})
    if user is not None and not unit_in_scope(user, worker.unit):
        add(NON_FIELD_ERRORS, _("The worker is outside your scope."))
    if not errors:
        problem = policy_eligibility_problem(policy, worker, date)
        if problem:
            add(NON_FIELD_ERRORS, problem)
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        budget = PolicyBudget.objects.select_for_update().filter(policy=policy, year=date.year).first()
        if budget is None:
            raise ValidationError({NON_FIELD_ERRORS: [_("The policy %(code)s has no budget for %(year)s.") % {
                "code": policy.code, "year": date.year}]})
        received = received_by_item(worker, [item for item, _amount in lines])
        for item, amount in lines:
            already = received.get(item.pk, 0)
            if already + amount > item.cap:
                add(NON_FIELD_ERRORS, _(
                    "%(item)s: %(amount)s would exceed the cap of %(cap)s per worker (already received %(received)s, "
                    "at most %(left)s more).") % {
                    "item": item, "amount": format_money(amount), "cap": format_money(item.cap),
                    "received": format_money(already), "left": format_money(max(item.cap - already, 0))})
        total = sum(amount for _item, amount in lines)
        used = budget_used(policy, date.year)
        if used + total > budget.amount:
            add(NON_FIELD_ERRORS, _(
                "The %(year)s budget of the policy %(code)s would be exceeded: %(used)s of %(budget)s already paid, "
                "this payment %(total)s, %(left)s left.") % {
                "year": date.year, "code": policy.code, "used": format_money(used), "budget": format_money(budget.amount),
                "total": format_money(total), "left": format_money(max(budget.amount - used, 0))})
        if errors:
            raise ValidationError(errors)
        payment, _created = Payment.objects.get_or_create(
            worker=worker, policy=policy, date=date, decision_no=decision_no,
            defaults={"created_by": _user_or_none(user)})
        clash = set(payment.lines.filter(item__in=[item for item, _a in lines]).values_list("item__kind", flat=True))
        if clash:
            raise ValidationError({NON_FIELD_ERRORS: [_(
                "This decision already pays the worker for: %(items)s.") % {"items": ", ".join(
                    str(item) for item, _a in lines if item.kind in clash)}]})
        for item, amount in lines:
            PaymentLine.objects.create(payment=payment, item=item, amount=amount)
    return payment


# --- Loans ---------------------------------------------------------------------------------------


def loan_statuses_after(status: str) -> set[str]:
    """Every status a loan in ``status`` may move to (several steps at once allowed)."""
    reached, todo = set(), [status]
    while todo:
        for nxt in LOAN_NEXT[todo.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return reached


def loan_record(*, user, worker: Worker, amount: int, date: dt.date, term_months: int, purpose: str = "",
                status: str = LoanStatus.DISBURSED, bank_reference: str = "") -> Loan:
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or amount <= 0:
        errors["amount"] = [_("The amount must be a whole number of đồng above 0.")]
    if date > today():
        errors["date"] = [_("The disbursement date is in the future.")]
    if not isinstance(term_months, int) or not 1 <= term_months <= MAX_TERM_MONTHS:
        errors["term_months"] = [_("The term must be between 1 and %(max)s months.") % {"max": MAX_TERM_MONTHS}]
    if status not in LoanStatus.values:
        errors["status"] = [_("Unknown status.")]
    if user is not None and not unit_in_scope(user, worker.unit):
        errors[NON_FIELD_ERRORS] = [_("The worker is outside your scope.")]
    else:
        problem = loan_eligibility_problem(worker)
        if problem:
            errors[NON_FIELD_ERRORS] = [problem]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Loan.objects.filter(worker=worker, date=date, amount=amount).exists():
            raise ValidationError({NON_FIELD_ERRORS: [_("This loan (same worker, date and amount) is already recorded.")]})
        return Loan.objects.create(worker=worker, amount=amount, date=date, term_months=term_months,
                                   purpose=" ".join(purpose.split()), status=status,
                                   bank_reference=bank_reference.strip(), created_by=_user_or_none(user))


def loan_update_status(*, user, loan: Loan, status: str) -> Loan:
    with transaction.atomic():
        current = Loan.objects.select_for_update().only("status").get(pk=loan.pk).status
        if status == current:
            return loan
        if status not in loan_statuses_after(current):
            raise ValidationError({"status": _("A loan that is “%(current)s” cannot become “%(status)s”.") % {
                "current": LoanStatus(current).label,
                "status": LoanStatus(status).label if status in LoanStatus.values else status}})
        loan.status = status
        loan.save(update_fields=["status"])
    return loan
