"""The sending enterprises' scorecard on a hand-computed dataset, its sorting, workbook, scope, the enterprise's
own card, and query counts that do not grow with the data."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.aftercare.scorecard import NO_ENTERPRISE, enterprise_card, enterprise_scorecard
from tests.export_helpers import export_response, run_export
from workers import services

FROM, TO = dt.date(2023, 1, 1), dt.date(2023, 12, 31)
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def sent(make_worker, users, units, reference, enterprises):
    """2023, enterprise A: 4 departures (3 from Ninh Sơn): one back early, one absconded, one overstaying (a
    12-month contract, never back), one still working; and one of 2022 (outside the period) absconded.
    Enterprise B (suspended), Bác Ái: 2 departures, one back 75 days after its contract (overstayed), one
    absconded and then home (absconded, not overstayed). One EPS departure without an enterprise."""
    admin = users.admin

    def depart(unit, day, months, enterprise, programme=reference.titp):
        return services.departure_record(user=admin, worker=make_worker(unit), date=day, country=programme.country,
                                         programme=programme, enterprise=enterprise, contract_months=months)

    a, b = enterprises.active, enterprises.suspended
    services.return_record(user=admin, departure=depart(units.commune_a, dt.date(2023, 2, 1), 36, a),
                           date=dt.date(2024, 1, 10))
    services.absconding_record(user=admin, departure=depart(units.commune_a, dt.date(2023, 3, 1), 36, a),
                               learned_on=dt.date(2024, 5, 1), source="enterprise")
    depart(units.commune_a, dt.date(2023, 1, 15), 12, a)
    depart(units.commune_b, dt.date(2023, 6, 1), 60, a)
    services.absconding_record(user=admin, departure=depart(units.commune_a, dt.date(2022, 5, 1), 36, a),
                               learned_on=dt.date(2022, 9, 1), source="family")
    services.return_record(user=admin, departure=depart(units.commune_b, dt.date(2023, 4, 1), 12, b),
                           date=dt.date(2024, 6, 15))
    gone = depart(units.commune_b, dt.date(2023, 5, 1), 36, b)
    services.absconding_record(user=admin, departure=gone, learned_on=dt.date(2023, 12, 1), source="family")
    services.return_record(user=admin, departure=gone, date=dt.date(2024, 2, 1))
    depart(units.commune_a, dt.date(2023, 7, 1), 58, None, programme=reference.eps)
    return a, b


def figures(row):
    return (row.departures, row.early, row.absconded, row.overstayed)


class ScorecardTests:
    def test_the_numbers_of_each_enterprise_are_those_counted_by_hand(self, sent, units):
        a, b = sent
        card = enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY)
        rows = {row.key: row for row in card.rows}
        assert figures(rows[a.pk]) == (4, 1, 1, 1) and rows[a.pk].absconded_rate == 0.25
        assert figures(rows[b.pk]) == (2, 0, 1, 1) and rows[b.pk].overstayed_rate == 0.5
        assert figures(rows[NO_ENTERPRISE]) == (1, 0, 0, 0)
        assert figures(card.total) == (7, 1, 2, 2)
        assert (rows[b.pk].status, rows[b.pk].status_label) == ("suspended", "Bị đình chỉ")
        assert [row.key for row in card.rows] == [b.pk, a.pk, NO_ENTERPRISE]  # highest absconding rate first
        assert card.complaints_available and rows[a.pk].complaints == 0

    def test_the_complaints_against_each_enterprise_are_counted_from_the_complaints_app(self, sent, units, users):
        import importlib

        from django.apps import apps

        from complaints import services as complaints
        from complaints.models import Category, ComplainantKind, PartyKind

        importlib.import_module("complaints.migrations.0002_seed_categories_and_deadlines").seed(apps, None)
        a, b = sent
        for day in (dt.date(2023, 3, 1), dt.date(2023, 9, 1), dt.date(2024, 2, 1)):  # the last is outside
            complaints.case_receive(user=users.admin, unit=units.a, received_on=day, today=TODAY,
                                    complainant_kind=ComplainantKind.ANONYMOUS, respondent_kind=PartyKind.ENTERPRISE,
                                    enterprise=a, category=Category.objects.first(), description="Thu phí quá mức.")
        card = enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY)
        rows = {row.key: row for row in card.rows}
        assert (rows[a.pk].complaints, rows[b.pk].complaints, card.total.complaints) == (2, 0, 2)

    def test_a_districts_scorecard_counts_its_own_departures(self, sent, units):
        a, _b = sent
        card = enterprise_scorecard(unit=units.a, date_from=FROM, date_to=TO, today=TODAY)
        assert [(row.key, figures(row)) for row in card.rows] == [(a.pk, (3, 1, 1, 1)), (NO_ENTERPRISE, (1, 0, 0, 0))]

    def test_the_programme_narrows_it(self, sent, units, reference):
        card = enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY,
                                    programme=reference.eps)
        assert [row.key for row in card.rows] == [NO_ENTERPRISE]

    @pytest.mark.parametrize("sort, expected", [("departures", ["b", "a", "none"]), ("-departures", ["a", "b", "none"]),
                                                ("name", ["a", "b", "none"]), ("-overstayed_rate", ["b", "a", "none"])])
    def test_it_sorts_by_any_column(self, sent, units, sort, expected):
        a, b = sent
        names = {a.pk: "a", b.pk: "b", NO_ENTERPRISE: "none"}
        card = enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY, sort=sort)
        assert [names[row.key] for row in card.rows] == expected

    def test_the_enterprises_card_is_split_by_unit(self, sent, units):
        a, _b = sent
        card = enterprise_card(enterprise=a, unit=units.province, date_from=FROM, date_to=TO, today=TODAY)
        assert figures(card.total) == (4, 1, 1, 1)
        assert [(row.code, figures(row)) for row in card.rows] == [("584", (1, 0, 0, 0)), ("585", (3, 1, 1, 1))]

    def test_the_query_count_does_not_grow_with_the_data(self, sent, units, make_worker, users, reference,
                                                          enterprises, django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY)
        from workers.models import Enterprise

        for n in range(6):
            other = Enterprise.objects.create(name=f"Công ty Thêm {n}", licence_no=f"T-1{n}/GP")
            services.departure_record(user=users.admin, worker=make_worker(units.commune_b), date=dt.date(2023, 8, 1),
                                      country=reference.japan, enterprise=other)
        with django_assert_num_queries(len(first.captured_queries)):
            card = enterprise_scorecard(unit=units.province, date_from=FROM, date_to=TO, today=TODAY)
        assert len(card.rows) == 9


class ScorecardPageTests:
    def test_the_page_and_its_workbook_show_the_rows_in_the_chosen_order(self, sent, users, units, client_for,
                                                                         django_assert_max_num_queries):
        a, b = sent
        client = client_for(users.province)
        params = {"unit": units.province.pk, "date_from": "01/01/2023", "date_to": "31/12/2023", "sort": "-departures"}
        with django_assert_max_num_queries(15):  # one of them: the complaints per enterprise
            html = client.get(reverse("aftercare:scorecard"), params).content.decode()
        assert html.index(a.name) < html.index(b.name) and "25,0%" in html and "50,0%" in html
        download = export_response(client, reverse("aftercare:scorecard_export"), params)
        assert re.search(r'danh-gia-doanh-nghiep-58-\d{8}\.xlsx"$', download["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(download.content_bytes)).active
        rows = [row for row in sheet.iter_rows(values_only=True) if row[1] in (a.licence_no, b.licence_no, "")]
        assert [row[0] for row in rows[:2]] == [a.name, b.name]
        assert rows[0][3:10] == (4, 1, 0.25, 1, 0.25, 1, 0.25) and rows[1][2] == "Bị đình chỉ"
        total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Tổng cộng")
        assert total[3] == 7 and total[10] == 0  # complaints: none against them in this dataset

    def test_an_official_sees_their_units_and_another_unit_is_404(self, sent, users, units, client_for):
        a, _b = sent
        client = client_for(users.official_b)
        html = client.get(reverse("aftercare:scorecard"), {"date_from": "01/01/2023",
                                                           "date_to": "31/12/2023"}).content.decode()
        assert "Công ty Thử Nghiệm B" in html and "Không qua doanh nghiệp" not in html
        assert client.get(reverse("aftercare:scorecard"), {"unit": units.a.pk}).status_code == 404
        assert client.get(reverse("aftercare:scorecard_export"), {"unit": units.province.pk}).status_code == 404

    def test_the_export_answers_with_its_job_which_holds_the_users_units_only(self, sent, users, units, client_for):
        from portal.models import ReportJob

        client = client_for(users.official_b)
        params = {"date_from": "01/01/2023", "date_to": "31/12/2023"}
        response = client.get(reverse("aftercare:scorecard_export"), params)
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.params["export"], job.unit) == ("scorecard", units.b)
        download = export_response(client, reverse("aftercare:scorecard_export"), params)
        assert re.search(r'danh-gia-doanh-nghiep-584-\d{8}\.xlsx"$', download["Content-Disposition"])
        names = [row[0] for row in load_workbook(io.BytesIO(download.content_bytes)).active.iter_rows(
            values_only=True)]
        assert "Công ty Thử Nghiệm B" in names and "Không qua doanh nghiệp" not in names
        job = run_export(users.official_b, units.b, "scorecard", dict({k: [v] for k, v in params.items()},
                                                                      unit=[str(units.a.pk)]))
        assert (job.status, job.file.name) == ("failed", "") and "phạm vi" in job.error

    def test_the_enterprise_page_shows_its_own_card_in_the_users_scope(self, sent, users, client_for):
        a, _b = sent
        url = reverse("workers:enterprise_detail", args=[a.pk])
        province = client_for(users.province).get(url).content.decode()
        official = client_for(users.official_b).get(url).content.decode()
        assert 'data-testid="card-departures">5<' in province  # the last five years: 2022's too
        assert 'data-testid="card-absconded">2 ' in province and "Huyện Ninh Sơn" in province
        assert 'data-testid="card-departures">1<' in official and "Huyện Ninh Sơn" not in official
        assert 'data-testid="enterprise-card"' not in client_for(users.nobody).get(url).content.decode()

    def test_a_bad_period_is_a_message_beside_the_field(self, sent, users, client_for):
        html = client_for(users.province).get(reverse("aftercare:scorecard"), {
            "date_from": "31/12/2023", "date_to": "01/01/2023"}).content.decode()
        assert "Ngày kết thúc trước ngày bắt đầu" in html and 'data-testid="scorecard"' not in html
