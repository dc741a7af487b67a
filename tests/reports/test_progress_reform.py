"""Progress across the 2025 reform: old Tiền Giang (82) and old Đồng Tháp (87) became Đồng Tháp (82).

Legacy records count under the new units that succeeded their communes; new records count under the
legacy unit they came from; a province's total is the same whichever way it is counted.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Level, Structure, Unit
from portal.tree import primary_predecessors
from reports.progress import Period, progress_rows, reconciliation_rows
from targets.models import Quota
from tests.reports.progress_data import approved_figures, depart, make_worker, timeline
from workers.models import Enterprise, ExpectedDeparture

pytestmark = pytest.mark.django_db

LATER = dt.date(2026, 6, 1)
SPANNING = Period.between(dt.date(2025, 1, 1), dt.date(2026, 3, 31))
# Phường 4 of old Tiền Giang was divided: its default successor is Phường Đạo Thạnh (28249); part of it
# went to Phường Cao Lãnh (29869).
DIVIDED, DIVIDED_DEFAULT, DIVIDED_OTHER = "28252", "28249", "29869"


def legacy(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code)


def new(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.NEW, code=code)


def by_code(report) -> dict:
    return {row.code: row for row in report.rows}


@pytest.fixture
def dong_thap(capsys):
    call_command("load_admin_units", "--structure", "both", "--province", "82")
    capsys.readouterr()
    return new("82")


@pytest.fixture
def history(dong_thap):
    """Before the reform: 3 in old Tiền Giang communes (one in the divided Phường 4), 2 in an old Đồng Tháp
    commune, 1 recorded at the old city of Mỹ Tho (815) itself; after it: 4 in new Đồng Tháp communes."""
    depart(legacy(DIVIDED), dt.date(2025, 2, 3), "JP")  # → 28249
    depart(legacy("28753"), dt.date(2025, 3, 4), "KR")  # Xã Phú Tân (825) → 28696
    depart(legacy("28753"), dt.date(2025, 6, 30), "JP")
    depart(legacy("30277"), dt.date(2025, 4, 5), "TW")  # Xã Hòa Tân (old Đồng Tháp, 877) → 30253
    depart(legacy("30277"), dt.date(2025, 5, 6), "JP")
    depart(legacy("815"), dt.date(2025, 1, 20), "JP")
    depart(new(DIVIDED_DEFAULT), dt.date(2025, 7, 1), "JP")  # primary predecessor: Phường 5 (28249, 815)
    depart(new(DIVIDED_OTHER), dt.date(2025, 9, 9), "KR")  # primary predecessor: Phường 1 (29869, old Đồng Tháp)
    depart(new("30259"), dt.date(2025, 12, 1), "JP")  # primary predecessor: 30259 (old Đồng Tháp)
    depart(new("30259"), dt.date(2026, 2, 2), "TW")
    depart(legacy("28753"), dt.date(2024, 12, 31), "JP")  # before every period used here but 2024
    return dong_thap


class NewStructureReportTests:
    def test_legacy_departures_count_under_the_new_communes_that_succeeded_theirs(self, history):
        report = progress_rows(unit=history, period=Period.for_year(2025), today=LATER)
        rows = by_code(report)
        assert report.total.departed == 9  # 6 before 1 July, 3 after
        assert (rows["28696"].departed, rows["30253"].departed, rows["30259"].departed) == (2, 2, 1)
        assert sum(row.departed for row in report.rows) == 8  # the district's departure: the province only
        assert report.total.markets == {"JP": 6, "KR": 2, "TW": 1, "other": 0}
        assert sum(item["departed"] for item in report.monthly) == 9
        assert report.monthly[0] == {"month": "2025-01-01", "departed": 1}

    def test_a_divided_communes_departures_go_to_its_default_successor(self, history):
        rows = by_code(progress_rows(unit=history, period=Period.for_year(2025, "h1"), today=LATER))
        assert rows[DIVIDED_DEFAULT].departed == 1
        assert rows[DIVIDED_OTHER].departed == 0
        after = by_code(progress_rows(unit=history, period=Period.for_year(2025), today=LATER))
        assert (after[DIVIDED_DEFAULT].departed, after[DIVIDED_OTHER].departed) == (2, 1)

    def test_a_new_commune_report_includes_its_predecessors_history_only(self, history):
        report = progress_rows(unit=new(DIVIDED_DEFAULT), period=Period.for_year(2025), today=LATER)
        assert report.total.departed == 2
        other = progress_rows(unit=new(DIVIDED_OTHER), period=Period.for_year(2025), today=LATER)
        assert other.total.departed == 1  # the part of Phường 4 it received does not bring its history

    def test_the_previous_year_and_waiting_come_from_the_legacy_registry_too(self, history):
        report = progress_rows(unit=history, period=Period.for_year(2026, "q1"), today=LATER)
        assert (report.total.departed, report.total.previous_year) == (1, 3)  # Q1 2025: 3 in old communes
        worker = make_worker(legacy("30277"))
        timeline(worker, ("training", dt.date(2025, 5, 1)))
        assert progress_rows(unit=history, period=Period.for_year(2026, "q1"), today=LATER).total.waiting == 1
        # The pool by enterprise counts the legacy commune's worker in the new structure too.
        enterprise = Enterprise.objects.create(name="Công ty Cà Mau", licence_no="CM-01")
        ExpectedDeparture.objects.create(worker=worker, enterprise=enterprise)
        other = make_worker(legacy("30277"))
        timeline(other, ("waiting", dt.date(2025, 6, 1)))
        report = progress_rows(unit=history, period=Period.for_year(2026, "q1"), today=LATER)
        assert [(line["enterprise_id"], line["training"], line["ready"]) for line in report.waiting_by_enterprise] == [
            (enterprise.pk, 1, 0), (None, 0, 1)]


class LegacyStructureReportTests:
    def test_new_records_count_under_the_legacy_unit_they_came_from(self, history):
        report = progress_rows(unit=legacy("82"), period=SPANNING, today=LATER)
        rows = by_code(report)
        # Phường Đạo Thạnh (28249) kept the code of old Phường 5 (28249), in the city of Mỹ Tho (815).
        assert legacy(DIVIDED_DEFAULT).parent.code == "815"
        assert rows["815"].departed == 3  # Phường 4 before, Phường Đạo Thạnh after, the district itself
        assert rows["825"].departed == 2
        assert report.total.departed == 5
        old_dong_thap = progress_rows(unit=legacy("87"), period=SPANNING, today=LATER)
        assert old_dong_thap.total.departed == 5  # 2 before; Phường Cao Lãnh and Tân Phú Trung after
        assert by_code(old_dong_thap)["866"].departed == 1

    def test_the_primary_predecessor_is_a_default_one_with_the_same_code(self):
        pairs = [(1, "100", 10, "090", True), (1, "100", 11, "100", False), (1, "100", 12, "100", True),
                 (2, "200", 20, "300", False), (2, "200", 21, "250", False)]
        assert primary_predecessors(pairs) == {1: 12, 2: 21}


class SameTotalTests:
    def test_the_province_total_is_the_same_in_both_structures_over_a_period_spanning_the_reform(self, history):
        new_total = progress_rows(unit=history, period=SPANNING, today=LATER).total
        old = [progress_rows(unit=legacy(code), period=SPANNING, today=LATER).total for code in ("82", "87")]
        assert new_total.departed == sum(t.departed for t in old) == 10
        for attr in ("female", "with_cert", "previous_year"):
            assert getattr(new_total, attr) == sum(getattr(t, attr) for t in old)
        assert new_total.markets == {key: sum(t.markets[key] for t in old) for key in new_total.markets}

    def test_monthly_figures_of_abolished_districts_show_under_the_new_province(self, history):
        approved_figures(legacy("815"), dt.date(2025, 5, 1), departed=7, waiting=4)
        approved_figures(legacy("877"), dt.date(2025, 6, 1), departed=5)
        approved_figures(new(DIVIDED_DEFAULT), dt.date(2025, 9, 1), departed=2, waiting=1)
        report = progress_rows(unit=history, period=Period.for_year(2025), source="figures", today=LATER)
        assert report.total.departed == 14
        assert sum(row.departed for row in report.rows) == 2  # the districts' figures: the province only
        assert report.total.waiting == 1  # an abolished district's last stock is not current at year end
        old = [progress_rows(unit=legacy(code), period=Period.for_year(2025), source="figures", today=LATER)
               for code in ("82", "87")]
        assert sum(r.total.departed for r in old) == 14
        assert by_code(old[0])["815"].departed == 9  # its own 7, and Phường Đạo Thạnh's 2
        lines = reconciliation_rows(history, Period.for_year(2025))
        assert sum(line["registry"] for line in lines) == 9


class QuotaTests:
    def test_a_2026_plan_allocated_to_new_communes_and_the_2025_plan_of_the_old_provinces(self, history):
        Quota.objects.create(unit=history, year=2026, target=800)
        Quota.objects.create(unit=new(DIVIDED_DEFAULT), year=2026, target=30)
        Quota.objects.create(unit=new(DIVIDED_OTHER), year=2026, target=20)
        Quota.objects.create(unit=legacy("82"), year=2025, target=300)
        Quota.objects.create(unit=legacy("87"), year=2025, target=200)
        Quota.objects.create(unit=legacy("815"), year=2025, target=90)  # within Tiền Giang's 300
        Quota.objects.create(unit=legacy(DIVIDED), year=2025, target=6)
        report = progress_rows(unit=history, period=Period.for_year(2026), today=LATER)
        assert (report.total.target, by_code(report)[DIVIDED_DEFAULT].target) == (800, 30)
        report = progress_rows(unit=history, period=Period.for_year(2025), today=LATER)
        assert report.total.target == 500
        assert by_code(report)[DIVIDED_DEFAULT].target == 6
        both = progress_rows(unit=history, period=Period.for_years(2025, 2026), today=LATER)
        assert both.total.target == 1300
        old = progress_rows(unit=legacy("82"), period=Period.for_year(2026), today=LATER)
        assert by_code(old)["815"].target == 30  # Phường Đạo Thạnh's quota, under the district it came from


class ExportProgressTests:
    def test_export_in_the_2025_structure_counts_both_old_provinces_then_the_new_one(self, history, tmp_path,
                                                                                   capsys):
        from django.contrib.auth import get_user_model

        get_user_model().objects.create_superuser("admin_reform", password="x-Pass-2026!")
        capsys.readouterr()
        call_command("export_progress", "--structure", "2025", "--unit", "82", "--year", "2025",
                     "--out", str(tmp_path / "dt.xlsx"))
        out = capsys.readouterr().out
        assert out.startswith("Trong năm 2025, toàn tỉnh đã đưa 9 lao động")
        call_command("export_progress", "--unit", "82", "--year", "2024", "--out", str(tmp_path / "tg.xlsx"))
        assert "đã đưa 1 lao động" in capsys.readouterr().out  # 2024: code 82 is old Tiền Giang
        call_command("export_progress", "--structure", "legacy", "--unit", "82", "--year", "2025",
                     "--period", "h1", "--out", str(tmp_path / "tg-h1.xlsx"))
        assert "đã đưa 4 lao động" in capsys.readouterr().out


class DepartureLinesAndMonthsTests:
    def test_lines_and_months_leave_out_records_that_count_under_another_province(self, history):
        report = progress_rows(unit=legacy("82"), period=SPANNING, today=LATER)
        assert (report.total.departed, report.total.previous_year) == (5, 4)
        assert report.total.markets == {"JP": 4, "KR": 1, "TW": 0, "other": 0}
        assert report.monthly == [
            {"month": "2025-01-01", "departed": 1}, {"month": "2025-02-01", "departed": 1},
            {"month": "2025-03-01", "departed": 1}, {"month": "2025-06-01", "departed": 1},
            {"month": "2025-07-01", "departed": 1}]
        assert {line["country_code"]: line["departed"] for line in report.market_lines} == {"JP": 4, "KR": 1}

    def test_the_new_province_counts_every_record_of_both_old_ones(self, history):
        report = progress_rows(unit=history, period=SPANNING, today=LATER)
        assert (report.total.departed, report.total.previous_year) == (10, 4)
        assert report.total.markets == {"JP": 6, "KR": 2, "TW": 2, "other": 0}
        assert [item["month"][:7] for item in report.monthly] == [
            "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-09", "2025-12",
            "2026-02"]
        assert sum(line["departed"] for line in report.market_lines) == 10


class QueryCountTests:
    def test_the_number_of_queries_stays_flat_across_structures(self, history):
        def count(unit):
            with CaptureQueriesContext(connection) as captured:
                progress_rows(unit=unit, period=SPANNING, today=LATER)
            return len(captured.captured_queries)

        before = (count(history), count(legacy("82")))
        communes = list(Unit.objects.filter(level=Level.COMMUNE).order_by("path"))
        for i in range(40):
            depart(communes[i * 7 % len(communes)], dt.date(2025, 1 + i % 12, 1), ("JP", "KR", "TW")[i % 3])
        assert (count(history), count(legacy("82"))) == before
        assert before[0] <= 11  # was 14: one query for every departure figure; +1: the history figures; +1: the enterprises preparing the pool, when any


class MergedQuotaTests:
    def test_a_quota_of_a_unit_made_of_several_old_provinces_is_not_one_of_theirs(self, history):
        Quota.objects.create(unit=history, year=2026, target=800)
        Quota.objects.create(unit=new("28696"), year=2026, target=12)  # made of old Tiền Giang communes only
        old = progress_rows(unit=legacy("82"), period=Period.for_year(2026), today=LATER)
        assert old.total.target == 12
        assert progress_rows(unit=legacy("87"), period=Period.for_year(2026), today=LATER).total.target == 0
