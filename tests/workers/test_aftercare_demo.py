"""The after-departure demo: Bác Ái at risk, Ninh Sơn close, absconding, extensions, returnees with follow-ups
due, an enterprise warning; a second load changes nothing."""
from __future__ import annotations

import datetime as dt

from workers import demo
from workers.aftercare import demo as aftercare_demo
from workers.models import (
    Absconding,
    AftercareSettings,
    ContractExtension,
    Departure,
    FollowUp,
    OverstayRule,
    Return,
    ReturnOutcome,
    Worker,
)


class AftercareDemoTests:
    def test_the_demo_shows_a_district_at_risk_one_close_and_loads_once(self, users, units):
        from reports.aftercare.overstay import overstay_report
        from workers.overstay import Thresholds

        demo.load()
        first = aftercare_demo.load()
        assert first == "after departure: settings created 1, rules created 2, workers created 117"
        counts = [model.objects.count() for model in (Worker, Departure, Absconding, ContractExtension, Return,
                                                      FollowUp, OverstayRule, AftercareSettings)]
        assert aftercare_demo.load() == "after departure: settings created 0, rules created 0, workers created 0"
        assert counts == [model.objects.count() for model in (Worker, Departure, Absconding, ContractExtension,
                                                              Return, FollowUp, OverstayRule, AftercareSettings)]
        rule = OverstayRule.objects.get(year=2026)
        report = overstay_report(unit=units.province, programme=rule.programme, thresholds=Thresholds.of(rule),
                                 as_of=rule.as_of, rule=rule)
        assert [row.code for row in report.at_risk] == ["584"] and [row.code for row in report.close] == ["585"]
        assert Absconding.objects.filter(closed_on__isnull=True).count() >= 40
        assert Absconding.objects.filter(closed_how="found").exists() and ContractExtension.objects.count() >= 4
        assert Return.objects.filter(outcome=ReturnOutcome.AFTER_OVERSTAY).exists()
        assert FollowUp.objects.filter(needs_loan=True).exists()
        assert Departure.objects.filter(warning__contains="bỏ trốn").exists()
        assert not Absconding.objects.filter(learned_on__gt=dt.date(2026, 11, 20)).exists()
