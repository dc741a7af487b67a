"""The progress selector: periods, the numbers of a known dataset, figures, reconciliation, query count."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.progress import Period, PeriodError, progress_rows, reconciliation_rows, review_sentence
from tests.reports.progress_data import (
    approved_figures,
    communes,
    depart,
    h1_2021_dataset,
    make_worker,
    multi_year_plan,
    set_quotas_2021,
    timeline,
    unit,
)

LATER = dt.date(2026, 1, 1)  # "today" for past periods


class PeriodTests:
    @pytest.mark.parametrize(("code", "start", "end", "label"), [
        ("year", (2024, 1, 1), (2024, 12, 31), "Năm 2024"),
        ("h1", (2024, 1, 1), (2024, 6, 30), "6 tháng đầu năm 2024"),
        ("9m", (2024, 1, 1), (2024, 9, 30), "9 tháng đầu năm 2024"),
        ("q1", (2024, 1, 1), (2024, 3, 31), "Quý 1/2024"),
        ("q3", (2024, 7, 1), (2024, 9, 30), "Quý 3/2024"),
        ("m02", (2024, 2, 1), (2024, 2, 29), "Tháng 02/2024"),
        ("m3", (2024, 3, 1), (2024, 3, 31), "Tháng 03/2024"),
    ])
    def test_a_year_and_a_code_give_the_dates_and_the_vietnamese_label(self, code, start, end, label):
        period = Period.parse(year=2024, period=code)
        assert (period.start, period.end, period.label) == (dt.date(*start), dt.date(*end), label)

    def test_from_to_dates_and_several_years_have_their_labels(self):
        assert Period.parse(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 5, 15)).label == \
            "Từ 01/03/2024 đến 15/05/2024"
        several = Period.parse(year=2023, year_to=2025)
        assert (several.label, several.years) == ("Giai đoạn 2023–2025", [2023, 2024, 2025])

    @pytest.mark.parametrize("kwargs", [
        {"year": 2024, "period": "h3"},
        {"year": 2024, "period": "m13"},
        {"date_from": dt.date(2024, 5, 2), "date_to": dt.date(2024, 5, 1)},
        {"date_from": dt.date(2024, 5, 2)},
        {},
        {"year": 2025, "year_to": 2023},
    ])
    def test_it_rejects_bad_periods_with_a_message(self, kwargs):
        with pytest.raises(PeriodError) as exc:
            Period.parse(**kwargs)
        assert str(exc.value)

    def test_the_same_period_of_the_previous_year_handles_29_february(self):
        period = Period.between(dt.date(2024, 2, 1), dt.date(2024, 2, 29)).previous_year()
        assert (period.start, period.end) == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))

    def test_the_pro_rata_share_counts_months_and_stops_today(self):
        assert Period.for_year(2024, "h1").covered_fraction(2024, LATER) == Fraction(1, 2)
        assert Period.for_year(2024, "q3").covered_fraction(2024, LATER) == Fraction(1, 4)
        # A year still running: 15 March is 2 months and 15/31 of March.
        assert Period.for_year(2024).covered_fraction(2024, dt.date(2024, 3, 15)) == (2 + Fraction(15, 31)) / 12
        assert Period.for_year(2024).covered_fraction(2024, dt.date(2023, 12, 1)) == 0

    def test_it_survives_a_round_trip_through_job_parameters(self):
        period = Period.parse(year=2024, period="q2")
        assert Period.from_params(period.to_params()) == period


@pytest.mark.django_db
class ProgressNumbersTests:
    @pytest.fixture
    def report(self, units):
        self.data = h1_2021_dataset()
        return progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), today=LATER)

    def by_code(self, report):
        return {row.code: row for row in report.rows}

    def test_it_has_one_row_per_district_and_a_total_row_with_the_province_code(self, report):
        assert [row.code for row in report.rows] == ["582", "584", "585", "586", "587", "588", "589"]
        assert (report.total.code, report.total.is_total) == ("58", True)

    def test_targets_are_the_2021_quotas(self, report):
        rows = self.by_code(report)
        assert {code: row.target for code, row in rows.items()} == {
            "585": 25, "586": 20, "587": 26, "589": 15, "588": 14, "584": 30, "582": 20}
        assert report.total.target == 150

    def test_departed_percent_expected_gap_and_rank(self, report):
        rows = self.by_code(report)
        son = rows["585"]
        assert (son.departed, son.percent, son.expected, son.gap, son.rank) == (10, 0.4, 13, -3, 1)
        assert (rows["582"].departed, rows["582"].percent, rows["582"].rank) == (6, 0.3, 2)
        assert (rows["584"].departed, rows["584"].percent, rows["584"].rank) == (6, 0.2, 3)
        assert [rows[c].rank for c in ("586", "587", "588", "589")] == [4, 4, 4, 4]
        total = report.total
        assert (total.departed, total.expected, total.gap, total.rank) == (22, 75, -53, None)
        assert total.percent == pytest.approx(22 / 150)

    def test_a_returned_worker_still_counts_as_departed(self, report):
        assert self.data["returned"].return_record.date == dt.date(2021, 5, 15)
        assert self.by_code(report)["585"].markets["TW"] == 1

    def test_women_poor_minority_markets_and_the_previous_year(self, report):
        son, ai = self.by_code(report)["585"], self.by_code(report)["584"]
        assert (son.female, son.poor, ai.ethnic_minority) == (4, 2, 3)
        assert son.markets == {"JP": 6, "KR": 3, "TW": 1, "other": 0}
        assert report.total.markets == {"JP": 8, "KR": 7, "TW": 6, "other": 1}
        assert (son.previous_year, report.total.previous_year) == (3, 3)

    def test_waiting_reads_each_workers_status_at_the_end_of_the_period(self, units, report):
        assert (self.by_code(report)["585"].waiting, report.total.waiting) == (1, 1)
        year = progress_rows(unit=units.province, period=Period.for_year(2021), today=LATER)
        assert {r.code: r.waiting for r in year.rows if r.waiting} == {"585": 1, "584": 1}

    def test_coverage_counts_certificates_and_communes_with_a_worker_abroad(self, report):
        son = self.by_code(report)["585"]
        assert son.cert_share == pytest.approx(8 / 10)
        # c0 and c1 have workers abroad at 30/06/2021; c2's only worker came back in May.
        assert (son.communes_covered, son.communes_total) == (2, 8)
        assert report.total.communes_covered == 4

    def test_a_district_report_has_its_communes_as_rows(self, units):
        h1_2021_dataset()
        report = progress_rows(unit=units.ninh_son, period=Period.for_year(2021, "h1"), today=LATER)
        assert [r.code for r in report.rows] == [c.code for c in communes("585")]
        assert (report.total.code, report.total.target, report.total.departed) == ("585", 25, 10)
        assert report.rows[0].departed == 6

    def test_the_market_sheet_lines_group_by_country_and_programme(self, report):
        lines = {(line["country_code"], line["programme_code"]): line["departed"] for line in report.market_lines}
        assert lines[("JP", "JP-TITP")] == 6
        assert lines[("KR", "KR-EPS")] == 3
        assert lines[("DE", "")] == 1
        assert report.market_lines[0]["country_code"] == "JP"


@pytest.mark.django_db
class MultiYearTests:
    def test_a_period_over_several_years_sums_the_years_targets(self, units):
        multi_year_plan()
        home = communes("585")[0]
        for _ in range(4):
            depart(home, dt.date(2023, 5, 1), "JP")
        for _ in range(6):
            depart(home, dt.date(2024, 2, 1), "KR")
        report = progress_rows(unit=units.province, period=Period.for_years(2023, 2025), today=dt.date(2024, 6, 30))
        total = report.total
        assert total.target == 1700
        assert total.expected == 400 + 300  # 2023 whole, half of 2024, nothing of 2025 yet
        assert total.departed == 10
        assert total.stretch_target == 2210  # 130% of 1,700
        assert total.stretch_share == pytest.approx(10 / 2210)
        assert report.goals["orientation"] == 1.0 and report.goals["communes"] == 1.0
        assert review_sentence(report) == (
            "Trong giai đoạn 2023–2025, toàn tỉnh đã đưa 10 lao động đi làm việc ở nước ngoài "
            "(Nhật Bản 4, Hàn Quốc 6), đạt 0,6% kế hoạch giai đoạn 2023–2025 (1.700 lao động); "
            "hiện không có lao động nào đang học định hướng, chờ xuất cảnh.")

    def test_a_year_inside_the_plan_uses_that_years_target(self, units):
        multi_year_plan()
        report = progress_rows(unit=units.province, period=Period.for_year(2024, "h1"), today=LATER)
        assert (report.total.target, report.total.expected) == (600, 300)


@pytest.mark.django_db
class ReviewSentenceTests:
    def test_the_h1_sentence_states_period_departed_markets_percent_target_and_waiting(self, units):
        h1_2021_dataset()
        report = progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), today=LATER)
        assert review_sentence(report) == (
            "Trong 6 tháng đầu năm 2021, toàn tỉnh đã đưa 22 lao động đi làm việc ở nước ngoài "
            "(Nhật Bản 8, Hàn Quốc 7, Đài Loan 6, thị trường khác 1), đạt 14,7% kế hoạch năm (150 lao động); "
            "còn 1 lao động đang học định hướng, chờ xuất cảnh.")

    def test_thousands_are_grouped_with_dots(self, units):
        from targets.models import Quota

        Quota.objects.create(unit=units.province, year=2024, target=2000)
        report = progress_rows(unit=units.province, period=Period.for_year(2024, "q3"), today=LATER)
        report.total.departed, report.total.markets = 1274, {"JP": 800, "KR": 300, "TW": 174, "other": 0}
        report.total.waiting = 1670
        assert review_sentence(report) == (
            "Trong quý 3/2024, toàn tỉnh đã đưa 1.274 lao động đi làm việc ở nước ngoài "
            "(Nhật Bản 800, Hàn Quốc 300, Đài Loan 174), đạt 63,7% kế hoạch năm (2.000 lao động); "
            "còn 1.670 lao động đang học định hướng, chờ xuất cảnh.")

    def test_a_district_without_target_nor_departures_says_so(self, units):
        report = progress_rows(unit=units.ninh_son, period=Period.for_year(2030), today=LATER)
        assert review_sentence(report) == (
            "Trong năm 2030, toàn huyện chưa đưa được lao động nào đi làm việc ở nước ngoài; "
            "chưa có chỉ tiêu kế hoạch năm; hiện không có lao động nào đang học định hướng, chờ xuất cảnh.")

    def test_a_target_without_departures_and_a_date_range(self, units):
        set_quotas_2021()
        period = Period.between(dt.date(2021, 3, 1), dt.date(2021, 5, 15))
        report = progress_rows(unit=units.province, period=period, today=LATER)
        assert review_sentence(report) == (
            "Từ 01/03/2021 đến 15/05/2021, toàn tỉnh chưa đưa được lao động nào đi làm việc ở nước ngoài "
            "(kế hoạch năm: 150 lao động); hiện không có lao động nào đang học định hướng, chờ xuất cảnh.")


@pytest.mark.django_db
class FiguresSourceTests:
    @pytest.fixture
    def figures(self, units):
        h1_2021_dataset()
        son = unit("585")
        approved_figures(son, dt.date(2021, 1, 1), departed=6, departed_female=2, waiting=5)
        approved_figures(son, dt.date(2021, 2, 1), departed=2, departed_poor=1, waiting=4)
        approved_figures(son, dt.date(2021, 7, 1), departed=9, waiting=9)  # outside H1
        approved_figures(son, dt.date(2020, 3, 1), departed=5)  # the previous year
        from targets.models import MonthlyReport

        report = approved_figures(unit("584"), dt.date(2021, 4, 1), departed=50)
        MonthlyReport.objects.filter(pk=report.pk).update(status="submitted")  # not approved: ignored
        return son

    def test_the_report_can_use_the_approved_monthly_figures(self, units, figures):
        report = progress_rows(unit=units.province, period=Period.for_year(2021, "h1"), source="figures",
                               today=LATER)
        son = {r.code: r for r in report.rows}["585"]
        assert (son.departed, son.female, son.poor, son.waiting, son.previous_year) == (8, 2, 1, 4, 5)
        assert {r.code: r.departed for r in report.rows if r.departed} == {"585": 8}
        assert report.total.markets is None
        assert "(" not in review_sentence(report).split("ngoài")[1][:3]

    def test_the_reconciliation_flags_months_that_differ_or_are_not_approved(self, units, figures):
        lines = reconciliation_rows(units.province, Period.for_year(2021, "h1"))
        son = {line["month"]: line for line in lines if line["code"] == "585"}
        assert (son["2021-01-01"]["registry"], son["2021-01-01"]["figures"], son["2021-01-01"]["flagged"]) == (6, 6, False)
        assert (son["2021-02-01"]["registry"], son["2021-02-01"]["figures"], son["2021-02-01"]["difference"]) == (3, 2, 1)
        assert son["2021-02-01"]["flagged"] is True
        assert (son["2021-03-01"]["figures"], son["2021-03-01"]["flagged"]) == (None, True)
        assert son["2021-04-01"]["flagged"] is False  # nothing on either side
        bac_ai_april = next(line for line in lines if line["code"] == "584" and line["month"] == "2021-04-01")
        assert (bac_ai_april["registry"], bac_ai_april["figures"], bac_ai_april["flagged"]) == (6, None, True)


@pytest.mark.django_db
class QueryCountTests:
    def run(self, units):
        with CaptureQueriesContext(connection) as captured:
            progress_rows(unit=units.province, period=Period.for_year(2021), today=LATER)
        return len(captured.captured_queries)

    def test_the_number_of_queries_does_not_grow_with_units_or_departures(self, units, django_assert_max_num_queries):
        set_quotas_2021()
        depart(communes("585")[0], dt.date(2021, 3, 1))
        with_one = self.run(units)
        assert with_one <= 10  # was 12: the departure figures, lines and months now come from one query; +1: history figures; +1: the enterprises of the stays ended since the end
        from portal.models import Level, Unit

        all_communes = list(Unit.objects.filter(level=Level.COMMUNE, path__startswith=units.province.path))
        for i in range(50):
            home = all_communes[i % len(all_communes)]
            depart(home, dt.date(2021, 1 + i % 12, 1), ("JP", "KR", "TW", "DE")[i % 4], returned=(
                dt.date(2021, 12, 1) if i % 5 == 0 else None))
            worker = make_worker(home)
            timeline(worker, ("training", dt.date(2021, 2, 1)))
        with django_assert_max_num_queries(with_one):
            report = progress_rows(unit=units.province, period=Period.for_year(2021), today=LATER)
        assert report.total.departed == 51
        assert report.total.waiting == 50
        assert report.total.communes_covered > 30
