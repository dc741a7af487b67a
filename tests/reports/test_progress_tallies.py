"""Issue 21: the report's departure figures read from the departure tallies (``workers.tallies``) are the figures read
from every departure — per row and in total, the markets, the market sheet's lines and the months, skilled work
(programmes and skill certificates), high-income markets and certificates — for a province, a district, the whole
country and across the 2025 reform (records of the other structure)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import national_unit
from reports.progress import Period, progress_rows
from reports.progress import queries as progress_queries
from tests.reports.progress_data import communes, h1_2021_dataset, unit
from tests.reports.test_goals import bulk_departures, skill_certificates
from tests.reports.test_progress_reform import SPANNING, dong_thap, history, legacy, new  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
LATER = dt.date(2026, 6, 1)


def figures(report) -> dict:
    """Everything the report shows, row by row."""
    return {"rows": [dataclasses.asdict(row) for row in report.rows], "total": dataclasses.asdict(report.total),
            "lines": report.market_lines, "months": report.monthly}


def both_ways(monkeypatch, root, period) -> tuple[dict, dict, int]:
    with CaptureQueriesContext(connection) as captured:
        tallied = figures(progress_rows(unit=root, period=period, today=LATER))
    reads = sum("workers_departuretally" in q["sql"] for q in captured.captured_queries)
    with monkeypatch.context() as patch:
        patch.setattr(progress_queries, "_month_aligned", lambda period: False)  # every departure, as before
        scanned = figures(progress_rows(unit=root, period=period, today=LATER))
    return tallied, scanned, reads


class TallyEqualsScanTests:
    def test_a_province_a_district_and_the_country(self, monkeypatch, units):
        h1_2021_dataset()
        son = communes("585")
        bulk_departures(son[1], dt.date(2021, 4, 1), 5, country="JP", programme="JP-SSW")  # a skilled programme
        skill_certificates(bulk_departures(son[2], dt.date(2021, 5, 1), 4, country="CN"), days_before=10)
        for root in (unit("58"), unit("585"), national_unit("legacy")):
            for period in (Period.for_year(2021), Period.for_year(2021, "h1"), Period.for_years(2020, 2021)):
                tallied, scanned, reads = both_ways(monkeypatch, root, period)
                assert reads == 1
                assert tallied == scanned, (root, period)
        report = progress_rows(unit=unit("58"), period=Period.for_year(2021), today=LATER)
        assert report.total.skilled >= 9 and report.total.departed > 9

    def test_across_the_reform(self, monkeypatch, history):  # noqa: F811
        for root in (legacy("82"), legacy("815"), new("82"), national_unit("2025"), national_unit("legacy")):
            for period in (Period.for_year(2025), Period.for_years(2025, 2026)):
                tallied, scanned, _reads = both_ways(monkeypatch, root, period)
                assert tallied == scanned, (root, period)
        total = {code: progress_rows(unit=root, period=Period.for_year(2025), today=LATER).total.departed
                 for code, root in (("tg", legacy("82")), ("dt", legacy("87")), ("new", new("82")))}
        assert total["tg"] + total["dt"] == total["new"] >= 8  # a province's total, whichever way it is counted

    def test_a_range_of_days_reads_the_departures(self, monkeypatch, history):  # noqa: F811
        tallied, scanned, reads = both_ways(monkeypatch, legacy("82"), SPANNING)  # whole months: tallies
        assert reads == 1 and tallied == scanned
        _tallied, _scanned, reads = both_ways(monkeypatch, legacy("82"), Period.between(dt.date(2025, 1, 15),
                                                                                       dt.date(2025, 6, 30)))
        assert reads == 0
