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
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from portal.formats import format_date, format_money
from portal.scoping import can_approve, unit_in_scope
from portal.tree import is_within
from support.models import (
    ItemKind,
    Loan,
    LoanEligibility,
    LoanStatus,
    Payment,
    PaymentLine,
    Policy,
    PolicyBudget,
    PolicyCap,
    PolicyItem,
    PolicyVersion,
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


# --- Versions of a policy's caps ---------------------------------------------------------------------------


def policy_versions_ensure(policy: Policy, *, user=None) -> None:
    """Give a policy without a version (written by a data migration's time, a test, /admin/) its first: in force from
    the policy's start, with its items' caps."""
    if policy.versions.exists():
        return
    with transaction.atomic():
        version, created = PolicyVersion.objects.get_or_create(policy=policy, number=1, defaults={
            "valid_from": policy.valid_from, "legal_reference": policy.legal_reference[:500],
            "created_by": _user_or_none(user)})
        if created:
            PolicyCap.objects.bulk_create([PolicyCap(version=version, item=item, cap=item.cap)
                                           for item in policy.items.all()])


def policy_version_on(policy: Policy, date: dt.date) -> PolicyVersion | None:
    """The version of ``policy`` in force on ``date`` (the latest that started on or before it)."""
    return policy.versions.filter(valid_from__lte=date).order_by("-valid_from").first()


def version_caps(version: PolicyVersion) -> dict[int, int]:
    """{item id: cap} of a version."""
    return dict(version.caps.values_list("item_id", "cap"))


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
        policy_versions_ensure(policy)  # a policy written outside the screens gets its first version here
        version = policy_version_on(policy, date)
        caps = version_caps(version) if version is not None else {}
        received = received_by_item(worker, [item for item, _amount in lines])
        for item, amount in lines:
            if item.pk not in caps:
                add(NON_FIELD_ERRORS, _("%(item)s is not paid by the version of the policy %(code)s in force on "
                                        "%(date)s.") % {"item": item, "code": policy.code, "date": format_date(date)})
                continue
            cap = caps[item.pk]
            already = received.get(item.pk, 0)
            if already + amount > cap:
                add(NON_FIELD_ERRORS, _(
                    "%(item)s: %(amount)s would exceed the cap of %(cap)s per worker (already received %(received)s, "
                    "at most %(left)s more).") % {
                    "item": item, "amount": format_money(amount), "cap": format_money(cap),
                    "received": format_money(already), "left": format_money(max(cap - already, 0))})
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
            defaults={"created_by": _user_or_none(user), "version": version})
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


# --- Policies on the screen -----------------------------------------------------------------------------------


@dataclass
class PolicyTerms:
    """A policy as the screen sets it (its caps and budgets come beside it)."""

    code: str
    name: str
    unit: object
    legal_basis: str
    legal_reference: str
    valid_from: dt.date
    valid_to: dt.date | None
    eligible_statuses: Sequence
    admits_ethnic_minority: bool
    active: bool = True


def can_edit_policy(user, unit) -> bool:
    """Provincial staff (and administrators) edit the policies of the units in their scope."""
    return can_approve(user) and unit_in_scope(user, unit)


def _max_received(policy: Policy, *, version: PolicyVersion | None = None) -> dict[int, tuple[int, int]]:
    """{item id: (largest total one worker received, that worker's id)} over the workers paid under ``version``
    (all versions when None), counting everything they received of the item (a cap counts every payment)."""
    lines = PaymentLine.objects.filter(payment__policy=policy)
    workers = lines if version is None else lines.filter(payment__version=version)
    totals = (PaymentLine.objects.filter(payment__policy=policy, payment__worker__in=workers.values("payment__worker"))
              .order_by().values_list("item_id", "payment__worker_id").annotate(total=Sum("amount")))
    largest: dict[int, tuple[int, int]] = {}
    for item_id, worker_id, total in totals:
        if total > largest.get(item_id, (0, 0))[0]:
            largest[item_id] = (total, worker_id)
    return largest


def _term_problems(user, policy: Policy | None, terms: PolicyTerms, caps: dict[str, int],
                   budgets: dict[int, int]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not can_edit_policy(user, terms.unit):
        add("unit", _("The unit %(unit)s is outside your scope.") % {"unit": terms.unit.name})
    clash = Policy.objects.filter(code__iexact=terms.code)
    if policy is not None:
        clash = clash.exclude(pk=policy.pk)
    if clash.exists():
        add("code", _("Another policy has the code %(code)s.") % {"code": terms.code})
    if terms.valid_to and terms.valid_to < terms.valid_from:
        add("valid_to", _("The end of validity is before its start."))
    if not caps:
        add(NON_FIELD_ERRORS, _("Enter the cap per worker of at least one item."))
    if any(amount <= 0 for amount in caps.values()):
        add(NON_FIELD_ERRORS, _("A cap is a whole number of đồng above 0."))
    for year, amount in budgets.items():
        if amount <= 0:
            add(NON_FIELD_ERRORS, _("The %(year)s budget must be above 0.") % {"year": year})
        if not (terms.valid_from.year <= year <= (terms.valid_to or dt.date(9999, 1, 1)).year):
            add(NON_FIELD_ERRORS, _("The budget of %(year)s lies outside the policy's validity.") % {"year": year})
    if policy is None:
        return errors
    paid = Payment.objects.filter(policy=policy).aggregate(first=models.Min("date"), last=models.Max("date"))
    if paid["first"] and (paid["first"] < terms.valid_from or (terms.valid_to and paid["last"] > terms.valid_to)):
        add("valid_from", _("Payments were made under this policy from %(first)s to %(last)s: its validity must cover "
                            "them.") % {"first": format_date(paid["first"]), "last": format_date(paid["last"])})
    if terms.unit != policy.unit:
        outside = Payment.objects.filter(policy=policy).exclude(worker__unit__path__startswith=terms.unit.path)
        if outside.exists():
            add("unit", _("%(n)s payment(s) went to workers living outside %(unit)s: the policy must keep covering "
                          "them.") % {"n": outside.count(), "unit": terms.unit.name})
    used = dict(PaymentLine.objects.filter(payment__policy=policy).order_by()
                .annotate(year=ExtractYear("payment__date")).values_list("year").annotate(total=Sum("amount")))
    for year, total in sorted(used.items()):
        if year not in budgets:
            add(NON_FIELD_ERRORS, _("The %(year)s budget cannot be removed: %(used)s was already paid.") % {
                "year": year, "used": format_money(total)})
        elif budgets[year] < total:
            add(NON_FIELD_ERRORS, _("The %(year)s budget cannot be below %(used)s, already paid.") % {
                "year": year, "used": format_money(total)})
    return errors


def _cap_problems(policy: Policy, latest: PolicyVersion, caps: dict[str, int], caps_from: dt.date,
                  terms: PolicyTerms) -> dict[str, list[str]]:
    """Why the caps cannot change as asked: in place, never below what was paid under the latest version; as a new
    version, only from a day after the last payment and inside the validity."""
    errors: dict[str, list[str]] = {}
    if caps_from < latest.valid_from:
        errors["caps_from"] = [_("New caps apply from the start of the current version (%(date)s) or later.") % {
            "date": format_date(latest.valid_from)}]
        return errors
    if caps_from == latest.valid_from:
        largest = _max_received(policy, version=latest)
        for item in policy.items.all():
            total, _worker = largest.get(item.pk, (0, 0))
            if not total:
                continue
            label = ItemKind(item.kind).label
            if item.kind not in caps:
                errors.setdefault(f"cap_{item.kind}", []).append(_(
                    "%(item)s was paid under this version (up to %(paid)s to one worker): it cannot be removed; give the "
                    "change a later start date to make a new version.") % {"item": label, "paid": format_money(total)})
            elif caps[item.kind] < total:
                errors.setdefault(f"cap_{item.kind}", []).append(_(
                    "%(item)s: the cap cannot be below %(paid)s, already paid to one worker under this version.") % {
                    "item": label, "paid": format_money(total)})
        return errors
    last = Payment.objects.filter(policy=policy).aggregate(last=models.Max("date"))["last"]
    if last and caps_from <= last:
        errors["caps_from"] = [_("Payments were recorded up to %(last)s under the current caps: new caps can apply "
                                 "from %(next)s at the earliest, so that past payments keep theirs.") % {
            "last": format_date(last), "next": format_date(last + dt.timedelta(days=1))}]
    if caps_from < terms.valid_from or (terms.valid_to and caps_from > terms.valid_to):
        errors.setdefault("caps_from", []).append(_("The date lies outside the policy's validity."))
    return errors


def _write_caps(policy: Policy, version: PolicyVersion, caps: dict[str, int]) -> None:
    items = {item.kind: item for item in policy.items.all()}
    for kind, cap in caps.items():
        item = items.get(kind)
        if item is None:
            items[kind] = PolicyItem.objects.create(policy=policy, kind=kind, cap=cap)
        elif item.cap != cap:
            item.cap = cap
            item.save(update_fields=["cap"])
    version.caps.exclude(item__kind__in=list(caps)).delete()
    for kind, cap in caps.items():
        PolicyCap.objects.update_or_create(version=version, item=items[kind], defaults={"cap": cap})


def _write_budgets(policy: Policy, budgets: dict[int, int]) -> None:
    policy.budgets.exclude(year__in=list(budgets)).delete()
    for year, amount in budgets.items():
        PolicyBudget.objects.update_or_create(policy=policy, year=year, defaults={"amount": amount})


def _write_terms(policy: Policy, terms: PolicyTerms) -> None:
    policy.code, policy.name = terms.code.strip(), " ".join(terms.name.split())
    policy.unit, policy.legal_basis, policy.legal_reference = terms.unit, terms.legal_basis, terms.legal_reference.strip()
    policy.valid_from, policy.valid_to = terms.valid_from, terms.valid_to
    policy.admits_ethnic_minority, policy.active = terms.admits_ethnic_minority, terms.active
    policy.save()
    if set(policy.eligible_statuses.all()) != set(terms.eligible_statuses):
        policy.eligible_statuses.set(terms.eligible_statuses)


def policy_create(*, user, terms: PolicyTerms, caps: dict[str, int], budgets: dict[int, int],
                  caps_reference: str = "") -> Policy:
    """A new policy with its first version of caps (in force from its start) and its yearly budgets."""
    errors = _term_problems(user, None, terms, caps, budgets)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = Policy()
        _write_terms(policy, terms)
        version = PolicyVersion.objects.create(policy=policy, number=1, valid_from=terms.valid_from,
                                               legal_reference=(caps_reference or terms.legal_reference)[:500],
                                               created_by=_user_or_none(user))
        _write_caps(policy, version, caps)
        _write_budgets(policy, budgets)
    return policy


def policy_update(*, user, policy: Policy, terms: PolicyTerms, caps: dict[str, int], budgets: dict[int, int],
                  caps_from: dt.date | None = None, caps_reference: str = "") -> Policy:
    """Change a policy with the checks the payments rely on; caps that change either correct the latest version
    (``caps_from`` its start: never below what was paid under it) or start a new one (a later ``caps_from``: after the
    last payment, so that past payments keep the caps they were made under)."""
    if not can_edit_policy(user, policy.unit):
        raise ValidationError({NON_FIELD_ERRORS: [_("This policy is outside your scope.")]})
    with transaction.atomic():  # a refusal below rolls back everything written here
        policy = Policy.objects.select_for_update().get(pk=policy.pk)  # one change of a policy at a time
        policy_versions_ensure(policy, user=user)
        errors = _term_problems(user, policy, terms, caps, budgets)
        versions = list(policy.versions.order_by("valid_from"))
        if versions[0].valid_from != terms.valid_from:  # the first version starts with the policy
            if len(versions) > 1 and terms.valid_from >= versions[1].valid_from:
                errors.setdefault("valid_from", []).append(_("The policy must start before its version %(n)s "
                                                             "(%(date)s).") % {"n": versions[1].number,
                                                                               "date": format_date(versions[1].valid_from)})
            else:
                versions[0].valid_from = terms.valid_from
                versions[0].save(update_fields=["valid_from"])
        latest = versions[-1]
        current = {cap.item.kind: cap.cap for cap in latest.caps.select_related("item")}
        caps_from = caps_from or latest.valid_from
        if caps != current:
            for field, messages in _cap_problems(policy, latest, caps, caps_from, terms).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)
        _write_terms(policy, terms)
        if caps != current:
            if caps_from == latest.valid_from:
                version = latest
                if caps_reference:
                    version.legal_reference = caps_reference[:500]
                    version.save(update_fields=["legal_reference"])
            else:
                version = PolicyVersion.objects.create(
                    policy=policy, number=latest.number + 1, valid_from=caps_from,
                    legal_reference=caps_reference[:500], created_by=_user_or_none(user))
            _write_caps(policy, version, caps)
        _write_budgets(policy, budgets)
    return policy
