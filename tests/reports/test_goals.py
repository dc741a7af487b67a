"""The plan's coverage goals measured, not just typed: the share of departed workers with the orientation
certificate, with a vocational skill, to high-income markets, and of communes with a worker abroad, against their
targets, on a dataset computed by hand; in the report, its workbook and the review document."""
from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports.progress import Period, progress_rows
from reports.progress.workbooks import write_progress_workbook
from reports.review.context import review_context
from targets.models import CoverageGoal, CoverageKind, Plan, Quota
from tests.reports.progress_data import communes, unit
from workers.models import ChecklistEntry, ChecklistItem, Country, Departure, Programme, Sex, Worker

pytestmark = pytest.mark.django_db
LATER = dt.date(2026, 1, 1)
_serial = itertools.count(1)


def bulk_departures(home, day: dt.date, count: int, *, country: str, programme: str | None = None,
                    cert: bool = True) -> list[Departure]:
    """``count`` workers of ``home`` who departed on ``day`` (bulk: 1,350 rows in a second)."""
    workers = Worker.objects.bulk_create([
        Worker(citizen_id=f"05809{n:07d}", full_name=f"Người Đi {n}", name_key=f"nguoi di {n}",
               date_of_birth=dt.date(1996, 1, 1), sex=Sex.MALE, unit=home, status="departed")
        for n in (next(_serial) for _ in range(count))])
    nation = Country.objects.get(code=country)
    scheme = Programme.objects.get(code=programme) if programme else None
    return Departure.objects.bulk_create([
        Departure(worker=w, date=day, country=nation, programme=scheme, unit=home, sex=Sex.MALE,
                  has_orientation_cert=cert, orientation_cert_no="BD" if cert else "") for w in workers])


def skill_certificates(departures: list[Departure], *, days_before: int) -> None:
    skill = ChecklistItem.objects.get(code="skill_cert")
    ChecklistEntry.objects.bulk_create([
        ChecklistEntry(worker_id=d.worker_id, item=skill, status="done",
                       date=d.date - dt.timedelta(days=days_before), document_no="KNN") for d in departures])


@pytest.fixture
def plan_2024(units):
    province = unit("58")
    plan = Plan.objects.create(unit=province, name="Kế hoạch 2024", first_year=2024, last_year=2024)
    Quota.objects.create(unit=province, year=2024, target=2000, plan=plan)
    for kind, percent in ((CoverageKind.ORIENTATION_CERTIFICATE, 100), (CoverageKind.SKILLED, 30),
                          (CoverageKind.HIGH_INCOME_MARKETS, 80), (CoverageKind.COMMUNES_COVERED, 50)):
        CoverageGoal.objects.create(plan=plan, kind=kind, percent=percent)
    CoverageGoal.objects.create(plan=plan, kind=CoverageKind.OTHER, label="Lao động nữ chiếm 40%", percent=40)
    return plan


@pytest.fixture
def dataset(plan_2024):
    """1,350 departures in H1 2024, every one with its orientation certificate:

    - 270 on Japan's specified skilled worker programme (skilled by the programme, high-income by Japan);
    - 730 to Japan without a programme, 135 of them with a skill certificate dated before the departure and 10
      with one dated after it (not counted);
    - 300 to China (not high-income), 50 to China on a programme flagged high-income.

    Skilled: 270 + 135 = 405 of 1,350 = 30 %. High-income: 270 + 730 + 50 = 1,050 of 1,350 = 77,8 %.
    """
    son = communes("585")
    day = dt.date(2024, 3, 15)
    bulk_departures(son[0], day, 270, country="JP", programme="JP-SSW")
    plain = bulk_departures(son[1], day, 730, country="JP")
    skill_certificates(plain[:135], days_before=20)
    skill_certificates(plain[135:145], days_before=-20)
    bulk_departures(son[2], day, 300, country="CN")
    Programme.objects.filter(code="CN-GENERAL").update(is_high_income=True)
    bulk_departures(son[3], day, 50, country="CN", programme="CN-GENERAL")


class GoalTests:
    def test_the_goals_are_measured_against_their_targets(self, dataset, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2024, "h1"), today=LATER)
        total = report.total
        assert (total.departed, total.with_cert, total.skilled, total.high_income) == (1350, 1350, 405, 1050)
        assert total.cert_share == 1.0  # 1,350 departed of whom 1,350 certified = 100 %
        assert total.skilled_share == pytest.approx(0.30)
        assert total.high_income_share == pytest.approx(1050 / 1350)
        lines = {line["kind"]: (line["target"], line["measured"], line["met"]) for line in report.goal_lines}
        assert lines["orientation"] == (1.0, 1.0, True)
        assert lines["skilled"][0] == 0.3 and lines["skilled"][2] is True
        assert lines["high_income"][0] == 0.8 and lines["high_income"][2] is False
        assert lines["communes"] == (0.5, pytest.approx(4 / total.communes_total), False)
        assert lines["other"] == (0.4, None, None)
        assert [line["kind"] for line in report.goal_lines] == ["orientation", "skilled", "high_income", "communes",
                                                                 "other"]
        son = {row.code: row for row in report.rows}["585"]
        assert (son.skilled, son.high_income, son.coverage_base) == (405, 1050, 1350)

    def test_a_missing_certificate_lowers_the_share_and_the_goal_is_not_met(self, plan_2024, units):
        son = communes("585")
        bulk_departures(son[0], dt.date(2024, 2, 1), 9, country="JP")
        bulk_departures(son[0], dt.date(2024, 2, 1), 1, country="JP", cert=False)
        report = progress_rows(unit=units.province, period=Period.for_year(2024), today=LATER)
        orientation = report.goal_lines[0]
        assert (orientation["measured"], orientation["met"]) == (0.9, False)

    def test_the_workbook_and_the_review_carry_them(self, dataset, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2024, "h1"), today=LATER)
        out = io.BytesIO()
        write_progress_workbook(report, out)
        sheet = load_workbook(io.BytesIO(out.getvalue()))["Mục tiêu"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7, max_row=11)]
        assert rows[0] == ["Lao động xuất cảnh có chứng chỉ bồi dưỡng kiến thức cần thiết", 1.0, 1.0, "Đạt"]
        assert rows[2][0] == "Lao động đi làm việc tại thị trường thu nhập cao" and rows[2][3] == "Chưa đạt"
        assert rows[4] == ["Lao động nữ chiếm 40%", 0.4, "Không đo trên cổng", None]
        summary = load_workbook(io.BytesIO(out.getvalue()))["Tổng hợp"]
        headers = [cell.value for cell in summary[6]]
        assert "Tỷ lệ có trình độ, kỹ năng nghề" in headers and "Tỷ lệ đến thị trường thu nhập cao" in headers
        results = review_context(unit=units.province, period=Period.for_year(2024, "h1"), today=LATER).context["results"]
        goals = next(line for line in results if line.startswith("Thực hiện các mục tiêu"))
        assert "lao động xuất cảnh có chứng chỉ bồi dưỡng kiến thức cần thiết: 100,0% so với chỉ tiêu 100,0% (đạt)" in goals
        assert "lao động đi làm việc tại thị trường thu nhập cao: 77,8% so với chỉ tiêu 80,0% (chưa đạt)" in goals

    def test_the_figures_source_takes_the_shares_of_the_registry(self, dataset, units):
        report = progress_rows(unit=units.province, period=Period.for_year(2024, "h1"), source="figures",
                               today=LATER)
        assert report.total.departed == 0  # no approved figures
        assert (report.total.coverage_base, report.total.cert_share) == (1350, 1.0)
        assert report.waiting_by_enterprise is None

    def test_the_queries_do_not_grow_with_the_departures(self, plan_2024, units):
        son = communes("585")
        bulk_departures(son[0], dt.date(2024, 3, 1), 2, country="JP")
        with CaptureQueriesContext(connection) as few:
            progress_rows(unit=units.province, period=Period.for_year(2024), today=LATER)
        dataset_queries = len(few)
        bulk_departures(son[1], dt.date(2024, 4, 1), 400, country="JP", programme="JP-SSW")
        skill_certificates(bulk_departures(son[2], dt.date(2024, 5, 1), 300, country="CN"), days_before=10)
        with CaptureQueriesContext(connection) as many:
            report = progress_rows(unit=units.province, period=Period.for_year(2024), today=LATER)
        assert len(many) == dataset_queries <= 11  # the 10 of tests/reports/test_progress.py (history figures included) and the plan's goals
        assert report.total.skilled == 700
