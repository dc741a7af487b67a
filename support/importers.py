"""Payment and loan sheets: read, check every row, then save all rows or none.

Every check of the services is made on the whole file first, counting the
rows above in the same file (a worker's cap, a policy's budget), so that every
error is listed by row and column; only a file without errors is saved, in one
transaction, through the same services as the screens. A row already
recorded (natural key: worker + policy + item + date + decision number for a
payment, worker + date + amount for a loan) is left alone, so importing a file
twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.formats import format_date, format_money, parse_date, parse_int
from portal.scoping import not_found_in_scope, unit_in_scope
from portal.xlsx import Column, ErrorList, cell_text, length_problem, normalise_header, read_sheet
from support import services as support
from support.models import (
    ITEM_KIND_VI,
    LOAN_STATUS_VI,
    ItemKind,
    Loan,
    LoanStatus,
    Payment,
    PaymentLine,
    Policy,
    PolicyBudget,
    PolicyVersion,
)
from support.selectors import used_by_policy_year
from workers.models import Worker
from workers.services import today
from workers.validators import normalise_citizen_id

PAYMENT_COLUMNS = [
    Column("citizen_id", "Số CCCD"),
    Column("policy", "Chính sách", aliases=("policy_code",)),
    Column("item", "Khoản hỗ trợ"),
    Column("amount", "Số tiền"),
    Column("date", "Ngày"),
    Column("decision_no", "Số quyết định", aliases=("decision",)),
]
LOAN_COLUMNS = [
    Column("citizen_id", "Số CCCD"),
    Column("amount", "Số tiền"),
    Column("date", "Ngày giải ngân", aliases=("disbursement_date",)),
    Column("term_months", "Thời hạn (tháng)", aliases=("term",)),
    Column("status", "Trạng thái", required=False),
    Column("purpose", "Mục đích", required=False),
    Column("bank_reference", "Mã khoản vay", aliases=("bank_ref",), required=False),
]
PAY_LABEL = {c.key: c.label for c in PAYMENT_COLUMNS}
LOAN_LABEL = {c.key: c.label for c in LOAN_COLUMNS}

@functools.cache
def item_kinds() -> dict[str, str]:
    """Item names a sheet may write (code, Vietnamese, English) → kind."""
    with translation.override("en"):
        return {normalise_header(key): kind for kind in ItemKind.values
                for key in (kind, ITEM_KIND_VI[kind], str(ItemKind(kind).label))}
_LOAN_STATUSES = {normalise_header(key): status for status in LoanStatus.values
                  for key in (status, LOAN_STATUS_VI[status])}


@dataclass
class PaymentImportResult:
    payments: int = 0
    lines: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"payment lines created {self.lines} (in {self.payments} payments), unchanged {self.unchanged}"


@dataclass
class LoanImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"loans created {self.created}, status updated {self.updated}, unchanged {self.unchanged}"


def _amount(errors: ErrorList, row: int, label: str, value: Any) -> int | None:
    if value in (None, ""):
        errors.add(row, label, _("Required."))
        return None
    try:
        amount = parse_int(value)
    except ValueError:
        errors.add(row, label, _("Not a whole number of đồng: write it as 3.400.000 or 3400000."))
        return None
    if amount <= 0:
        errors.add(row, label, _("The amount must be above 0."))
        return None
    if (problem := bounds.int_problem(amount, bounds.AMOUNT)) is not None:
        errors.add(row, label, problem)
        return None
    return amount


def _date(errors: ErrorList, row: int, label: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        errors.add(row, label, _("Required."))
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError
        day = parse_date(value)
    except ValueError:
        errors.add(row, label, _("Not a date: write it as dd/mm/yyyy."))
        return None
    if day > today():
        errors.add(row, label, _("The date is in the future."))
        return None
    if (problem := bounds.date_problem(day, earliest=bounds.PERIOD_MIN)) is not None:
        errors.add(row, label, problem)
        return None
    return day


def _workers(sheet, errors: ErrorList, user) -> dict[int, Worker]:
    """The worker of each row (by citizen ID), within the user's scope; errors for the others."""
    ids = {normalise_citizen_id(values.get("citizen_id")) for _row, values in sheet.rows}
    known = {w.citizen_id: w for w in Worker.objects.filter(citizen_id__in=ids)
             .select_related("unit", "ethnicity").prefetch_related("household_statuses")}
    found = {}
    for row, values in sheet.rows:
        citizen_id = normalise_citizen_id(values.get("citizen_id"))
        worker = known.get(citizen_id)
        if not citizen_id:
            errors.add(row, PAY_LABEL["citizen_id"], _("Required."))
        elif worker is None or not unit_in_scope(user, worker.unit):
            # Outside the scope reads like unknown: an official must not learn who is registered elsewhere.
            errors.add(row, PAY_LABEL["citizen_id"], not_found_in_scope(user, _("No worker with this citizen ID in your scope.")))
        else:
            found[row] = worker
    return found


def import_payments(data: bytes, *, user) -> PaymentImportResult:
    sheet = read_sheet(data, PAYMENT_COLUMNS)
    errors = ErrorList()
    workers = _workers(sheet, errors, user)
    policies = {normalise_header(p.code): p for p in Policy.objects.visible_to(user).select_related("unit")
                .prefetch_related("items", "eligible_statuses")}
    items = {p.pk: {i.kind: i for i in p.items.all()} for p in policies.values()}
    # The caps of each version, by start date: a row is checked against the version in force on its date (a policy
    # without a version yet: its items' caps, which become its first version when the row is saved).
    versions: dict[int, list[tuple]] = defaultdict(list)
    for version in (PolicyVersion.objects.filter(policy__in=policies.values()).order_by("valid_from")
                    .prefetch_related("caps")):
        versions[version.policy_id].append((version.valid_from, {cap.item_id: cap.cap for cap in version.caps.all()}))

    def caps_on(policy, date) -> dict[int, int]:
        if not versions.get(policy.pk):
            return {item.pk: item.cap for item in items[policy.pk].values()}
        in_force = [caps for start, caps in versions[policy.pk] if start <= date]
        return in_force[-1] if in_force else {}

    admitted = {p.pk: support.policy_groups(p) for p in policies.values()}
    groups = {w.pk: support.worker_groups(w) for w in workers.values()}
    budgets = {(b.policy_id, b.year): b.amount for b in PolicyBudget.objects.filter(policy__in=policies.values())}
    used = defaultdict(int, used_by_policy_year(p.pk for p in policies.values()))
    worker_pks = [w.pk for w in workers.values()]
    received = defaultdict(int, {(w, i): s for w, i, s in PaymentLine.objects.filter(payment__worker__in=worker_pks)
                                 .order_by().values_list("payment__worker_id", "item_id").annotate(s=Sum("amount"))})
    recorded = {(w, i, d, n): a for w, i, d, n, a in PaymentLine.objects.filter(payment__worker__in=worker_pks)
                .values_list("payment__worker_id", "item_id", "payment__date", "payment__decision_no", "amount")}
    seen: dict[tuple, int] = {}
    groups_to_save: dict[tuple, list] = {}
    result = PaymentImportResult()

    for row, values in sheet.rows:
        worker = workers.get(row)
        policy = policies.get(normalise_header(cell_text(values.get("policy"))))
        if not cell_text(values.get("policy")):
            errors.add(row, PAY_LABEL["policy"], _("Required."))
        elif policy is None:
            errors.add(row, PAY_LABEL["policy"], _("Unknown policy code “%(value)s”.") % {"value": cell_text(values["policy"])})
        item = None
        kind = item_kinds().get(normalise_header(cell_text(values.get("item"))))
        if not cell_text(values.get("item")):
            errors.add(row, PAY_LABEL["item"], _("Required."))
        elif kind is None:
            errors.add(row, PAY_LABEL["item"], _("Unknown item “%(value)s”.") % {"value": cell_text(values["item"])})
        elif policy is not None:
            item = items[policy.pk].get(kind)
            if item is None:
                errors.add(row, PAY_LABEL["item"], _("The policy %(code)s does not pay “%(item)s”.") % {
                    "code": policy.code, "item": ITEM_KIND_VI[kind]})
        amount = _amount(errors, row, PAY_LABEL["amount"], values.get("amount"))
        date = _date(errors, row, PAY_LABEL["date"], values.get("date"))
        decision_no = cell_text(values.get("decision_no"))
        if not decision_no:
            errors.add(row, PAY_LABEL["decision_no"], _("Required."))
        elif too_long := length_problem(decision_no, Payment._meta.get_field("decision_no").max_length):
            errors.add(row, PAY_LABEL["decision_no"], too_long)
            decision_no = ""
        if worker is None or item is None or amount is None or date is None or not decision_no:
            continue
        key = (worker.pk, item.pk, date, decision_no)
        if key in seen:
            errors.add(row, PAY_LABEL["item"], _("The same payment is also on row %(row)s.") % {"row": seen[key]})
            continue
        seen[key] = row
        if key in recorded:
            if recorded[key] != amount:
                errors.add(row, PAY_LABEL["amount"], _("Already recorded with %(amount)s.") % {
                    "amount": format_money(recorded[key])})
            else:
                result.unchanged += 1
            continue
        problem = support.policy_eligibility_problem(policy, worker, date, groups=groups[worker.pk],
                                                     admitted=admitted[policy.pk])
        if problem:
            errors.add(row, PAY_LABEL["citizen_id"], problem)
            continue
        cap = caps_on(policy, date).get(item.pk)
        if cap is None:
            errors.add(row, PAY_LABEL["item"], _("The version of the policy %(code)s in force on %(date)s does not pay "
                                                 "“%(item)s”.") % {"code": policy.code, "date": format_date(date),
                                                                  "item": ITEM_KIND_VI[kind]})
            continue
        already = received[(worker.pk, item.pk)]
        if already + amount > cap:
            errors.add(row, PAY_LABEL["amount"], _(
                "Above the cap of %(cap)s per worker for this item: already received %(received)s (rows above "
                "included), at most %(left)s more.") % {"cap": format_money(cap), "received": format_money(already),
                                                        "left": format_money(max(cap - already, 0))})
            continue
        budget = budgets.get((policy.pk, date.year))
        if budget is None:
            errors.add(row, PAY_LABEL["date"], _("The policy %(code)s has no budget for %(year)s.") % {
                "code": policy.code, "year": date.year})
            continue
        if used[(policy.pk, date.year)] + amount > budget:
            errors.add(row, PAY_LABEL["amount"], _(
                "The %(year)s budget of the policy %(code)s would be exceeded: %(used)s of %(budget)s used "
                "(rows above included).") % {"year": date.year, "code": policy.code,
                                            "used": format_money(used[(policy.pk, date.year)]),
                                            "budget": format_money(budget)})
            continue
        received[(worker.pk, item.pk)] += amount
        used[(policy.pk, date.year)] += amount
        groups_to_save.setdefault((worker.pk, policy.pk, date, decision_no), []).append((worker, policy, item, amount))

    errors.raise_if_any()
    with transaction.atomic(), acting_as(user):
        for (_w, _p, date, decision_no), lines in groups_to_save.items():
            worker, policy = lines[0][0], lines[0][1]
            support.payment_record(user=user, worker=worker, policy=policy, date=date, decision_no=decision_no,
                                   lines=[(item, amount) for _wk, _pl, item, amount in lines])
            result.payments += 1
            result.lines += len(lines)
    return result


def import_loans(data: bytes, *, user) -> LoanImportResult:
    sheet = read_sheet(data, LOAN_COLUMNS)
    errors = ErrorList()
    workers = _workers(sheet, errors, user)
    eligible = support.loan_eligible_codes()
    existing = {(loan.worker_id, loan.date, loan.amount): loan
                for loan in Loan.objects.filter(worker__in=[w.pk for w in workers.values()])}
    seen: dict[tuple, int] = {}
    creates, updates = [], []
    result = LoanImportResult()
    for row, values in sheet.rows:
        worker = workers.get(row)
        amount = _amount(errors, row, LOAN_LABEL["amount"], values.get("amount"))
        date = _date(errors, row, LOAN_LABEL["date"], values.get("date"))
        term = None
        if values.get("term_months") in (None, ""):
            errors.add(row, LOAN_LABEL["term_months"], _("Required."))
        else:
            try:
                term = parse_int(values["term_months"])
            except ValueError:
                errors.add(row, LOAN_LABEL["term_months"], _("Not a whole number of months."))
            else:
                if not 1 <= term <= support.MAX_TERM_MONTHS:
                    errors.add(row, LOAN_LABEL["term_months"], _("The term must be between 1 and %(max)s months.") % {
                        "max": support.MAX_TERM_MONTHS})
                    term = None
        status = LoanStatus.DISBURSED
        if cell_text(values.get("status")):
            status = _LOAN_STATUSES.get(normalise_header(cell_text(values["status"])))
            if status is None:
                errors.add(row, LOAN_LABEL["status"], _("Unknown status “%(value)s”: write %(choices)s.") % {
                    "value": cell_text(values["status"]), "choices": ", ".join(LOAN_STATUS_VI.values())})
        texts_fit = True
        for key in ("purpose", "bank_reference"):
            if too_long := length_problem(cell_text(values.get(key)), Loan._meta.get_field(key).max_length):
                errors.add(row, LOAN_LABEL[key], too_long)
                texts_fit = False
        if worker is None or amount is None or date is None or term is None or status is None or not texts_fit:
            continue
        key = (worker.pk, date, amount)
        if key in seen:
            errors.add(row, LOAN_LABEL["amount"], _("The same loan is also on row %(row)s.") % {"row": seen[key]})
            continue
        seen[key] = row
        loan = existing.get(key)
        if loan is not None:
            if not cell_text(values.get("status")) or loan.status == status:
                result.unchanged += 1
            elif status not in support.loan_statuses_after(loan.status):
                errors.add(row, LOAN_LABEL["status"], _("A loan that is “%(current)s” cannot become “%(status)s”.") % {
                    "current": LOAN_STATUS_VI[loan.status], "status": LOAN_STATUS_VI[status]})
            else:
                updates.append((loan, status))
            continue
        problem = support.loan_eligibility_problem(worker, groups=support.worker_groups(worker), eligible=eligible)
        if problem:
            errors.add(row, LOAN_LABEL["citizen_id"], problem)
            continue
        creates.append({"worker": worker, "amount": amount, "date": date, "term_months": term, "status": status,
                        "purpose": cell_text(values.get("purpose")), "bank_reference": cell_text(values.get("bank_reference"))})
    errors.raise_if_any()
    with transaction.atomic(), acting_as(user):
        for kwargs in creates:
            support.loan_record(user=user, **kwargs)
            result.created += 1
        for loan, status in updates:
            support.loan_update_status(user=user, loan=loan, status=status)
            result.updated += 1
    return result
