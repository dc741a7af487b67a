"""The departure figures of the progress report, read in one grouped scan of the departures.

Every figure taken from that scan (departed, women, poor or near-poor, ethnic minority, certificates,
the four markets, the same period a year before, the market sheet's lines and the months) pinned for a
unit and its parent, for periods whose previous year is apart (a month, H1), adjacent (a year) and
overlapping (several years). Across the 2025 reform: tests/reports/test_progress_reform.py.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.progress import Period, progress_rows
from tests.reports.progress_data import communes, h1_2021_dataset

LATER = dt.date(2026, 1, 1)
FIGURES = ("departed", "female", "poor", "ethnic_minority", "with_cert", "previous_year")

pytestmark = pytest.mark.django_db


def figures(row) -> tuple:
    return (*(getattr(row, name) for name in FIGURES), row.markets)


def markets(jp=0, kr=0, tw=0, other=0) -> dict[str, int]:
    return {"JP": jp, "KR": kr, "TW": tw, "other": other}


class DepartureFiguresTests:
    @pytest.fixture(autouse=True)
    def dataset(self, units):
        h1_2021_dataset()

    def test_a_district_report_has_every_figure_per_commune_and_the_same_total_as_the_province_row(self, units):
        son = communes("585")
        report = progress_rows(unit=units.ninh_son, period=Period.for_year(2021, "h1"), today=LATER)
        rows = {row.code: row for row in report.rows}
        #               departed female poor minority cert previous
        assert figures(rows[son[0].code]) == (6, 4, 2, 0, 4, 3, markets(jp=6))
        assert figures(rows[son[1].code]) == (3, 0, 0, 0, 3, 0, markets(kr=3))
        assert figures(rows[son[2].code]) == (1, 0, 0, 0, 1, 0, markets(tw=1))
        assert figures(rows[son[3].code]) == (0, 0, 0, 0, 0, 0, markets())  # departed in July
        assert figures(report.total) == (10, 4, 2, 0, 8, 3, markets(jp=6, kr=3, tw=1))
        province = progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), today=LATER)
        assert figures({row.code: row for row in province.rows}["585"]) == figures(report.total)
        assert figures({row.code: row for row in province.rows}["584"]) == (6, 0, 0, 3, 6, 0, markets(jp=2, kr=4))
        assert figures(province.total) == (22, 4, 2, 3, 20, 3, markets(jp=8, kr=7, tw=6, other=1))

    def test_the_months_and_the_market_lines_of_the_province(self, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), today=LATER)
        assert report.monthly == [
            {"month": "2021-01-01", "departed": 6}, {"month": "2021-02-01", "departed": 3},
            {"month": "2021-03-01", "departed": 1}, {"month": "2021-04-01", "departed": 6},
            {"month": "2021-05-01", "departed": 6}]
        lines = [(line["country_code"], line["programme_code"], line["departed"]) for line in report.market_lines]
        assert lines == [("JP", "", 2), ("JP", "JP-TITP", 6), ("KR", "", 4), ("KR", "KR-EPS", 3), ("TW", "", 6),
                         ("DE", "", 1)]

    def test_a_month_counts_neither_the_months_between_it_and_a_year_before(self, units):
        # April 2021: Bác Ái's 6; April 2020: Ninh Sơn's 3; January–March 2021 lie between the two.
        report = progress_rows(unit=units.province, period=Period.for_year(2021, "m04"), today=LATER)
        rows = {row.code: row for row in report.rows}
        assert figures(rows["584"]) == (6, 0, 0, 3, 6, 0, markets(jp=2, kr=4))
        assert figures(rows["585"]) == (0, 0, 0, 0, 0, 3, markets())
        assert figures(report.total) == (6, 0, 0, 3, 6, 3, markets(jp=2, kr=4))
        assert report.monthly == [{"month": "2021-04-01", "departed": 6}]
        assert sum(line["departed"] for line in report.market_lines) == 6

    def test_a_year_and_several_years_count_the_overlap_with_the_year_before_in_both(self, units):
        year = progress_rows(unit=units.province, period=Period.for_year(2021), today=LATER)
        assert (year.total.departed, year.total.previous_year) == (23, 3)  # with Ninh Sơn's July departure
        both = progress_rows(unit=units.province, period=Period.for_years(2020, 2021), today=LATER)
        # 2020–2021 against 2019–2020: the 3 departures of April 2020 are in both.
        rows = {row.code: row for row in both.rows}
        assert (rows["585"].departed, rows["585"].previous_year, rows["585"].markets["JP"]) == (14, 3, 10)
        assert (both.total.departed, both.total.previous_year) == (26, 3)
        assert [item["month"] for item in both.monthly][:2] == ["2020-04-01", "2021-01-01"]

    def test_the_departures_are_read_by_one_grouped_query(self, units):
        with CaptureQueriesContext(connection) as captured:
            progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), today=LATER)
        reading = [q["sql"] for q in captured.captured_queries if "workers_departure" in q["sql"]]
        assert len(reading) == 2  # the figures, and the communes with a worker abroad
