"""Demo of the 2025 reform: new Khánh Hòa (56) plans 2026 by commune.

Khánh Hòa absorbed Ninh Thuận on 1 July 2025; its 2026 plan (800 workers) is allocated to its new
communes in proportion to the number of old communes each one took over (a deterministic split), and
Ninh Thuận's legacy history shows in Khánh Hòa's reports through the official mapping
(``reports.progress``). Idempotent: the plan is looked up by name, the allocation made only once.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count

from portal.audit import acting_as
from portal.models import Level, Structure, Unit
from targets import services
from targets.demo import split
from targets.models import Plan, Quota

PROVINCE = "56"
YEAR = 2026
TARGET = 800
PLAN_NAME = "Kế hoạch năm 2026 của tỉnh Khánh Hòa (sau sắp xếp), phân bổ đến xã, phường"


def load() -> str:
    province = Unit.objects.filter(structure=Structure.NEW, code=PROVINCE).first()
    if province is None:
        return "no 2025-structure Khánh Hòa: nothing to do"
    staff = get_user_model().objects.get(username="khanhhoa")
    created = {"plans": 0, "quotas": 0}
    with transaction.atomic(), acting_as(staff):
        if not Plan.objects.filter(unit=province, name=PLAN_NAME).exists():
            services.plan_create(user=staff, unit=province, name=PLAN_NAME, first_year=YEAR, last_year=YEAR,
                                 targets=[TARGET], decision_no="Số liệu minh hoạ (demo)",
                                 note="Dữ liệu minh hoạ, không phải văn bản thật.")
            created["plans"] += 1
        communes = (
            Unit.objects.filter(parent=province, level=Level.COMMUNE)
            .annotate(n=Count("predecessions")).order_by("code")
        )
        if not Quota.objects.filter(unit__parent=province, year=YEAR).exists():
            # Weight: the old communes each new one took over (at least 1), so merged communes get more.
            shares = split(TARGET, {u.code: max(u.n, 1) for u in communes})
            by_code = {u.code: u.pk for u in communes}
            services.quota_allocate(user=staff, parent=province, year=YEAR,
                                    targets={by_code[code]: share for code, share in shares.items()})
            created["quotas"] += len(shares)
    return ", ".join(f"{k} created {v}" for k, v in created.items())
