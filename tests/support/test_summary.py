"""The summary per unit and period on a known dataset."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support import services
from support.models import ItemKind, LoanStatus
from support.selectors import support_summary
from tests.support.factories import D
from workers.models import HouseholdStatus


@pytest.fixture
def dataset(support, make_worker, units):
    """In the first half of 2026: Ninh Sơn (commune A) 2 workers paid 3.400.000 + 700.000 and 2.000.000
    (minority policy), one worker registered at district level (Ninh Sơn itself) paid 1.000.000; Bác Ái
    1 worker paid 500.000. Outside the period: a payment of 07/2026 and a loan of 2025. Loans in the
    period: Ninh Sơn 100.000.000 (disbursed) + 80.000.000 (repaying), an application (not counted);
    Bác Ái 60.000.000."""
    poor = HouseholdStatus.objects.get(code="poor")
    district_worker = make_worker(units.a, full_name="Võ Văn Huyện", household_statuses=[poor])
    pay = services.payment_record
    pay(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 3, 2), decision_no="1",
        lines=[(support.language, 3_400_000), (support.health, 700_000)])
    pay(user=None, worker=support.cham_a, policy=support.minority, date=D(2026, 6, 30), decision_no="2",
        lines=[(support.minority_language, 2_000_000)])
    pay(user=None, worker=district_worker, policy=support.poverty, date=D(2026, 1, 1), decision_no="3",
        lines=[(support.language, 1_000_000)])
    pay(user=None, worker=support.poor_b, policy=support.poverty, date=D(2026, 5, 5), decision_no="4",
        lines=[(support.health, 500_000)])
    pay(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 7, 1), decision_no="5",
        lines=[(support.language, 1_000_000)])
    loan = services.loan_record
    loan(user=None, worker=support.poor_a, amount=100_000_000, date=D(2026, 2, 1), term_months=36)
    loan(user=None, worker=support.cham_a, amount=80_000_000, date=D(2026, 4, 1), term_months=36,
         status=LoanStatus.REPAYING)
    loan(user=None, worker=district_worker, amount=70_000_000, date=D(2026, 4, 1), term_months=36,
         status=LoanStatus.APPLIED)
    loan(user=None, worker=support.poor_b, amount=60_000_000, date=D(2026, 6, 1), term_months=24)
    loan(user=None, worker=support.poor_b, amount=50_000_000, date=D(2025, 6, 1), term_months=24)
    return district_worker


class SupportSummaryTests:
    def test_the_province_total_and_its_districts(self, dataset, units, django_assert_max_num_queries):
        with django_assert_max_num_queries(7):
            summary = support_summary(unit=units.province, date_from=D(2026, 1, 1), date_to=D(2026, 6, 30))
        total = summary.total
        assert (total.workers_supported, total.paid) == (4, 7_600_000)
        assert total.by_item[ItemKind.LANGUAGE] == 6_400_000 and total.by_item[ItemKind.HEALTH] == 1_200_000
        assert (total.loans, total.loan_workers, total.loan_amount) == (3, 3, 240_000_000)
        rows = {row.code: row for row in summary.rows}
        assert (rows[units.a.code].workers_supported, rows[units.a.code].paid) == (3, 7_100_000)
        assert (rows[units.a.code].loans, rows[units.a.code].loan_amount) == (2, 180_000_000)
        assert (rows[units.b.code].paid, rows[units.b.code].loan_amount) == (500_000, 60_000_000)
        assert sum(row.paid for row in summary.rows) == total.paid
        budgets = {(b.policy.code, b.year): b for b in summary.budgets}
        assert (budgets[("GNBV", 2026)].used, budgets[("GNBV", 2026)].used_here) == (6_600_000, 5_600_000)
        assert budgets[("DTTS", 2026)].used == 2_000_000

    def test_a_district_sees_its_communes_and_its_own_level(self, dataset, units):
        summary = support_summary(unit=units.a, date_from=D(2026, 1, 1), date_to=D(2026, 6, 30))
        assert (summary.total.workers_supported, summary.total.paid) == (3, 7_100_000)
        own = [row for row in summary.rows if row.is_self]
        assert len(own) == 1 and own[0].paid == 1_000_000
        commune = next(row for row in summary.rows if row.unit_id == units.commune_a.pk)
        assert (commune.workers_supported, commune.paid, commune.loans) == (2, 6_100_000, 2)
        assert summary.leaves[units.commune_a.pk].by_item[ItemKind.LANGUAGE] == 5_400_000

    def test_the_query_count_does_not_grow_with_the_data(self, dataset, units, make_worker, support,
                                                         django_assert_num_queries):
        with CaptureQueriesContext(connection) as first:
            support_summary(unit=units.province, date_from=D(2026, 1, 1), date_to=D(2026, 12, 31))
        poor = HouseholdStatus.objects.get(code="poor")
        for n in range(5):
            worker = make_worker(units.commune_b, full_name=f"Thêm {n}", household_statuses=[poor])
            services.payment_record(user=None, worker=worker, policy=support.poverty,
                                    date=D(2026, 2, 2), decision_no="x", lines=[(support.health, 100_000)])
        with django_assert_num_queries(len(first.captured_queries)):
            summary = support_summary(unit=units.province, date_from=D(2026, 1, 1), date_to=D(2026, 12, 31))
        assert summary.total.workers_supported == 9
