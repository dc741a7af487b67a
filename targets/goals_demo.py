"""Demo goals of Ninh Thuận: the 2026–2030 plan's coverage goals (so the progress report shows them measured
against their targets) and the source-creation targets of 2026 for the province and its districts.

Idempotent: goals are added only to a plan that has none; a source-creation target already set is left alone.
"""
from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from portal.audit import acting_as
from portal.models import Structure, Unit
from targets import services
from targets.demo import PLAN_2026, PROVINCE, QUOTAS_2021, split
from targets.models import CoverageKind, Plan, SourceQuota

GOALS_2026 = [
    services.GoalInput(CoverageKind.ORIENTATION_CERTIFICATE, Decimal("100")),
    services.GoalInput(CoverageKind.SKILLED, Decimal("30")),
    services.GoalInput(CoverageKind.HIGH_INCOME_MARKETS, Decimal("90")),
    services.GoalInput(CoverageKind.COMMUNES_COVERED, Decimal("100")),
]
SOURCE_YEAR = 2026
SOURCE_CANDIDATES, SOURCE_TRAINED = 100, 60


def load() -> str:
    staff = get_user_model().objects.get(username="tinh")
    units = {u.code: u for u in Unit.objects.filter(structure=Structure.LEGACY, code__in=[PROVINCE, *QUOTAS_2021])}
    province = units[PROVINCE]
    goals = sources = 0
    with transaction.atomic(), acting_as(staff):
        plan = Plan.objects.filter(unit=province, name=PLAN_2026[0]).prefetch_related("quotas").first()
        if plan is not None and not plan.coverage_goals.exists():
            targets = [q.target for q in sorted(plan.quotas.all(), key=lambda q: q.year) if q.unit_id == province.pk]
            services.plan_update(user=staff, plan=plan, name=plan.name, first_year=plan.first_year,
                                 last_year=plan.last_year, targets=targets, stretch_percent=plan.stretch_percent,
                                 decision_no=plan.decision_no, note=plan.note, goals=GOALS_2026)
            goals = len(GOALS_2026)
        if not SourceQuota.objects.filter(unit__in=units.values(), year=SOURCE_YEAR).exists():
            candidates, trained = split(SOURCE_CANDIDATES, QUOTAS_2021), split(SOURCE_TRAINED, QUOTAS_2021)
            services.source_quota_allocate(user=staff, parent=province, year=SOURCE_YEAR, targets={
                province.pk: (SOURCE_CANDIDATES, SOURCE_TRAINED),
                **{units[code].pk: (candidates[code], trained[code]) for code in QUOTAS_2021}})
            sources = len(QUOTAS_2021) + 1
    return f"coverage goals added {goals}, source-creation targets set {sources}"
