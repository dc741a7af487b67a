"""The demo of the reform: new Khánh Hòa's 2026 plan by commune, and Ninh Thuận's history in its reports."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from portal.demo import load_demo_accounts, load_demo_units
from portal.models import Role, Structure, Unit
from reports.dashboard import dashboard_data
from reports.progress import Period, progress_rows
from targets import reform_demo
from targets.models import Quota
from tests.reports.progress_data import depart

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    load_demo_units()
    load_demo_accounts()
    reform_demo.load()
    return Unit.objects.get(structure=Structure.NEW, code="56")


class ReformDemoTests:
    def test_khanh_hoa_plans_800_for_2026_split_over_its_communes(self, demo):
        assert Quota.objects.get(unit=demo, year=2026).target == 800
        communes = Quota.objects.filter(unit__parent=demo, year=2026)
        assert communes.count() == demo.children.count() > 60
        assert communes.aggregate(n=Sum("target"))["n"] == 800
        assert progress_rows(unit=demo, period=Period.for_year(2026)).total.target == 800

    def test_loading_again_changes_nothing(self, demo):
        before = sorted(Quota.objects.values_list("unit_id", "year", "target"))
        assert reform_demo.load() == "plans created 0, quotas created 0"
        assert sorted(Quota.objects.values_list("unit_id", "year", "target")) == before

    def test_the_khanhhoa_account_sees_ninh_thuans_history_in_its_reports(self, demo):
        user = get_user_model().objects.get(username="khanhhoa")
        assert (user.scope.role, user.scope.unit) == (Role.PROVINCE, demo)
        ninh_son = Unit.objects.get(structure=Structure.LEGACY, code="585")
        depart(ninh_son.children.order_by("code").first(), dt.date(2025, 3, 1), "JP")
        report = progress_rows(unit=demo, period=Period.for_year(2025))
        assert report.total.departed == 1
        data = dashboard_data(user, today=dt.date(2025, 12, 31))
        assert data["unit"] == demo and data["total"].departed == 1
