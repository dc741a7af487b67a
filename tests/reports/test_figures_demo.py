"""The demo's one story: this year's monthly figures in the 2025 structure (Khánh Hòa's communes), Ninh Thuận's
districts up to 06/2025, the registry and the approved figures agreeing except for the deliberate differences."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from portal.demo import load_demo_accounts, load_demo_units
from portal.models import Role, Structure, Unit
from reports import figures_demo
from reports.dashboard import dashboard_data
from reports.progress import Period, reconciliation_rows, sources_compared
from targets import demo as targets_demo
from targets import reform_demo
from targets.models import MonthlyReport, ReportStatus
from workers import demo as workers_demo
from workers.aftercare import demo as aftercare_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def demo():
    load_demo_units()
    load_demo_accounts()
    reform_demo.load()
    workers_demo.load()
    aftercare_demo.load()
    targets_demo.load()
    figures_demo.load()
    return Unit.objects.get(structure=Structure.NEW, code="56")


class FiguresDemoTests:
    def test_this_years_figures_are_the_communes_and_agree_with_the_registry_but_for_the_deliberate_ones(self, demo):
        legacy = MonthlyReport.objects.filter(unit__structure=Structure.LEGACY)
        assert legacy.latest("month").month == dt.date(2025, 6, 1)
        new = MonthlyReport.objects.filter(unit__structure=Structure.NEW)
        assert new.earliest("month").month == dt.date(2025, 7, 1)
        assert set(new.values_list("status", flat=True)) == {"draft", "submitted", "approved", "returned"}
        son = Unit.objects.get(structure=Structure.NEW, code=figures_demo.XA_NINH_SON)
        assert MonthlyReport.objects.get(unit=son, month=dt.date(2026, 9, 1)).status == ReportStatus.RETURNED
        assert not MonthlyReport.objects.filter(unit=son, month=dt.date(2026, 10, 1)).exists()  # overdue

        lines = reconciliation_rows(demo, Period.for_year(2026), today=TODAY)
        differing = {(line["code"], line["month"]) for line in lines if line["flagged"] and line["month"] < "2026-11"}
        communes = {key for key in differing if key[0] != "56"}
        assert communes == {("22813", "2026-03-01"), ("22840", "2026-04-01"), ("22849", "2026-10-01")}
        check = sources_compared(lines, shown="registry", before=TODAY)
        assert check["differs"] and check["registry"] - check["figures"] == 3
        # The history: Ninh Thuận's districts reported what the registry holds.
        ninh_thuan = Unit.objects.get(structure=Structure.LEGACY, code="58")
        history = sources_compared(reconciliation_rows(ninh_thuan, Period.between(
            dt.date(2025, 1, 1), dt.date(2025, 6, 30)), today=TODAY), shown="registry")
        assert history["registry"] == history["figures"] > 0

    def test_the_commune_officials_work_in_the_2025_structure_and_loading_again_changes_nothing(self, demo):
        User = get_user_model()
        for username, code in (("xaninhson", "22810"), ("xabacai", "22795")):
            user = User.objects.get(username=username)
            assert (user.scope.role, user.scope.unit.structure, user.scope.unit.code) == (
                Role.OFFICIAL, Structure.NEW, code)
        data = dashboard_data(User.objects.get(username="khanhhoa"), today=TODAY)
        assert data["sources"]["differs"] is True  # both sources shown, with the link to the reconciliation
        before = MonthlyReport.objects.count()
        assert figures_demo.load().startswith("2025-structure monthly figures: 0 approved months, 0 in other")
        assert MonthlyReport.objects.count() == before
