"""The home page dashboard and the monthly progress snapshots."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from reports.dashboard import dashboard_data
from reports.models import ProgressSnapshot
from reports.progress import Period
from reports.snapshots import snapshots_store
from targets.models import Quota
from tests.reports.progress_data import communes, depart, make_worker, timeline

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
        # A cold cache: the progress figures, the snapshots, the years chart (registry and history figures), the
        # warnings (EPS rule), the inbox panels and the two sources compared (the reconciliation's queries), each a
        # fixed number of queries.
        with django_assert_max_num_queries(33):
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
        from reports.tasks import store_progress_snapshots

        assert store_progress_snapshots.name == entry["task"]

    def test_the_dashboard_trend_comes_from_snapshots(self, users, units):
        year = timezone.localdate().year
        ProgressSnapshot.objects.create(unit=units.province, month=dt.date(year, 1, 1), figures={"percent": 0.05})
        ProgressSnapshot.objects.create(unit=units.province, month=dt.date(year, 2, 1), figures={"percent": 0.125})
        ProgressSnapshot.objects.create(unit=units.a, month=dt.date(year, 2, 1), figures={"percent": 0.9})
        trend = dashboard_data(users.province)["charts"]["trend"]
        assert trend["labels"] == [f"01/{year}", f"02/{year}"] and trend["percent"] == [5.0, 12.5]


class DashboardCacheTests:
    """The home page caches the dashboard per unit, language and day; every write drops it."""

    def departed(self, client) -> str:
        html = client.get(reverse("home")).content.decode()
        return html.split('data-testid="dash-departed">')[1].split("<")[0]

    def test_a_cached_hit_reads_no_progress_and_few_queries(self, users, this_year, client_for, monkeypatch,
                                                            django_assert_max_num_queries):
        client = client_for(users.province)
        first = client.get(reverse("home")).content.decode()
        assert 'data-testid="dash-as-of"' not in first

        def fail(**_kwargs):
            raise AssertionError("a cached hit computed the progress report")

        monkeypatch.setattr("reports.dashboard.progress_rows", fail)
        with django_assert_max_num_queries(5):  # session, user, scope and unit, units in scope by level
            html = client.get(reverse("home")).content.decode()
        assert 'data-testid="dash-departed">4<' in html and 'data-testid="dash-waiting">1<' in html
        assert 'data-testid="dash-as-of"' in html and "số liệu tính lúc" in html

    def test_a_departure_recorded_through_the_service_shows_at_once(self, users, this_year, client_for):
        from workers import services
        from workers.models import Country

        client = client_for(users.province)
        assert self.departed(client) == "4"
        worker = services.worker_register(
            user=users.admin, citizen_id="058095000777", full_name="Nguyễn Văn Mới", date_of_birth=dt.date(1995, 1, 1),
            sex="male", unit=communes("585")[2])
        services.departure_record(user=users.admin, worker=worker, date=this_year, country=Country.objects.get(code="JP"))
        assert self.departed(client) == "5"
        assert self.departed(client_for(users.official_a)) == "4"  # 3 before, now 4 in Ninh Sơn

    def test_a_quota_change_shows_at_once(self, users, this_year, client_for):
        from targets.services import quota_set

        client = client_for(users.province)
        assert 'data-testid="dash-target">120<' in client.get(reverse("home")).content.decode()
        quota_set(user=users.admin, unit=users.province.scope.unit, year=this_year.year, target=150)
        assert 'data-testid="dash-target">150<' in client.get(reverse("home")).content.decode()

    def test_an_import_shows_at_once(self, users, units, this_year, client_for):
        from tests.workers.test_import import HEADERS, sheet
        from workers.importers import import_workers

        client = client_for(users.official_a)
        assert self.departed(client) == "3"
        day = f"{this_year:%d/%m/%Y}"
        row = ["Trần Thị Hai", "058195000901", "03/01/1995", "Nữ", units.commune_a.code, "", "", "Đã xuất cảnh",
               day, "Nhật Bản", "", "", ""]
        import_workers(sheet([row], HEADERS), user=users.official_a)
        assert self.departed(client) == "4"

    def test_a_bulk_writer_bumps_the_version_itself(self, users, this_year, client_for):
        from portal.invalidation import progress_changed
        from workers.models import Country, Departure

        worker = make_worker(communes("584")[0], status="departed")
        client = client_for(users.official_b)
        assert self.departed(client) == "1"
        Departure.objects.bulk_create([Departure(worker=worker, date=this_year, country=Country.objects.get(code="KR"),
                                                 unit=worker.unit, sex=worker.sex)])  # sends no signal
        assert self.departed(client) == "1"  # hence the writer's own call:
        progress_changed()
        assert self.departed(client) == "2"

    def test_units_never_share_an_entry(self, users, this_year, client_for):
        """Each official sees their own unit's figures, whoever filled the cache first."""
        for user, departed in ((users.official_a, "3"), (users.official_b, "1"), (users.province, "4"),
                               (users.official_a, "3"), (users.official_b, "1"), (users.viewer, "4")):
            html = client_for(user).get(reverse("home")).content.decode()
            assert f'data-testid="dash-departed">{departed}<' in html, user.username
        html = client_for(users.official_b).get(reverse("home")).content.decode()
        assert "Huyện Ninh Sơn" not in html and "Huyện Bác Ái" in html

    def test_the_version_is_bumped_again_after_the_commit(self, django_capture_on_commit_callbacks):
        """A request that read the version inside the writer's transaction and computed with the data
        before the commit stored its figures under a version that the commit retires."""
        from django.db import transaction

        from portal import cache_version

        before = cache_version.current()
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                cache_version.bump()
                during = cache_version.current()
        assert before < during < cache_version.current()
