"""History figures in the progress reports, "same period last year" and the dashboard's trend: counted for the
periods the registry holds no departure of (in the figure's unit and below it), never the same period twice, and
only when the figure's whole month or year lies in the period; the report's query count stays flat."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from history import services
from reports.dashboard import dashboard_data
from reports.progress import Period, progress_rows
from reports.progress.trend import departures_by_year
from reports.progress.workbooks import write_progress_workbook
from tests.reports.progress_data import communes, depart

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(users, units):
    """Ninh Sơn 2018: 15 (a year's total: 8 Japan, 3 Korea, 2 Taiwan, 6 women); Bác Ái March 2018: 3; Bác Ái
    2017: 10."""
    services.figure_save(user=users.province, unit=units.a, year=2018, month=None, departed=15, japan=8, korea=3,
                         taiwan=2, female=6, poor=4, ethnic_minority=1)
    services.figure_save(user=users.province, unit=units.b, year=2018, month=3, departed=3)
    services.figure_save(user=users.province, unit=units.b, year=2017, month=None, departed=10)


class CountingRuleTests:
    def test_figures_count_where_the_registry_holds_nothing(self, figures, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2018))
        rows = {row.code: row for row in report.rows}
        assert (report.total.departed, report.total.history) == (18, 18)
        assert (rows["585"].departed, rows["585"].female, rows["585"].poor, rows["585"].markets) == (
            15, 6, 4, {"JP": 8, "KR": 3, "TW": 2, "other": 2})
        assert rows["584"].departed == 3 and rows["584"].markets == {"JP": 0, "KR": 0, "TW": 0, "other": 3}
        assert report.monthly == [{"month": "2018-03-01", "departed": 3}]  # a year's total has no month
        assert {line["country"]: line["departed"] for line in report.market_lines}["Nhật Bản"] == 8

    def test_a_registry_departure_in_the_figures_unit_and_period_replaces_the_figure_never_both(self, figures,
                                                                                                 units):
        depart(communes("585")[0], dt.date(2018, 6, 1), "KR")
        report = progress_rows(unit=units.province, period=Period.for_year(2018))
        rows = {row.code: row for row in report.rows}
        assert (rows["585"].departed, rows["585"].history) == (1, 0)  # the registry's one, not 1 + 15
        assert (report.total.departed, report.total.history) == (4, 3)

    def test_a_monthly_figure_gives_way_only_in_its_own_month(self, figures, units):
        depart(communes("584")[0], dt.date(2018, 4, 2))  # April: March's figure still counts
        assert progress_rows(unit=units.b, period=Period.for_year(2018)).total.departed == 4
        depart(communes("584")[1], dt.date(2018, 3, 20))  # March: the registry counts March now
        assert progress_rows(unit=units.b, period=Period.for_year(2018)).total.departed == 2

    def test_same_period_last_year_uses_the_figures_without_double_counting(self, figures, units):
        year = progress_rows(unit=units.province, period=Period.for_year(2019))
        assert (year.total.previous_year, year.total.history_previous_year) == (18, 18)
        depart(communes("585")[0], dt.date(2018, 6, 1))
        assert progress_rows(unit=units.province, period=Period.for_year(2019)).total.previous_year == 4
        assert progress_rows(unit=units.province, period=Period.for_year(2018)).total.previous_year == 10

    def test_a_years_total_says_nothing_about_part_of_the_year(self, figures, units):
        h1 = progress_rows(unit=units.province, period=Period.for_year(2019, "h1"))
        assert h1.total.previous_year == 3  # March 2018 of Bác Ái; Ninh Sơn's year of 2018 is not split
        assert progress_rows(unit=units.province, period=Period.for_year(2018, "h1")).total.departed == 3

    def test_the_query_count_stays_flat_with_figures(self, units, users):
        depart(communes("585")[0], dt.date(2018, 6, 1))

        def count() -> int:
            with CaptureQueriesContext(connection) as captured:
                progress_rows(unit=units.province, period=Period.for_year(2019))
            return len(captured.captured_queries)

        without = count()
        services.figure_save(user=users.province, unit=units.a, year=2018, month=None, departed=15)
        for month in range(1, 13):
            services.figure_save(user=users.province, unit=units.b, year=2018, month=month, departed=month)
        assert count() == without


class ShownTests:
    def test_the_workbook_says_which_figures_came_from_history(self, figures, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2019))
        out = io.BytesIO()
        write_progress_workbook(report, out)
        source = load_workbook(io.BytesIO(out.getvalue()))["Tổng hợp"]["A4"].value
        assert "số liệu lịch sử tổng hợp" in source and "18 người cùng kỳ năm trước" in source

    def test_the_dashboard_trend_stacks_the_registry_and_the_history_figures(self, figures, users, units):
        depart(communes("585")[0], dt.date(2019, 6, 1))
        depart(communes("584")[0], dt.date(2018, 3, 20))  # covers Bác Ái's March 2018
        years = {item["year"]: (item["registry"], item["history"]) for item in departures_by_year(
            units.province, 2016, 2019)}
        assert years == {2016: (0, 0), 2017: (0, 10), 2018: (1, 15), 2019: (1, 0)}
        charts = dashboard_data(users.province, today=dt.date(2019, 12, 1))["charts"]["years"]
        assert charts["labels"] == ["2017", "2018", "2019"] and charts["history"] == [10, 15, 0]
        assert charts["registry"] == [0, 1, 1] and charts["hasHistory"]
