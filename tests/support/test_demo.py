from __future__ import annotations

import datetime as dt

from django.db.models import Sum

from support import demo as support_demo
from support import services
from support.models import Loan, Payment, PaymentLine, Policy, PolicyBudget
from support.selectors import support_summary
from workers import demo


class SupportDemoTests:
    def test_the_demo_pays_eligible_workers_within_caps_and_budgets_and_loads_once(self, users, units):
        demo.load()
        first = support_demo.load()
        assert first.startswith("policies created 3")
        counts = (Payment.objects.count(), PaymentLine.objects.count(), Loan.objects.count())
        assert counts[0] >= 30 and counts[2] >= 30
        assert support_demo.load() == "policies created 0, payments created 0, loans created 0"
        assert counts == (Payment.objects.count(), PaymentLine.objects.count(), Loan.objects.count())
        for payment in Payment.objects.select_related("policy", "worker__unit", "worker__ethnicity"):
            assert services.policy_eligibility_problem(payment.policy, payment.worker, payment.date) is None
        for line in (PaymentLine.objects.order_by().values("payment__worker", "item__cap", "item")
                     .annotate(total=Sum("amount"))):
            assert line["total"] <= line["item__cap"]
        for budget in PolicyBudget.objects.all():
            assert services.budget_used(budget.policy, budget.year) <= budget.amount
        assert all(p.code.startswith("DEMO-") for p in Policy.objects.all())
        summary = support_summary(unit=units.province, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
        assert summary.total.workers_supported > 10 and summary.total.loans > 10
        assert 2_000_000 <= summary.total.paid / summary.total.workers_supported <= 12_000_000
        assert 50_000_000 <= summary.total.loan_amount / summary.total.loans <= 150_000_000
