from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Unit
from targets import services
from targets.models import Indicator, MonthlyReport, MonthlyValue, Quota
from tests.targets.conftest import QUOTAS_2021


class QuotaAllocateTests:
    def test_it_saves_in_one_go_and_reports_the_sum_against_the_target(self, users, units, districts):
        services.quota_set(user=users.province, unit=units.province, year=2021, target=150)
        result = services.quota_allocate(user=users.province, parent=units.province, year=2021,
                                         targets={districts[c].pk: t for c, t in QUOTAS_2021.items()})
        assert (result.total, result.parent_target, result.difference, result.warning) == (150, 150, 0, None)
        over = services.quota_allocate(user=users.province, parent=units.province, year=2021, targets={units.a.pk: 35})
        assert (over.total, over.difference) == (160, 10) and over.warning
        assert Quota.objects.get(unit=units.a, year=2021).target == 35

    def test_an_empty_target_removes_the_quota(self, users, units):
        services.quota_allocate(user=users.province, parent=units.province, year=2021, targets={units.a.pk: 5})
        result = services.quota_allocate(user=users.province, parent=units.province, year=2021, targets={units.a.pk: None})
        assert result.total == 0 and not Quota.objects.exists()

    def test_units_not_directly_below_are_refused(self, users, units):
        with pytest.raises(ValidationError):
            services.quota_allocate(user=users.province, parent=units.province, year=2021, targets={units.commune_a.pk: 5})
        assert not Quota.objects.exists()

    def test_a_refused_target_rolls_back_the_whole_allocation(self, users, units):
        with pytest.raises(ValidationError):
            services.quota_allocate(user=users.province, parent=units.province, year=2021,
                                    targets={units.a.pk: 5, units.b.pk: -1})
        assert not Quota.objects.exists()

    def test_an_official_cannot_allocate_to_the_province_districts(self, users, units):
        with pytest.raises(ValidationError):
            services.quota_allocate(user=users.official_a, parent=units.province, year=2021, targets={units.a.pk: 3})
        assert not Quota.objects.exists()

    def test_the_database_keeps_one_quota_per_unit_and_year_and_no_negative_target(self, units):
        Quota.objects.create(unit=units.a, year=2021, target=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            Quota.objects.create(unit=units.a, year=2021, target=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            Quota.objects.filter(unit=units.a).update(target=-1)

    def test_a_quota_below_a_plan_year_is_linked_to_that_plan(self, users, units):
        plan = services.plan_create(user=users.province, unit=units.province, name="P", first_year=2023,
                                    last_year=2025, targets=[400, 600, 700])
        quota = services.quota_set(user=users.province, unit=units.a, year=2024, target=90)
        assert quota.plan == plan


class IndicatorCatalogueTests:
    def test_the_catalogue_is_seeded_as_data(self, db):
        codes = dict(Indicator.objects.values_list("code", "aggregation"))
        for code in ("departed", "departed_female", "departed_poor", "departed_ethnic_minority", "counselled",
                     "registered", "returned", "absconded"):
            assert codes[code] == "sum"
        assert codes["waiting"] == "latest"
        assert all(i.name_vi and i.name_en for i in Indicator.objects.all())

    def test_monthly_values_cannot_be_negative_nor_twice_per_indicator(self, units):
        report = MonthlyReport.objects.create(unit=units.a, month=dt.date(2026, 1, 1))
        departed = Indicator.objects.get(code="departed")
        MonthlyValue.objects.create(report=report, indicator=departed, value=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyValue.objects.create(report=report, indicator=departed, value=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            MonthlyReport.objects.create(unit=units.a, month=dt.date(2026, 1, 1))


class DeadlineTests:
    @pytest.mark.parametrize(("month", "deadline"), [
        (dt.date(2026, 1, 1), dt.date(2026, 2, 5)), (dt.date(2026, 12, 1), dt.date(2027, 1, 5))])
    def test_the_deadline_is_the_setting_day_of_the_next_month(self, month, deadline):
        assert services.deadline(month) == deadline

    def test_a_late_day_is_clamped_to_the_end_of_a_short_month(self, settings):
        settings.MONTHLY_DEADLINE_DAY = 31
        assert services.deadline(dt.date(2026, 1, 1)) == dt.date(2026, 2, 28)


class DemoTests:
    def test_the_demo_has_the_2021_quotas_the_plans_and_the_history_and_loads_twice_the_same(self, db):
        from portal.demo import load_demo_accounts, load_demo_units
        from targets.demo import load

        load_demo_units()
        load_demo_accounts()
        load()
        q = dict(Quota.objects.filter(year=2021).values_list("unit__code", "target"))
        assert q == {"58": 150, **QUOTAS_2021}
        province = Unit.objects.get(code="58", structure="legacy")
        assert [Quota.objects.get(unit=province, year=y).target for y in (2023, 2024, 2025)] == [400, 600, 700]
        for year, target in ((2023, 400), (2024, 600), (2025, 700)):
            assert sum(Quota.objects.filter(unit__parent=province, year=year).values_list("target", flat=True)) == target
        assert [Quota.objects.get(unit=province, year=y).target for y in range(2026, 2031)] == [800] * 5
        # Ninh Thuận's districts report up to 06/2025 (the months since: reports.figures_demo, 2025 structure).
        statuses = set(MonthlyReport.objects.values_list("status", flat=True))
        assert statuses == {"approved"}
        assert MonthlyReport.objects.latest("month").month == dt.date(2025, 6, 1)
        counts = (Quota.objects.count(), MonthlyReport.objects.count(), MonthlyValue.objects.count())
        from auditlog.models import LogEntry

        entries = LogEntry.objects.count()
        assert load() == "quotas created 0, plans created 0, reports created 0"
        assert (Quota.objects.count(), MonthlyReport.objects.count(), MonthlyValue.objects.count()) == counts
        assert LogEntry.objects.count() == entries
