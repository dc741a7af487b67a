from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.formats import format_money, format_money_short
from support import services
from support.models import Loan, LoanEligibility, LoanStatus, Payment, PaymentLine, PolicyBudget
from tests.support.factories import D, make_policy
from workers.models import HouseholdStatus


def pay(s, worker, lines, *, policy=None, date=dt.date(2026, 3, 2), decision="12/QĐ-UBND", user=None):
    return services.payment_record(user=user, worker=worker, policy=policy or s.poverty, date=date,
                                   decision_no=decision, lines=lines)


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class EligibilityTests:
    def test_a_poor_workers_payment_is_saved_with_its_lines(self, support, users):
        payment = pay(support, support.poor_a, [(support.language, 3_400_000), (support.health, 700_000)],
                      user=users.official_a)
        assert sorted(payment.lines.values_list("amount", flat=True)) == [700_000, 3_400_000]
        assert payment.created_by == users.official_a

    def test_a_worker_of_no_eligible_group_is_refused_and_nothing_is_saved(self, support):
        with pytest.raises(ValidationError) as exc:
            pay(support, support.kinh_a, [(support.language, 1_000_000)])
        assert "none of the groups" in messages(exc.value) or "không thuộc" in messages(exc.value)
        assert not Payment.objects.exists() and not PaymentLine.objects.exists()

    def test_an_ethnic_minority_worker_is_admitted_by_their_ethnic_group_alone(self, support):
        pay(support, support.cham_a, [(support.minority_language, 2_000_000)], policy=support.minority)
        with pytest.raises(ValidationError):
            pay(support, support.cham_a, [(support.language, 2_000_000)])
        assert Payment.objects.count() == 1

    def test_a_payment_outside_the_policys_validity_is_refused(self, support):
        support.poverty.valid_to = D(2026, 6, 30)
        support.poverty.save()
        pay(support, support.poor_a, [(support.language, 1_000_000)], date=D(2026, 6, 30))
        for day in (D(2024, 12, 31), D(2026, 7, 1)):
            with pytest.raises(ValidationError) as exc:
                pay(support, support.poor_a, [(support.language, 1_000_000)], date=day)
            assert support.poverty.code in messages(exc.value)
        assert Payment.objects.count() == 1

    def test_a_worker_living_outside_the_policys_unit_is_refused(self, support, units):
        district_policy = make_policy(code="BAC-AI", unit=units.b, statuses=["poor"],
                                      items={"language": 5_000_000}, budgets={2026: 50_000_000})
        item = district_policy.items.get()
        pay(support, support.poor_b, [(item, 1_000_000)], policy=district_policy)
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(item, 1_000_000)], policy=district_policy)

    def test_an_inactive_policy_pays_nobody(self, support):
        support.poverty.active = False
        support.poverty.save()
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(support.language, 1_000_000)])

    def test_an_official_cannot_pay_another_units_worker(self, support, users):
        with pytest.raises(ValidationError):
            pay(support, support.poor_b, [(support.language, 1_000_000)], user=users.official_a)
        assert not Payment.objects.exists()


class CapTests:
    def test_the_cap_counts_every_earlier_payment_under_the_policy(self, support):
        pay(support, support.poor_a, [(support.language, 4_000_000)], decision="1/QĐ")
        pay(support, support.poor_a, [(support.language, 1_500_000)], decision="2/QĐ", date=D(2026, 4, 1))
        pay(support, support.poor_a, [(support.language, 500_000)], decision="3/QĐ", date=D(2025, 11, 1))
        with pytest.raises(ValidationError) as exc:
            pay(support, support.poor_a, [(support.language, 1)], decision="4/QĐ", date=D(2026, 5, 1))
        text = messages(exc.value)
        assert "6.000.000 đ" in text and "0 đ" in text
        assert PaymentLine.objects.filter(item=support.language).count() == 3

    def test_one_item_over_its_cap_refuses_the_whole_payment(self, support):
        with pytest.raises(ValidationError) as exc:
            pay(support, support.poor_a, [(support.language, 3_000_000), (support.health, 750_001)])
        assert "750.000 đ" in messages(exc.value)
        assert not Payment.objects.exists()

    def test_the_cap_is_per_worker(self, support, make_worker, units):
        other = make_worker(units.commune_a, full_name="Phạm Văn Khác",
                            household_statuses=[HouseholdStatus.objects.get(code="near_poor")])
        pay(support, support.poor_a, [(support.language, 6_000_000)])
        pay(support, other, [(support.language, 4_000_000)])
        assert PaymentLine.objects.count() == 2

    def test_an_item_of_another_policy_or_a_zero_amount_is_refused(self, support):
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(support.minority_language, 1_000_000)])
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(support.language, 0)])
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [])

    def test_the_same_decision_adds_new_items_but_never_pays_an_item_twice(self, support):
        first = pay(support, support.poor_a, [(support.language, 1_000_000)])
        second = pay(support, support.poor_a, [(support.health, 500_000)])
        assert first.pk == second.pk and first.lines.count() == 2
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(support.language, 1_000_000)])
        assert PaymentLine.objects.count() == 2


class BudgetTests:
    def test_the_budget_of_the_year_cannot_be_exceeded(self, support, make_worker, units):
        near = HouseholdStatus.objects.get(code="near_poor")
        workers = [make_worker(units.commune_a, full_name=f"Người Thứ {n}", household_statuses=[near]) for n in range(2)]
        pay(support, support.poor_a, [(support.language, 6_000_000)])
        pay(support, workers[0], [(support.language, 3_500_000)])
        with pytest.raises(ValidationError) as exc:
            pay(support, workers[1], [(support.language, 600_000)])
        text = messages(exc.value)
        assert "10.000.000 đ" in text and "500.000 đ" in text
        pay(support, workers[1], [(support.language, 500_000)])
        assert services.budget_used(support.poverty, 2026) == 10_000_000

    def test_each_year_has_its_own_budget(self, support):
        pay(support, support.poor_a, [(support.language, 5_000_000)], date=D(2025, 6, 1))
        with pytest.raises(ValidationError):
            pay(support, support.poor_a, [(support.health, 1)], date=D(2025, 7, 1), decision="x")
        pay(support, support.poor_a, [(support.health, 750_000)], date=D(2026, 1, 5))
        assert services.budget_used(support.poverty, 2025) == 5_000_000

    def test_a_year_without_a_budget_pays_nothing(self, support):
        with pytest.raises(ValidationError) as exc:
            pay(support, support.cham_a, [(support.minority_language, 1_000_000)], policy=support.minority,
                date=D(2025, 3, 1))
        assert "2025" in messages(exc.value)

    def test_the_budget_row_is_locked_before_counting(self, support):
        with CaptureQueriesContext(connection) as queries:
            pay(support, support.poor_a, [(support.language, 1_000_000)])
        sql = [q["sql"] for q in queries.captured_queries]
        budget_reads = [i for i, q in enumerate(sql) if PolicyBudget._meta.db_table in q]
        sums = [i for i, q in enumerate(sql) if "SUM(" in q.upper()]
        assert budget_reads and sums and budget_reads[0] < min(sums)
        if connection.features.has_select_for_update:
            assert "FOR UPDATE" in sql[budget_reads[0]]


class LoanTests:
    def test_an_eligible_worker_borrows_and_others_are_refused(self, support):
        loan = services.loan_record(user=None, worker=support.poor_a, amount=100_000_000, date=D(2026, 2, 1),
                                    term_months=36, purpose="Chi phí đi Nhật")
        assert loan.status == LoanStatus.DISBURSED
        services.loan_record(user=None, worker=support.cham_a, amount=80_000_000, date=D(2026, 2, 1), term_months=24)
        with pytest.raises(ValidationError) as exc:
            services.loan_record(user=None, worker=support.kinh_a, amount=80_000_000, date=D(2026, 2, 1),
                                 term_months=24)
        assert "VBSP" in messages(exc.value) or "NHCSXH" in messages(exc.value)
        assert Loan.objects.count() == 2

    def test_the_eligible_groups_are_data(self, support):
        LoanEligibility.objects.filter(household_status__code="poor").delete()
        with pytest.raises(ValidationError):
            services.loan_record(user=None, worker=support.poor_a, amount=1_000_000, date=D(2026, 2, 1), term_months=12)

    def test_bad_amounts_terms_and_duplicates_are_refused(self, support):
        for kwargs in ({"amount": 0}, {"term_months": 0}, {"term_months": 500}, {"date": dt.date(2099, 1, 1)}):
            values = {"amount": 5_000_000, "date": D(2026, 1, 1), "term_months": 12} | kwargs
            with pytest.raises(ValidationError) as exc:
                services.loan_record(user=None, worker=support.poor_a, **values)
            assert set(exc.value.message_dict) & {"amount", "term_months", "date"}
        services.loan_record(user=None, worker=support.poor_a, amount=5_000_000, date=D(2026, 1, 1), term_months=12)
        with pytest.raises(ValidationError):
            services.loan_record(user=None, worker=support.poor_a, amount=5_000_000, date=D(2026, 1, 1), term_months=6)

    def test_a_loan_moves_forward_only(self, support):
        loan = services.loan_record(user=None, worker=support.poor_a, amount=5_000_000, date=D(2026, 1, 1),
                                    term_months=12, status=LoanStatus.APPLIED)
        for status in (LoanStatus.DISBURSED, LoanStatus.REPAYING, LoanStatus.OVERDUE, LoanStatus.REPAYING,
                       LoanStatus.REPAID):
            services.loan_update_status(user=None, loan=loan, status=status)
        with pytest.raises(ValidationError):
            services.loan_update_status(user=None, loan=loan, status=LoanStatus.REPAYING)
        loan.refresh_from_db()
        assert loan.status == LoanStatus.REPAID


class MoneyFormatTests:
    def test_amounts_are_written_the_vietnamese_way(self):
        assert format_money(3_400_000) == "3.400.000 đ"
        assert format_money_short(3_400_000_000) == "3,4 tỷ đồng"
        assert format_money_short(48_250_000_000) == "48,3 tỷ đồng"
        assert format_money_short(245_100_000) == "245,1 triệu đồng"
