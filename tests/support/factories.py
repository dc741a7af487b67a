"""Helpers of the support tests: policies and upload sheets."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from support.models import LegalBasis, Policy, PolicyBudget, PolicyItem
from workers.models import HouseholdStatus

D = dt.date


def make_policy(*, code, unit, items, budgets, statuses=(), minority=False, basis=LegalBasis.POVERTY,
                valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 12, 31)) -> Policy:
    policy = Policy.objects.create(code=code, name=f"Chính sách {code}", unit=unit, legal_basis=basis,
                                   valid_from=valid_from, valid_to=valid_to, admits_ethnic_minority=minority)
    policy.eligible_statuses.set(HouseholdStatus.objects.filter(code__in=statuses))
    for kind, cap in items.items():
        PolicyItem.objects.create(policy=policy, kind=kind, cap=cap)
    for year, amount in budgets.items():
        PolicyBudget.objects.create(policy=policy, year=year, amount=amount)
    return policy



def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
