"""Addresses written as text, matched to units: with or without accents and prefixes, abbreviated, with a hamlet,
in the structure for the row's date; a commune named without its district when two districts have one of that
name is ambiguous (listed for the user), never guessed; the user's choice is remembered for the rest of the file."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from history import services
from history.addresses import AMBIGUOUS, MATCHED, UNMATCHED, AddressMatcher
from history.context import batch_roots
from portal.models import Role, Structure, Unit
from tests.conftest import make_user
from tests.history.conftest import commit, preview, upload
from tests.history.sheets import Person, legacy_people_sheet

pytestmark = pytest.mark.django_db


def legacy(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code)


def new(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.NEW, code=code)


@pytest.fixture
def dong_thap(units, capsys):
    call_command("load_admin_units", "--structure", "legacy", "--province", "87")
    capsys.readouterr()
    return legacy("87")


class NinhThuanTests:
    @pytest.mark.parametrize(("text", "code"), [
        ("Xã Lâm Sơn, huyện Ninh Sơn, tỉnh Ninh Thuận", "22813"),
        ("lam son, ninh son", "22813"),
        ("LÂM SƠN - NINH SƠN", "22813"),
        ("Thôn 2 xã Quảng Sơn H. Ninh Sơn", "22819"),
        ("TT Tân Sơn, Ninh Sơn, Ninh Thuận", "22810"),
        ("Thị trấn Tân Sơn", "22810"),
        ("Phường Kinh Dinh, TP Phan Rang-Tháp Chàm", "22759"),
        ("phuoc binh, bac ai", "22783"),
        ("Phước Hòa", "22786"),
        ("Huyện Ninh Sơn", "585"),
        ("Ninh Sơn, Ninh Thuận", "585"),
    ])
    def test_an_address_written_any_way_names_its_unit(self, units, text, code):
        match = AddressMatcher([units.province]).match(text, structure=Structure.LEGACY)
        assert (match.status, match.unit.code) == (MATCHED, code)

    def test_an_unknown_commune_is_unmatched_with_the_communes_of_its_district_to_choose_from(self, units):
        match = AddressMatcher([units.province]).match("Xã Không Có, huyện Ninh Sơn", structure=Structure.LEGACY)
        assert match.status == UNMATCHED
        assert {u.code for u in match.candidates} == set(units.a.children.values_list("code", flat=True))

    def test_a_province_alone_names_no_home(self, units):
        assert AddressMatcher([units.province]).match("Tỉnh Ninh Thuận", structure=Structure.LEGACY).status == UNMATCHED


class AmbiguityTests:
    def test_a_commune_named_in_two_districts_is_ambiguous_without_its_district(self, dong_thap):
        matcher = AddressMatcher([dong_thap])
        match = matcher.match("Xã Tân Hòa, Đồng Tháp", structure=Structure.LEGACY)
        assert match.status == AMBIGUOUS
        assert sorted(u.code for u in match.candidates) == ["30136", "30235"]
        with_district = matcher.match("Xã Tân Hòa, huyện Lai Vung, Đồng Tháp", structure=Structure.LEGACY)
        assert (with_district.status, with_district.unit.code) == (MATCHED, "30235")
        plain = matcher.match("tan hoa, thanh binh, dong thap", structure=Structure.LEGACY)
        assert (plain.status, plain.unit.code) == (MATCHED, "30136")

    def test_the_users_choice_is_remembered_for_the_rest_of_the_file(self, dong_thap, users, reference_data):
        people = [Person(f"Người Đồng Tháp {i}", dt.date(1990, 1, 1 + i), "Nam", f"34150000{i}", "Xã Tân Hòa, Đồng Tháp",
                         "Nhật Bản", "", dt.date(2019, 4, 1 + i)) for i in range(3)]
        batch = upload(users.admin, dong_thap, legacy_people_sheet(people), "dong-thap.xlsx")
        batch = preview(users.admin, batch)
        assert batch.preview["blocked"]
        [question] = batch.preview["addresses"]
        assert question["status"] == AMBIGUOUS and question["count"] == 3 and question["rows"] == [9, 10, 11]
        assert batch.preview["counts"]["errors"] == 3
        services.batch_answer(user=users.admin, batch=batch, addresses={question["key"]: legacy("30235").pk},
                              date_columns=[])
        batch = services.batch_preview(batch=batch, user=users.admin)
        assert not batch.preview["blocked"] and batch.preview["counts"]["new_workers"] == 3
        commit(users.admin, batch)
        from workers.models import Worker

        assert set(Worker.objects.filter(full_name__startswith="Người Đồng Tháp").values_list("unit__code", flat=True)) \
            == {"30235"}


class ReformTests:
    @pytest.fixture
    def reform(self, capsys, db):
        call_command("load_admin_units", "--structure", "both", "--province", "58")
        capsys.readouterr()
        return new("56")

    def test_a_row_after_the_reform_takes_the_2025_unit_even_written_with_old_names(self, reform):
        matcher = AddressMatcher(batch_roots(reform))
        old_written = matcher.match("Thị trấn Tân Sơn, huyện Ninh Sơn, Ninh Thuận", structure=Structure.NEW)
        assert (old_written.status, old_written.unit.structure, old_written.unit.code) == (MATCHED, "2025", "22810")
        new_written = matcher.match("Xã Ninh Sơn, tỉnh Khánh Hòa", structure=Structure.NEW)
        assert (new_written.unit.structure, new_written.unit.code) == ("2025", "22810")
        before = matcher.match("Thị trấn Tân Sơn, huyện Ninh Sơn", structure=Structure.LEGACY)
        assert (before.unit.structure, before.unit.code) == ("legacy", "22810")

    def test_a_2025_province_brings_in_the_legacy_history_of_the_units_it_took_over(self, reform, reference_data):
        staff = make_user("h_khanhhoa", Role.PROVINCE, reform)
        people = [Person("Người Khánh Hòa Cũ", dt.date(1991, 5, 5), "Nam", "264700001", "Xã Lâm Sơn, huyện Ninh Sơn",
                         "Nhật Bản", "", dt.date(2019, 9, 9)),
                  Person("Người Khánh Hòa Mới", dt.date(1992, 6, 6), "Nữ", "264700002", "Xã Ninh Sơn, Khánh Hòa",
                         "Hàn Quốc", "", dt.date(2025, 9, 9))]
        batch = preview(staff, upload(staff, reform, legacy_people_sheet(people), "kh.xlsx"))
        assert batch.preview["counts"]["errors"] == 0, batch.preview["errors"]
        commit(staff, batch)
        from workers.models import Departure

        units = dict(Departure.objects.values_list("worker__full_name", "unit__structure"))
        assert units == {"Người Khánh Hòa Cũ": "legacy", "Người Khánh Hòa Mới": "2025"}
