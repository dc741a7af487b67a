"""Fixtures of the support tests.

Two policies run by the province (Ninh Thuận): ``poverty`` for poor and near-poor households, valid
2025–2026, paying language training (cap 6.000.000 đ) and the health check (cap 750.000 đ), with a 2026
budget of 10.000.000 đ and a 2025 budget of 5.000.000 đ; ``minority`` for ethnic-minority workers,
paying language training (cap 5.000.000 đ), 2026 budget 100.000.000 đ. Workers of Ninh Sơn (unit A):
``poor_a`` (poor household), ``cham_a`` (Chăm, no household status), ``kinh_a`` (no group); of Bác Ái
(unit B): ``poor_b``.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from support.models import ItemKind, LegalBasis
from tests.support.factories import make_policy
from workers.models import Ethnicity, HouseholdStatus


@pytest.fixture
def support(units, users, make_worker):
    poverty = make_policy(code="GNBV", unit=units.province, statuses=["poor", "near_poor"],
                          items={ItemKind.LANGUAGE: 6_000_000, ItemKind.HEALTH: 750_000},
                          budgets={2026: 10_000_000, 2025: 5_000_000})
    minority = make_policy(code="DTTS", unit=units.province, minority=True, basis=LegalBasis.ETHNIC,
                           items={ItemKind.LANGUAGE: 5_000_000}, budgets={2026: 100_000_000})
    poor = HouseholdStatus.objects.get(code="poor")
    kinh, cham = Ethnicity.objects.get(name="Kinh"), Ethnicity.objects.get(name="Chăm")
    ns = SimpleNamespace(
        poverty=poverty, minority=minority,
        language=poverty.items.get(kind=ItemKind.LANGUAGE), health=poverty.items.get(kind=ItemKind.HEALTH),
        minority_language=minority.items.get(kind=ItemKind.LANGUAGE),
        poor_a=make_worker(units.commune_a, full_name="Nguyễn Văn Nghèo", household_statuses=[poor], ethnicity=kinh),
        cham_a=make_worker(units.commune_a, full_name="Đàng Văn Chăm", ethnicity=cham),
        kinh_a=make_worker(units.commune_a, full_name="Trần Văn Kinh", ethnicity=kinh),
        poor_b=make_worker(units.commune_b, full_name="Lê Văn Bác Ái", household_statuses=[poor], ethnicity=kinh),
    )
    return ns
