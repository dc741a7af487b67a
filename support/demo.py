"""Demo support: three clearly fake policies of Ninh Thuận with 2025 and 2026 budgets, payments to
eligible demo workers and VBSP loans of workers who departed.

Scaled to the 360 demo workers from one province's half year ("supported 728 workers with 3.4 billion
đồng; 667 workers borrowed over 48 billion đồng from VBSP"): about 4–5 million đồng per supported
worker and 60–150 million đồng per loan. Deterministic (fixed seed, workers in citizen-ID order) and
idempotent: a payment or loan already there (by its natural key) is left alone. Goes through the
services, so caps, budgets and eligibility hold as in real use.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from portal import tree
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE
from portal.models import Structure, Unit
from support import services
from support.models import (
    ItemKind,
    LegalBasis,
    Loan,
    LoanStatus,
    PaymentLine,
    Policy,
    PolicyBudget,
    PolicyItem,
)
from workers.models import HouseholdStatus, Status, Worker

SEED = 20260706
LAST_DAY = dt.date(2026, 11, 20)

# code, name, legal basis, reference, valid from, valid to, household codes, ethnic minority, items (kind, cap),
# budgets {year: amount}
POLICIES = [
    ("DEMO-GNBV", "Hỗ trợ người lao động thuộc hộ nghèo, cận nghèo đi làm việc ở nước ngoài (demo)",
     LegalBasis.POVERTY, "Dự án 4, Tiểu dự án 2 – Chương trình MTQG giảm nghèo bền vững (dữ liệu demo)",
     dt.date(2022, 1, 1), dt.date(2026, 12, 31), ["poor", "near_poor", "poor_district"], False,
     [(ItemKind.LANGUAGE, 6_000_000), (ItemKind.VOCATIONAL, 4_000_000), (ItemKind.ORIENTATION, 1_000_000),
      (ItemKind.HEALTH, 750_000), (ItemKind.PAPERS, 1_200_000), (ItemKind.LIVING, 3_000_000)],
     {2025: 250_000_000, 2026: 300_000_000}),
    ("DEMO-DTTS", "Hỗ trợ người dân tộc thiểu số đi làm việc ở nước ngoài (demo)",
     LegalBasis.ETHNIC, "Chương trình MTQG phát triển kinh tế – xã hội vùng đồng bào DTTS và miền núi (dữ liệu demo)",
     dt.date(2021, 1, 1), dt.date(2030, 12, 31), [], True,
     [(ItemKind.LANGUAGE, 5_000_000), (ItemKind.ORIENTATION, 1_000_000), (ItemKind.HEALTH, 750_000),
      (ItemKind.PAPERS, 1_000_000), (ItemKind.TRAVEL, 1_500_000)],
     {2025: 150_000_000, 2026: 180_000_000}),
    ("DEMO-NQ-TINH", "Hỗ trợ người lao động theo nghị quyết của tỉnh (demo)",
     LegalBasis.PROVINCIAL, "Nghị quyết số 00/2024/NQ-HĐND tỉnh Ninh Thuận (dữ liệu demo)",
     dt.date(2024, 1, 1), dt.date(2026, 12, 31), ["merit", "land_recovered", "poor", "near_poor"], True,
     [(ItemKind.TRAVEL, 2_000_000), (ItemKind.LIVING, 3_000_000), (ItemKind.HEALTH, 500_000)],
     {2025: 80_000_000, 2026: 100_000_000}),
]
LOAN_RANGES = {"JP": (100, 150), "KR": (60, 100), "TW": (80, 120)}  # millions of đồng
STAGES = {Status.TRAINING, Status.WAITING, Status.DEPARTED, Status.RETURNED, Status.ABSCONDED}


def _policies() -> tuple[list[Policy], int]:
    province = Unit.objects.get(structure=Structure.LEGACY, code=DEMO_PROVINCE)
    statuses = {h.code: h for h in HouseholdStatus.objects.all()}
    made = 0
    policies = []
    for code, name, basis, reference, start, end, groups, minority, items, budgets in POLICIES:
        policy, created = Policy.objects.get_or_create(code=code, defaults={
            "name": name, "unit": province, "legal_basis": basis, "legal_reference": reference, "valid_from": start,
            "valid_to": end, "admits_ethnic_minority": minority})
        if created:
            policy.eligible_statuses.set([statuses[c] for c in groups])
            for kind, cap in items:
                PolicyItem.objects.create(policy=policy, kind=kind, cap=cap)
            for year, amount in budgets.items():
                PolicyBudget.objects.create(policy=policy, year=year, amount=amount)
            made += 1
        policies.append(policy)
    return policies, made


def _round(amount: int, step: int = 50_000) -> int:
    return max(step, amount // step * step)


def load() -> str:
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    rng = random.Random(SEED)
    with transaction.atomic(), acting_as(admin):
        policies, made = _policies()
        items = {p.pk: list(p.items.order_by("kind")) for p in policies}
        eligible_loans = services.loan_eligible_codes()
        workers = list(Worker.objects.filter(full_name__contains=" Demo ", unit__path__startswith=tree.build_path(Structure.LEGACY, None, DEMO_PROVINCE))
                       .select_related("unit", "ethnicity", "wished_country").prefetch_related("household_statuses", "departures__country")
                       .order_by("citizen_id"))
        known_payments = set(PaymentLine.objects.values_list(
            "payment__worker_id", "payment__policy_id", "item_id", "payment__date", "payment__decision_no"))
        known_loans = set(Loan.objects.values_list("worker_id", "date", "amount"))
        used = {(p.pk, y): services.budget_used(p, y) for p in policies for y in (2025, 2026)}
        budgets = {(b.policy_id, b.year): b.amount for b in PolicyBudget.objects.filter(policy__in=policies)}
        paid = loans = 0
        for worker in workers:
            groups = services.worker_groups(worker)
            departures = sorted(worker.departures.all(), key=lambda d: d.date)
            departure = departures[-1] if departures else None
            roll = rng.random()
            # Payments: workers preparing to go or gone, paid before their departure (or this year).
            if worker.status in STAGES and roll < 0.8:
                day = (departure.date - dt.timedelta(days=rng.randint(20, 90))) if departure else (
                    dt.date(2026, 1, 5) + dt.timedelta(days=rng.randint(0, 300)))
                if dt.date(2025, 1, 1) <= day <= LAST_DAY:
                    for policy in policies:
                        if services.policy_eligibility_problem(policy, worker, day, groups=groups):
                            continue
                        lines = [(item, _round(int(item.cap * rng.uniform(0.6, 1.0))))
                                 for item in items[policy.pk] if rng.random() < 0.7]
                        decision = f"DEMO-{day.year}-{day.month:02d}/QĐ-UBND"
                        total = sum(amount for _item, amount in lines)
                        if lines and (worker.pk, policy.pk, lines[0][0].pk, day, decision) in known_payments:
                            break  # loaded before: same choices as then
                        if not lines or used[(policy.pk, day.year)] + total > budgets[(policy.pk, day.year)]:
                            continue
                        services.payment_record(user=admin, worker=worker, policy=policy, date=day,
                                                decision_no=decision, lines=lines)
                        used[(policy.pk, day.year)] += total
                        paid += 1
                        break  # one policy per worker: the first that admits them
            # Loans: workers of the eligible groups, a few weeks before departure; those waiting to depart
            # borrowed this year (disbursed) or have applied.
            waiting = departure is None and worker.status in (Status.TRAINING, Status.WAITING)
            if (departure is not None or waiting) and groups & eligible_loans and rng.random() < 0.8:
                country = departure.country.code if departure else getattr(worker.wished_country, "code", "JP")
                low, high = LOAN_RANGES.get(country, (60, 100))
                amount = rng.randint(low // 5, high // 5) * 5_000_000
                if departure is not None:
                    day = departure.date - dt.timedelta(days=rng.randint(10, 40))
                    term = min(departure.contract_months or 36, 36)
                    end = day + dt.timedelta(days=30 * term)
                    status = LoanStatus.REPAID if end < LAST_DAY else (
                        LoanStatus.OVERDUE if rng.random() < 0.06 else LoanStatus.REPAYING)
                else:
                    day, term = dt.date(2026, 1, 10) + dt.timedelta(days=rng.randint(0, 300)), 36
                    status = LoanStatus.APPLIED if rng.random() < 0.2 else LoanStatus.DISBURSED
                if (worker.pk, day, amount) not in known_loans:
                    services.loan_record(user=admin, worker=worker, amount=amount, date=day, term_months=term,
                                         purpose="Chi phí đi làm việc ở nước ngoài", status=status,
                                         bank_reference=f"DEMO-NHCS-{worker.pk:05d}")
                    loans += 1
        _amend_provincial_policy(admin)
    return f"policies created {made}, payments created {paid}, loans created {loans}"


# The province raises the travel cap of its own policy from December 2026 (a new version: the year's payments keep
# the caps they were made under).
AMENDMENT = ("DEMO-NQ-TINH", dt.date(2026, 12, 1), {ItemKind.TRAVEL: 2_500_000},
             "Nghị quyết số 00/2026/NQ-HĐND sửa đổi mức hỗ trợ tiền đi lại (dữ liệu demo)")


def _amend_provincial_policy(admin) -> int:
    code, start, raised, reference = AMENDMENT
    policy = Policy.objects.get(code=code)
    services.policy_versions_ensure(policy, user=admin)
    if policy.versions.count() > 1:
        return 0
    caps = {**{cap.item.kind: cap.cap for cap in policy.versions.get().caps.select_related("item")}, **raised}
    terms = services.PolicyTerms(
        code=policy.code, name=policy.name, unit=policy.unit, legal_basis=policy.legal_basis,
        legal_reference=policy.legal_reference, valid_from=policy.valid_from, valid_to=policy.valid_to,
        eligible_statuses=list(policy.eligible_statuses.all()), admits_ethnic_minority=policy.admits_ethnic_minority,
        active=policy.active)
    services.policy_update(user=admin, policy=policy, terms=terms, caps=caps,
                           budgets={b.year: b.amount for b in policy.budgets.all()}, caps_from=start,
                           caps_reference=reference)
    return 1
