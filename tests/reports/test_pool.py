"""The waiting pool: in the progress report, the "waiting" column split by the sending enterprise preparing the
workers and by stage, and the review sentence of seed 004 ("… đang học định hướng tại các công ty phái cử chờ xuất
cảnh") taken from it; the pool screen by enterprise, class, market, stage and unit, with how long they waited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from reports.pool import pool_summary
from reports.progress import Period, progress_rows, review_sentence
from targets.models import Quota
from tests.export_helpers import export_response
from tests.reports.progress_data import communes, depart, make_worker, timeline, unit
from training.models import Enrolment, OrganiserKind, TrainingClass
from workers.models import Country, Enterprise, ExpectedDeparture

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def english():
    """Labels are matched in English below (the portal speaks Vietnamese first)."""
    with translation.override("en"):
        yield


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def pool(units):
    """Ninh Sơn: 2 in training and 1 waiting prepared by Sông Dinh, 1 waiting by Phan Rang, 1 in training without an
    enterprise; Bác Ái: 1 waiting by Sông Dinh. A worker who departed and one who withdrew are not in it."""
    song_dinh = Enterprise.objects.create(name="Công ty Sông Dinh", licence_no="SD-01")
    phan_rang = Enterprise.objects.create(name="Công ty Phan Rang", licence_no="PR-01")
    son, ai = communes("585"), communes("584")
    japan = Country.objects.get(code="JP")
    people = {}
    for name, home, steps, enterprise in (
        ("training 1", son[0], [("registered", ago(300)), ("training", ago(200))], song_dinh),
        ("training 2", son[1], [("registered", ago(60)), ("training", ago(30))], song_dinh),
        ("waiting 1", son[0], [("training", ago(120)), ("waiting", ago(40))], song_dinh),
        ("waiting 2", son[2], [("waiting", ago(10))], phan_rang),
        ("training 3", son[3], [("training", ago(5))], None),
        ("bac ai", ai[0], [("waiting", ago(100))], song_dinh),
        ("withdrawn", son[0], [("waiting", ago(100)), ("withdrawn", ago(50))], song_dinh),
    ):
        worker = make_worker(home)
        timeline(worker, *steps)
        if enterprise:
            ExpectedDeparture.objects.create(worker=worker, enterprise=enterprise, country=japan)
        people[name] = worker
    depart(son[0], ago(20), "JP")
    return {"people": people, "song_dinh": song_dinh, "phan_rang": phan_rang}


class ProgressSplitTests:
    def test_the_waiting_column_is_split_by_stage_and_by_enterprise(self, pool, units):
        report = progress_rows(unit=units.province, period=Period.between(dt.date(TODAY.year, 1, 1), TODAY),
                               today=TODAY)
        total = report.total
        assert (total.waiting, total.waiting_training, total.waiting_ready) == (6, 3, 3)
        son = {row.code: row for row in report.rows}["585"]
        assert (son.waiting, son.waiting_training, son.waiting_ready) == (5, 3, 2)
        assert [(line["enterprise"], line["training"], line["ready"], line["total"])
                for line in report.waiting_by_enterprise] == [
            ("Công ty Sông Dinh", 2, 2, 4), ("Công ty Phan Rang", 0, 1, 1), ("", 1, 0, 1)]
        assert report.waiting_at_enterprises == 5
        assert review_sentence(report).endswith(
            "còn 6 lao động đang học định hướng, chờ xuất cảnh, trong đó 5 lao động tại các công ty phái cử.")
        district = progress_rows(unit=units.ninh_son, period=Period.between(dt.date(TODAY.year, 1, 1), TODAY),
                                 today=TODAY)
        assert [line["total"] for line in district.waiting_by_enterprise] == [3, 1, 1]

    def test_an_expected_departure_without_an_enterprise_counts_as_none(self, pool, units):
        ExpectedDeparture.objects.create(worker=pool["people"]["training 3"], country=Country.objects.get(code="JP"))
        report = progress_rows(unit=units.province, period=Period.between(dt.date(TODAY.year, 1, 1), TODAY),
                               today=TODAY)
        assert [(line["enterprise_id"], line["training"], line["ready"]) for line in report.waiting_by_enterprise] == [
            (pool["song_dinh"].pk, 2, 2), (pool["phan_rang"].pk, 0, 1), (None, 1, 0)]
        assert report.waiting_at_enterprises == 5 and report.total.waiting == 6

    def test_the_seed_004_sentence_when_every_waiting_worker_is_at_an_enterprise(self, pool, units):
        ExpectedDeparture.objects.create(worker=pool["people"]["training 3"], enterprise=pool["phan_rang"])
        Quota.objects.create(unit=unit("58"), year=TODAY.year, target=2000)
        report = progress_rows(unit=units.province, period=Period.between(dt.date(TODAY.year, 1, 1), TODAY),
                               today=TODAY)
        assert review_sentence(report).endswith(
            "còn 6 lao động đang học định hướng tại các công ty phái cử, chờ xuất cảnh.")

    def test_a_past_period_counts_who_waited_then_by_their_enterprise(self, pool, units):
        # 50 days ago: "withdrawn" was still waiting (Sông Dinh); "training 3", "waiting 2" had not started.
        then = ago(51)
        report = progress_rows(unit=units.province, period=Period.between(then - dt.timedelta(days=30), then),
                               today=TODAY)
        lines = {line["enterprise"]: (line["training"], line["ready"]) for line in report.waiting_by_enterprise}
        assert lines == {"Công ty Sông Dinh": (2, 2)}  # training 1 and waiting 1 (then in training), bac ai, withdrawn
        assert (report.total.waiting_training, report.total.waiting_ready) == (2, 2)

    def test_the_workbook_has_the_split(self, pool, units):
        import io

        from openpyxl import load_workbook

        from reports.progress.workbooks import write_progress_workbook

        report = progress_rows(unit=units.province, period=Period.between(dt.date(TODAY.year, 1, 1), TODAY),
                               today=TODAY)
        out = io.BytesIO()
        write_progress_workbook(report, out)
        sheet = load_workbook(io.BytesIO(out.getvalue()))["Chờ xuất cảnh"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7, max_row=10)]
        assert rows == [["SD-01", "Công ty Sông Dinh", 2, 2, 4], ["PR-01", "Công ty Phan Rang", 0, 1, 1],
                        [None, "Chưa xác định doanh nghiệp", 1, 0, 1], ["58", "Tổng cộng", 3, 3, 6]]


class PoolScreenTests:
    def test_by_enterprise_with_how_long_they_waited(self, pool, users, units):
        summary = pool_summary(users.province, unit=units.province, dimension="enterprise", today=TODAY)
        lines = {line.label: (line.training, line.ready, line.longest, line.over_90, line.over_180)
                 for line in summary.lines}
        assert lines == {"Công ty Sông Dinh": (2, 2, 200, 3, 1), "Công ty Phan Rang": (0, 1, 10, 0, 0),
                         "No enterprise recorded": (1, 0, 5, 0, 0)}
        assert (summary.total.total, summary.total.longest) == (6, 200)

    def test_by_stage_class_market_and_unit(self, pool, users, units):
        by_stage = pool_summary(users.province, unit=units.province, dimension="stage", today=TODAY)
        assert sorted((line.key, line.total) for line in by_stage.lines) == [("training", 3), ("waiting", 3)]
        lesson = TrainingClass.objects.create(
            code="DH-01", name="Định hướng", kind="orientation", unit=units.province,
            organiser_kind=OrganiserKind.ENTERPRISE, enterprise=pool["song_dinh"], start_date=ago(40),
            end_date=ago(-20), capacity=30, country=Country.objects.get(code="KR"))
        Enrolment.objects.create(training_class=lesson, worker=pool["people"]["training 3"], enrolled_on=ago(40))
        by_class = pool_summary(users.province, unit=units.province, dimension="class", today=TODAY)
        assert [(line.label, line.total) for line in by_class.lines] == [("DH-01 – Định hướng", 1), ("In no class", 5)]
        by_market = pool_summary(users.province, unit=units.province, dimension="market", today=TODAY)
        assert {line.label: line.total for line in by_market.lines} == {"Japan": 5, "Korea": 1}
        by_unit = pool_summary(users.province, unit=units.province, dimension="unit", today=TODAY)
        assert {line.label: line.total for line in by_unit.lines} == {"Huyện Ninh Sơn": 5, "Huyện Bác Ái": 1}

    def test_the_screen_keeps_to_the_users_units(self, pool, users, units, client_for):
        client = client_for(users.official_b)
        response = client.get(reverse("progress:pool"))
        assert response.status_code == 200
        assert response.context["summary"].total.total == 1
        assert [w.pk for w in response.context["page"]] == [pool["people"]["bac ai"].pk]
        assert client.get(reverse("progress:pool"), {"unit": units.a.pk}).status_code == 404
        province = client_for(users.province).get(reverse("progress:pool"), {"by": "enterprise",
                                                                            "key": pool["phan_rang"].pk})
        assert [w.pk for w in province.context["page"]] == [pool["people"]["waiting 2"].pk]
        export = export_response(client_for(users.province), reverse("progress:pool"), {"format": "xlsx"})
        assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")

    def test_the_screen_runs_a_fixed_number_of_queries(self, pool, users, units, client_for,
                                                       django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(users.province)
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("progress:pool"))
        son = communes("585")
        for n in range(30):
            worker = make_worker(son[n % len(son)])
            timeline(worker, ("training", ago(n + 1)))
            ExpectedDeparture.objects.create(worker=worker, enterprise=pool["song_dinh"] if n % 2 else pool["phan_rang"])
        with django_assert_max_num_queries(len(few)):
            response = client.get(reverse("progress:pool"))
        assert response.context["summary"].total.total == 36
