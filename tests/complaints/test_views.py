"""The screens: intake, steps, the list, and the counts on the enterprises' page."""
from __future__ import annotations

import datetime as dt

import pytest

from complaints import services
from complaints.models import Case, CaseStep, Party, PartyKind, Status

pytestmark = pytest.mark.usefixtures("english")


def intake(units, categories, **changes) -> dict:
    data = {
        "unit": units.a.pk, "received_on": "02/03/2025", "channel": "in_person", "complainant_kind": "person",
        "complainant_name": "Trần Thị Đơn", "complainant_phone": "0977 123 456", "respondent_kind": "broker",
        "respondent_name": "Ông Lê Văn Cò", "respondent_phone": "+84 912 000 999", "category": categories.deposit.pk,
        "incident_date": "15/01/2025", "amount_claimed": "35.000.000", "description": "Không trả lại tiền đặt cọc.",
    }
    data.update(changes)
    return data


class IntakeTests:
    def test_an_official_records_a_complaint_about_a_broker(self, units, users, client_for, categories):
        response = client_for(users.official_a).post("/complaints/new/", intake(units, categories))
        case = Case.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/complaints/{case.pk}/"
        assert case.number == "KN-58-2025-0001"
        assert (case.unit, case.amount_claimed, case.status, case.due_on) == (units.a, 35_000_000, Status.RECEIVED,
                                                                              dt.date(2025, 3, 12))
        assert (case.party.kind, case.party.phone_key, case.respondent_name) == (PartyKind.BROKER, "0912000999",
                                                                                 "Ông Lê Văn Cò")
        assert CaseStep.objects.get(case=case).by == users.official_a
        again = client_for(users.official_a).post("/complaints/new/", intake(units, categories))
        assert again.status_code == 302 and Case.objects.latest("pk").number == "KN-58-2025-0002"

    @pytest.mark.parametrize("changes, field", [
        ({"amount_claimed": "ba mươi triệu"}, "amount_claimed"),
        ({"amount_claimed": "-5"}, "amount_claimed"),
        ({"received_on": "01/01/2099"}, "received_on"),
        ({"received_on": "03/25/2025"}, "received_on"),  # mm/dd is not a date here
        ({"incident_date": "01/04/2025"}, "incident_date"),  # after the date received
        ({"complainant_kind": "anonymous"}, "complainant_kind"),  # an anonymous complaint with a name
        ({"complainant_phone": "", "complainant_address": ""}, "complainant_phone"),
        ({"respondent_kind": "enterprise"}, "enterprise"),
        ({"respondent_name": ""}, "respondent_name"),
        ({"respondent_phone": "gọi qua Zalo"}, "respondent_phone"),
        ({"complainant_kind": "worker", "worker_citizen_id": "058095000999"}, "worker_citizen_id"),
        ({"unit": "999999"}, "unit"),
        ({"description": ""}, "description"),
    ])
    def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(self, units, users, client_for, categories,
                                                                      changes, field):
        response = client_for(users.official_a).post("/complaints/new/", intake(units, categories, **changes))
        assert response.status_code == 200
        assert field in response.context["form"].errors, response.context["form"].errors
        assert Case.objects.count() == 0 and Party.objects.count() == 0

    def test_an_official_cannot_file_a_case_under_another_district(self, units, users, client_for, categories):
        response = client_for(users.official_a).post("/complaints/new/", intake(units, categories, unit=units.b.pk))
        assert "unit" in response.context["form"].errors
        assert Case.objects.count() == 0

    def test_a_worker_of_the_registry_complains_with_the_registrys_name_and_phone(self, units, users, client_for,
                                                                                  categories, make_worker):
        worker = make_worker(units.commune_a, full_name="Đàng Văn Lao Động", phone="0905 222 333")
        response = client_for(users.official_a).post("/complaints/new/", intake(
            units, categories, complainant_kind="worker", worker_citizen_id=worker.citizen_id, complainant_name="",
            complainant_phone=""))
        assert response.status_code == 302
        case = Case.objects.get()
        assert (case.worker, case.complainant_name, case.complainant_phone) == (worker, "Đàng Văn Lao Động",
                                                                                "0905 222 333")

    def test_an_anonymous_complaint_about_a_licensed_enterprise(self, units, users, client_for, categories,
                                                                enterprises):
        response = client_for(users.province).post("/complaints/new/", intake(
            units, categories, unit=units.province.pk, complainant_kind="anonymous", complainant_name="",
            complainant_phone="", respondent_kind="enterprise", enterprise=enterprises.active.pk, respondent_name="",
            respondent_phone=""))
        assert response.status_code == 302
        case = Case.objects.get()
        assert (case.complainant_name, case.enterprise, case.party.enterprise) == ("", enterprises.active,
                                                                                   enterprises.active)


class StepViewTests:
    def test_the_next_step_is_recorded_through_the_screen(self, make_case, units, users, client_for):
        case = make_case(units.a, received_on=dt.date(2025, 3, 2), today=dt.date(2025, 3, 2))
        client = client_for(users.official_a)
        assert client.post(f"/complaints/{case.pk}/step/", {"to_status": "verifying", "on": "06/03/2025"}).status_code == 302
        response = client.post(f"/complaints/{case.pk}/step/", {
            "to_status": "resolved", "on": "20/03/2025", "amount_recovered": "35.000.000", "sanction": "Phạt tiền"})
        assert response.status_code == 302
        case.refresh_from_db()
        assert (case.status, case.amount_recovered, case.closed_on) == (Status.RESOLVED, 35_000_000, dt.date(2025, 3, 20))

    def test_a_step_that_skips_the_workflow_is_refused_on_the_screen(self, make_case, units, users, client_for):
        case = make_case(units.a, received_on=dt.date(2025, 3, 2), today=dt.date(2025, 3, 2))
        response = client_for(users.official_a).post(f"/complaints/{case.pk}/step/", {
            "to_status": "resolved", "on": "06/03/2025", "amount_recovered": "nhiều"})
        form = response.context["form"]
        assert response.status_code == 200 and "amount_recovered" in form.errors
        response = client_for(users.official_a).post(f"/complaints/{case.pk}/step/", {
            "to_status": "resolved", "on": "06/03/2025"})
        assert "không thể chuyển sang" in " ".join(response.context["form"].errors["to_status"])  # the screen speaks Vietnamese
        assert Case.objects.get(pk=case.pk).status == Status.RECEIVED

    def test_the_deadline_is_extended_through_the_screen(self, make_case, units, users, client_for):
        case = make_case(units.a, received_on=dt.date(2025, 3, 2), today=dt.date(2025, 3, 2))
        services.case_advance(user=None, case=case, to_status=Status.VERIFYING, on=dt.date(2025, 3, 5),
                              today=dt.date(2025, 3, 5))
        response = client_for(users.official_a).post(f"/complaints/{case.pk}/extend/", {
            "on": "01/04/2025", "reason": "Chờ doanh nghiệp trả lời"})
        assert response.status_code == 302
        assert Case.objects.get(pk=case.pk).due_on == dt.date(2025, 4, 19)


class ListTests:
    def test_the_list_filters_sorts_and_counts(self, make_case, units, users, client_for, categories):
        old = make_case(units.a, received_on=dt.date(2025, 1, 10), today=dt.date(2025, 1, 10))  # overdue long since
        make_case(units.a, received_on=dt.date(2025, 2, 10), today=dt.date(2025, 2, 10), category=categories.deposit,
                  amount_claimed=5_000_000)
        client = client_for(users.official_a)
        response = client.get("/complaints/", {"state": "overdue", "sort": "due"})
        assert [c.number for c in response.context["page"]] == [old.number, "KN-58-2025-0002"]
        assert response.context["counts"]["overdue"] == 2
        response = client.get("/complaints/", {"category": categories.deposit.pk})
        assert [c.amount_claimed for c in response.context["page"]] == [5_000_000]
        response = client.get("/complaints/", {"sort": "amount"})
        assert [c.amount_claimed for c in response.context["page"]] == [5_000_000, 50_000_000]
        response = client.get("/complaints/", {"q": "0912345678"})
        assert response.context["page"].paginator.count == 2
        response = client.get("/complaints/", {"q": "KN-58-2025-0001"})
        assert [c.number for c in response.context["page"]] == [old.number]
        assert 'data-testid="overdue"' in client.get("/complaints/").content.decode()

    def test_the_list_takes_a_fixed_number_of_queries(self, make_case, units, users, client_for,
                                                       django_assert_max_num_queries):
        for day in range(1, 26):
            make_case(units.a, received_on=dt.date(2025, 1, day), respondent_phone=f"0900 000 {day:03d}",
                      today=dt.date(2025, 2, 1))
        client = client_for(users.official_a)
        with django_assert_max_num_queries(10):
            assert client.get("/complaints/").status_code == 200
        with django_assert_max_num_queries(11):
            assert client.get("/complaints/parties/", {"show": "all"}).status_code == 200
        case = Case.objects.first()
        services.case_advance(user=None, case=case, to_status=Status.VERIFYING, on=dt.date(2025, 2, 2),
                              today=dt.date(2025, 3, 1))
        services.case_advance(user=None, case=case, to_status=Status.REFERRED, on=dt.date(2025, 2, 3),
                              referred_to="police", today=dt.date(2025, 3, 1))
        with django_assert_max_num_queries(9):
            assert client.get(f"/complaints/{case.pk}/").status_code == 200

    def test_the_enterprises_page_shows_their_complaint_counts(self, make_case, units, users, client_for,
                                                               enterprises):
        first = make_case(units.a, respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active,
                          respondent_name="", respondent_phone="", received_on=dt.date(2025, 3, 1),
                          today=dt.date(2025, 3, 1))
        make_case(units.b, respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active, respondent_name="",
                  respondent_phone="", received_on=dt.date(2025, 3, 2), today=dt.date(2025, 3, 2))
        services.case_advance(user=None, case=first, to_status=Status.CLOSED, on=dt.date(2025, 3, 5), note="Rút đơn",
                              today=dt.date(2025, 3, 5))
        response = client_for(users.official_a).get("/workers/enterprises/")
        rows = response.context["complaint_rows"] if "complaint_rows" in response.context else None
        page = response.content.decode()
        assert 'data-testid="enterprise-complaints"' in page
        assert rows is None or [(e.pk, c.received, c.open) for e, c, _p in rows] == [(enterprises.active.pk, 2, 1)]
        assert enterprises.suspended.name in page
        assert page.count('data-testid="enterprise-complaint-row"') == 1
