"""One party across many cases: matched by normalised phone and name; the warning list the province reads."""
from __future__ import annotations

import datetime as dt

import pytest

from complaints import selectors, services
from complaints.models import Party, PartyKind, Status
from complaints.parties import party_name_key
from tests.complaints.conftest import TODAY

pytestmark = pytest.mark.usefixtures("english")


class NameKeyTests:
    @pytest.mark.parametrize("typed", ["Công ty TNHH MTV Nhân lực Á Châu", "CONG TY TNHH NHAN LUC A CHAU",
                                       "Cty Nhân Lực Á Châu", "Công ty trách nhiệm hữu hạn Nhân lực Á-Châu"])
    def test_a_companys_legal_form_accents_and_case_do_not_count(self, typed):
        assert party_name_key(typed, PartyKind.COMPANY) == "nhan luc a chau"

    @pytest.mark.parametrize("typed", ["Ông Nguyễn Văn Hùng", "nguyen van hung", "  Nguyễn  Văn   HÙNG "])
    def test_a_persons_honorific_accents_and_spaces_do_not_count(self, typed):
        assert party_name_key(typed, PartyKind.BROKER) == "nguyen van hung"

    def test_a_short_name_keeps_its_words(self):
        assert party_name_key("Anh Tuấn", PartyKind.BROKER) == "anh tuan"


class PartyMatchTests:
    @pytest.mark.parametrize("phone", ["0912345678", "+84912345678", "0912 345 678", "+84 912 345 678",
                                       "0912.345.678", "84912345678"])
    def test_a_broker_named_with_any_form_of_his_phone_is_one_party(self, make_case, units, phone):
        first = make_case(units.a, respondent_name="Hùng", respondent_phone="0912 345 678")
        second = make_case(units.b, respondent_name="Nguyễn Văn Hùng", respondent_phone=phone)
        assert second.party_id == first.party_id
        assert Party.objects.count() == 1
        assert second.respondent_phone == phone  # the phone is kept as given

    def test_the_same_name_without_a_phone_is_the_same_party(self, make_case, units):
        first = make_case(units.a, respondent_name="Ông Nguyễn Văn Hùng", respondent_phone="")
        second = make_case(units.b, respondent_name="Nguyen Van Hung", respondent_phone="")
        assert second.party_id == first.party_id

    def test_a_phone_given_later_is_learnt_and_matches_afterwards(self, make_case, units):
        first = make_case(units.a, respondent_name="Nguyễn Văn Hùng", respondent_phone="")
        second = make_case(units.b, respondent_name="Nguyễn Văn Hùng", respondent_phone="+84 912 345 678")
        third = make_case(units.b, respondent_name="Hùng Nhật", respondent_phone="0912345678")
        assert first.party_id == second.party_id == third.party_id
        assert Party.objects.get().phone_key == "0912345678"

    def test_the_same_name_with_another_phone_is_another_person(self, make_case, units):
        first = make_case(units.a, respondent_name="Nguyễn Văn Hùng", respondent_phone="0912 345 678")
        second = make_case(units.b, respondent_name="Nguyễn Văn Hùng", respondent_phone="0987 654 321")
        assert second.party_id != first.party_id

    def test_a_licensed_enterprise_is_its_own_party_whatever_the_name_typed(self, make_case, enterprises):
        first = make_case(respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active, respondent_name="",
                          respondent_phone="")
        second = make_case(respondent_kind=PartyKind.ENTERPRISE, enterprise=enterprises.active,
                           respondent_name="Cty Thử Nghiệm A chi nhánh", respondent_phone="")
        assert first.party_id == second.party_id
        assert first.party.enterprise == enterprises.active
        assert first.respondent_name == enterprises.active.name
        broker = make_case(respondent_name=enterprises.active.name, respondent_phone="")
        assert broker.party_id != first.party_id  # a broker using a licensed enterprise's name is not the enterprise


class WarningListTests:
    def test_a_broker_named_in_two_districts_is_one_row_with_both_units(self, make_case, units, users):
        make_case(units.a, respondent_phone="0912 345 678", received_on=dt.date(2026, 2, 1))
        make_case(units.b, respondent_phone="+84912345678", received_on=dt.date(2026, 3, 5), amount_claimed=70_000_000)
        make_case(units.b, respondent_name="Another broker", respondent_phone="0900 000 001")
        rows = selectors.party_warning_rows(users.official_a, selectors.party_warnings(users.official_a, today=TODAY))
        assert [(row.party.phone_key, row.cases, row.open, row.units) for row in rows] == [
            ("0912345678", 2, 2, 2), ("0900000001", 1, 1, 1)]
        top = rows[0]
        assert (top.first_received, top.last_received, top.claimed) == (dt.date(2026, 2, 1), dt.date(2026, 3, 5),
                                                                        120_000_000)
        assert top.categories == ["Fraud, fake job offer"]
        # Ninh Sơn opens the broker's page (one of its cases), not the other broker's (Bác Ái's alone).
        assert [row.visible for row in rows] == [True, False]

    def test_the_list_shows_parties_with_open_cases_or_repeat_offenders(self, make_case, units, users):
        closed = make_case(units.a, respondent_name="Đã xong", respondent_phone="0900 000 009")
        services.case_advance(user=None, case=closed, to_status=Status.CLOSED, on=dt.date(2026, 3, 3),
                              note="Rút đơn", today=TODAY)
        make_case(units.a, respondent_phone="0912 345 678")
        make_case(units.b, respondent_phone="0912 345 678")
        make_case(units.b, respondent_name="Một lần", respondent_phone="0900 000 002")

        def shown(show):
            return sorted(row["party_id"] for row in selectors.party_warnings(users.province, show=show, today=TODAY))

        broker = Party.objects.get(phone_key="0912345678").pk
        once = Party.objects.get(phone_key="0900000002").pk
        assert shown("open") == sorted([broker, once])
        assert shown("repeat") == [broker]
        assert len(shown("all")) == 3

    def test_the_list_searches_the_names_and_phones_given(self, make_case, units, users):
        make_case(units.a, respondent_name="Hùng", respondent_phone="0912 345 678")
        make_case(units.b, respondent_name="Nguyễn Văn Hùng Nhật Bản", respondent_phone="0912345678")
        make_case(units.b, respondent_name="Lê Thị Khác", respondent_phone="0900 000 003")
        for text in ("hung nhat", "+84 912 345 678"):
            rows = list(selectors.party_warnings(users.province, show="all", q=text, today=TODAY))
            assert [(row["n"]) for row in rows] == [2], text

    def test_the_list_counts_the_users_province_only(self, make_case, units, users):
        from portal.models import Structure, Unit
        from portal.units_loader import load_units

        load_units(structure=Structure.LEGACY, province_codes=["56"])
        khanh_hoa = Unit.objects.get(structure=Structure.LEGACY, code="56")
        make_case(units.a, respondent_phone="0912 345 678")
        make_case(khanh_hoa, respondent_phone="0912 345 678")
        rows = list(selectors.party_warnings(users.official_a, today=TODAY))
        assert [(row["n"], row["units"]) for row in rows] == [(1, 1)]
        assert [row["n"] for row in selectors.party_warnings(users.admin, today=TODAY)] == [2]

    def test_a_party_page_opens_only_to_those_who_see_one_of_its_cases(self, make_case, units, users, client_for):
        shared = make_case(units.a, respondent_phone="0912 345 678")
        make_case(units.b, respondent_phone="0912345678")
        only_b = make_case(units.b, respondent_name="Chỉ Bác Ái", respondent_phone="0900 000 004")
        page = client_for(users.official_a).get(f"/complaints/parties/{shared.party_id}/")
        assert page.status_code == 200
        assert page.context["detail"].warning.cases == 2  # counted across the province
        assert [c.number for c in page.context["detail"].cases] == [shared.number]  # only its own case listed
        assert client_for(users.official_a).get(f"/complaints/parties/{only_b.party_id}/").status_code == 404
        assert client_for(users.official_b).get(f"/complaints/parties/{only_b.party_id}/").status_code == 200
