"""The home page dashboard and the monthly progress snapshots."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from portal.dashboard import dashboard_data, snapshots_store
from portal.models import ProgressSnapshot
from targets.models import Quota
from targets.progress import Period
from tests.targets.progress_data import communes, depart, make_worker, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_year(units):
    today = timezone.localdate()
    year = today.year
    Quota.objects.create(unit=units.province, year=year, target=120)
    Quota.objects.create(unit=units.a, year=year, target=24)
    Quota.objects.create(unit=units.b, year=year, target=36)
    first = dt.date(year, 1, 1)
    for _ in range(3):
        depart(communes("585")[0], first, "JP")
    depart(communes("584")[0], first, "KR")
    worker = make_worker(communes("585")[1])
    timeline(worker, ("training", first))
    return today


class DashboardTests:
    def test_the_province_sees_its_figures_at_a_glance(self, users, this_year):
        data = dashboard_data(users.province, today=this_year)
        total = data["total"]
        assert (total.target, total.departed, total.waiting) == (120, 4, 1)
        elapsed = Period.for_year(this_year.year).covered_fraction(this_year.year, this_year)
        assert abs(total.expected - 120 * elapsed) <= 0.5
        charts = data["charts"]
        assert "Huyện Ninh Sơn" in charts["units"]["labels"]
        son = charts["units"]["labels"].index("Huyện Ninh Sơn")
        assert (charts["units"]["departed"][son], charts["units"]["target"][son]) == (3, 24)
        assert charts["monthly"]["cumulative"][-1] == 4 and charts["monthly"]["proRata"][0] == 10.0
        assert charts["markets"]["values"] == [3, 1, 0, 0]

    def test_an_official_sees_the_same_for_their_unit(self, users, this_year):
        data = dashboard_data(users.official_a, today=this_year)
        assert (data["unit"].code, data["total"].target, data["total"].departed) == ("585", 24, 3)
        assert data["sentence"].startswith(f"Trong năm {this_year.year}, toàn huyện đã đưa 3 lao động")

    def test_a_user_without_a_unit_has_no_dashboard(self, users, units):
        assert dashboard_data(users.nobody) is None

    def test_the_home_page_draws_the_charts_from_json_without_inline_script(self, users, this_year, client_for,
                                                                            django_assert_max_num_queries):
        client = client_for(users.province)
        with django_assert_max_num_queries(25):
            response = client.get(reverse("home"))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="dash-departed">4<' in html
        assert "vendor/chartjs/chart.umd.min.js" in html and "js/dashboard.js" in html
        assert 'id="chart-units"' in html and 'id="chart-monthly"' in html and 'id="chart-markets"' in html
        payload = html.split('<script id="dashboard-data" type="application/json">')[1].split("</script>")[0]
        assert json.loads(payload)["markets"]["values"] == [3, 1, 0, 0]
        assert "<script>" not in html

    def test_an_official_does_not_see_other_units_on_the_home_page(self, users, this_year, client_for):
        html = client_for(users.official_b).get(reverse("home")).content.decode()
        assert "Huyện Ninh Sơn" not in html
        assert 'data-testid="dash-departed">1<' in html


class SnapshotTests:
    def test_every_unit_gets_a_monthly_snapshot_once(self, units):
        Quota.objects.create(unit=units.a, year=2021, target=25)
        depart(communes("585")[0], dt.date(2021, 2, 3), "JP")
        depart(communes("585")[0], dt.date(2021, 3, 3), "JP")  # after the snapshot's month
        written = snapshots_store(month=dt.date(2021, 2, 1))
        assert written >= ProgressSnapshot.objects.count() > 60
        son = ProgressSnapshot.objects.get(unit=units.a, month=dt.date(2021, 2, 1))
        assert (son.figures["target"], son.figures["departed"], son.figures["percent"]) == (25, 1, 0.04)
        assert son.figures["expected"] == 4  # 25 × 2/12, rounded
        commune = ProgressSnapshot.objects.get(unit=communes("585")[0], month=dt.date(2021, 2, 1))
        assert commune.figures["departed"] == 1
        before = ProgressSnapshot.objects.count()
        snapshots_store(month=dt.date(2021, 2, 1))
        assert ProgressSnapshot.objects.count() == before

    def test_the_beat_schedule_stores_snapshots_monthly(self):
        entry = django_settings.CELERY_BEAT_SCHEDULE["store-progress-snapshots"]
        assert entry["task"] == "portal.tasks.store_progress_snapshots"
        from portal.tasks import store_progress_snapshots

        assert store_progress_snapshots.name == entry["task"]

    def test_the_dashboard_trend_comes_from_snapshots(self, users, units):
        year = timezone.localdate().year
        ProgressSnapshot.objects.create(unit=units.province, month=dt.date(year, 1, 1), figures={"percent": 0.05})
        ProgressSnapshot.objects.create(unit=units.province, month=dt.date(year, 2, 1), figures={"percent": 0.125})
        ProgressSnapshot.objects.create(unit=units.a, month=dt.date(year, 2, 1), figures={"percent": 0.9})
        trend = dashboard_data(users.province)["charts"]["trend"]
        assert trend["labels"] == [f"01/{year}", f"02/{year}"] and trend["percent"] == [5.0, 12.5]
