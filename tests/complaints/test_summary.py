"""What the cases give back, in numbers: the summary per unit and period, the counts per enterprise for the
scorecard, the overdue cases for an inbox; and the demo."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from complaints import selectors, services
from complaints.models import Attachment, Case, Party, PartyKind, ReferredTo, Status
from tests.complaints.conftest import TODAY
from tests.export_helpers import export_response, run_export

D = dt.date


def advance(case, to_status, on, **extra):
    return services.case_advance(user=None, case=case, to_status=to_status, on=on, today=TODAY, **extra)


@pytest.fixture
def year(make_case, units, enterprises):
    """Six cases of 2026: Ninh Sơn settles one in time (20 M recovered) and one late; Bác Ái settles one in time
    after a referral (5 M recovered), has one overdue in verification and one received on time; the province
    itself rejects one in time; a case of 2025 is closed in 2026."""
    a1 = make_case(units.a, received_on=D(2026, 1, 5), amount_claimed=20_000_000,
                   respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active, respondent_name="",
                   respondent_phone="")
    advance(a1, Status.VERIFYING, D(2026, 1, 10))
    advance(a1, Status.RESOLVED, D(2026, 2, 1), amount_recovered=20_000_000)
    a2 = make_case(units.commune_a, received_on=D(2026, 2, 2), amount_claimed=10_000_000)
    advance(a2, Status.VERIFYING, D(2026, 2, 20))  # 18 days after it was received: late
    advance(a2, Status.RESOLVED, D(2026, 3, 1))
    b1 = make_case(units.b, received_on=D(2026, 3, 1), amount_claimed=30_000_000,
                   respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active, respondent_name="",
                   respondent_phone="")
    advance(b1, Status.VERIFYING, D(2026, 3, 5))
    advance(b1, Status.REFERRED, D(2026, 3, 20), referred_to=ReferredTo.POLICE)
    advance(b1, Status.RESOLVED, D(2026, 4, 10), amount_recovered=5_000_000)
    b2 = make_case(units.b, received_on=D(2026, 10, 1), amount_claimed=None)
    advance(b2, Status.VERIFYING, D(2026, 10, 5))  # due 04/11/2026: overdue on 30/11
    make_case(units.b, received_on=D(2026, 11, 25), amount_claimed=1_000_000)
    p1 = make_case(units.province, received_on=D(2026, 5, 4), amount_claimed=2_000_000)
    advance(p1, Status.REJECTED, D(2026, 5, 8), note="Ngoài thẩm quyền")
    old = make_case(units.a, received_on=D(2025, 12, 25), amount_claimed=7_000_000)
    advance(old, Status.CLOSED, D(2026, 1, 2), note="Rút đơn")
    return {"a1": a1, "a2": a2, "b1": b1, "b2": b2, "p1": p1, "old": old}


class SummaryTests:
    def test_the_summary_counts_per_unit_received_settled_in_time_and_recovered(self, year, units,
                                                                                 django_assert_max_num_queries):
        with django_assert_max_num_queries(10):
            summary = selectors.case_summary(unit=units.province, date_from=D(2026, 1, 1), date_to=D(2026, 12, 31),
                                             today=TODAY)
        rows = {row.code: row for row in summary.rows}
        ninh_son, bac_ai, own = rows["585"], rows["584"], rows["58"]
        assert own.is_self
        assert (ninh_son.received, ninh_son.settled, ninh_son.settled_in_time, ninh_son.resolved) == (2, 3, 2, 2)
        assert (ninh_son.claimed, ninh_son.recovered, ninh_son.open_at_end) == (30_000_000, 20_000_000, 0)
        assert (bac_ai.received, bac_ai.settled, bac_ai.settled_in_time, bac_ai.open_at_end,
                bac_ai.overdue_at_end) == (3, 1, 1, 2, 1)
        assert (bac_ai.claimed, bac_ai.recovered) == (31_000_000, 5_000_000)
        assert (own.received, own.settled, own.settled_in_time) == (1, 1, 1)
        total = summary.total
        assert (total.received, total.settled, total.settled_in_time, total.recovered) == (6, 5, 4, 25_000_000)
        assert total.in_time_share == pytest.approx(0.8)
        assert sum(row.received for row in summary.rows) == total.received
        assert {name: (received, settled) for name, received, settled in summary.by_category} == {
            "Lừa đảo, hứa hẹn việc làm giả": (6, 5)}

    def test_open_and_overdue_are_counted_at_the_end_of_a_past_period(self, year, units):
        summary = selectors.case_summary(unit=units.province, date_from=D(2026, 3, 1), date_to=D(2026, 3, 31),
                                         today=TODAY)
        # On 31/03/2026: b1 referred (due 19/04), nothing else open; a2 resolved on 01/03 counts as settled.
        assert (summary.total.received, summary.total.settled, summary.total.open_at_end,
                summary.total.overdue_at_end) == (1, 1, 1, 0)
        earlier = selectors.case_summary(unit=units.province, date_from=D(2026, 2, 1), date_to=D(2026, 2, 15),
                                         today=TODAY)
        # On 15/02/2026: a2 received 02/02, still not accepted after 10 days (due 12/02): overdue.
        assert (earlier.total.open_at_end, earlier.total.overdue_at_end) == (1, 1)

    def test_the_summary_of_a_district_rolls_up_to_its_communes(self, year, units):
        summary = selectors.case_summary(unit=units.a, date_from=D(2026, 1, 1), date_to=D(2026, 12, 31), today=TODAY)
        assert summary.total.received == 2 and summary.total.settled == 3
        commune = next(row for row in summary.rows if row.unit_id == units.commune_a.pk)
        assert (commune.received, commune.settled, commune.settled_in_time) == (1, 1, 0)

    def test_the_summary_workbook_holds_the_screens_figures(self, year, units, users, client_for):
        response = export_response(client_for(users.province), "/complaints/summary.xlsx", {
            "unit": units.province.pk, "date_from": "01/01/2026", "date_to": "31/12/2026"})
        book = load_workbook(io.BytesIO(response.content_bytes))
        sheet = book["Tổng hợp khiếu nại"]
        rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
        assert rows["584"][2:5] == (3, 1, 1)
        total = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] == "Tổng cộng")
        assert (total[2], total[3], total[4], total[10]) == (6, 5, 4, 25_000_000)
        page = client_for(users.province).get("/complaints/summary/", {
            "unit": units.province.pk, "date_from": "01/01/2026", "date_to": "31/12/2026"})
        assert page.context["summary"].total.received == 6


    def test_the_summary_export_answers_with_its_job_which_holds_the_users_units_only(self, year, units, users,
                                                                                       client_for):
        from django.urls import reverse

        from portal.models import ReportJob

        params = {"date_from": "01/01/2026", "date_to": "31/12/2026"}
        client = client_for(users.official_b)
        assert client.get("/complaints/summary.xlsx", dict(params, unit=units.province.pk)).status_code == 404
        response = client.get("/complaints/summary.xlsx", params)
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.params["export"], job.unit) == ("complaints_summary", units.b)
        download = export_response(client, "/complaints/summary.xlsx", params)
        assert download["Content-Disposition"].endswith('khieu-nai-tong-hop-584-20260101-20261231.xlsx"')
        sheet = load_workbook(io.BytesIO(download.content_bytes))["Tổng hợp khiếu nại"]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        assert "585" not in [r[0] for r in rows]
        total = next(r for r in rows if r[1] == "Tổng cộng")
        assert total[2:5] == (3, 1, 1)  # Bác Ái's figures, as in the province's row for it
        job = run_export(users.official_b, units.b, "complaints_summary", {"unit": [str(units.province.pk)]})
        assert (job.status, job.file.name) == ("failed", "") and "phạm vi" in job.error


class FiguresForOtherAppsTests:
    def test_complaint_counts_by_enterprise_for_the_scorecard(self, year, units, enterprises):
        counts = selectors.complaint_counts_by_enterprise(units.province, D(2026, 1, 1), D(2026, 12, 31), today=TODAY)
        assert list(counts) == [enterprises.active.pk]
        figures = counts[enterprises.active.pk]
        assert (figures.received, figures.open, figures.resolved, figures.claimed, figures.recovered) == (
            2, 0, 2, 50_000_000, 25_000_000)
        only_a = selectors.complaint_counts_by_enterprise(units.a, D(2026, 1, 1), D(2026, 12, 31), today=TODAY)
        assert only_a[enterprises.active.pk].received == 1
        assert selectors.complaint_counts_by_enterprise(units.province, D(2025, 1, 1), D(2025, 12, 31)) == {}

    def test_overdue_cases_for_an_inbox(self, year, users):
        assert [c.pk for c in selectors.overdue_cases(users.official_b, today=TODAY)] == [year["b2"].pk]
        assert list(selectors.overdue_cases(users.official_a, today=TODAY)) == []
        assert [c.pk for c in selectors.overdue_cases(users.official_b, today=D(2026, 12, 6))] == [
            year["b2"].pk, Case.objects.get(received_on=D(2026, 11, 25)).pk]


class DemoTests:
    def test_the_demo_shows_a_broker_across_two_districts_an_overdue_case_and_recovered_money(self, users, units,
                                                                                                settings):
        from complaints import demo
        from portal.models import Role
        from tests.conftest import make_user
        from workers import demo as workers_demo

        for username, role, unit in (("tinh", Role.PROVINCE, units.province), ("ninhson", Role.OFFICIAL, units.a),
                                     ("bacai", Role.OFFICIAL, units.b)):
            make_user(username, role, unit)
        workers_demo.load()
        assert demo.load() == "cases created 8, attachments 1"
        broker = Party.objects.get(phone_key="0912345678")
        assert broker.cases.count() == 3
        assert set(broker.cases.values_list("unit__code", flat=True)) == {"585", "584"}
        assert [c.number for c in selectors.overdue_cases(users.province, today=demo.DEMO_TODAY)] == ["KN-58-2026-0003"]
        resolved = Case.objects.get(status=Status.RESOLVED)
        assert resolved.amount_recovered == 30_000_000
        assert Attachment.objects.get().case.number == "KN-58-2026-0001"
        counts = (Case.objects.count(), Party.objects.count(), Attachment.objects.count())
        assert demo.load() == "cases created 0, attachments 0"
        assert counts == (Case.objects.count(), Party.objects.count(), Attachment.objects.count())
