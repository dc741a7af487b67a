"""Scope across the 2025 reform: a 2025-structure user sees the records of the legacy units it inherited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.http import Http404

from portal.models import Role, Structure, Unit
from portal.scoping import get_visible_or_404, unit_in_scope, visible_units
from portal.tree import legacy_prefixes
from targets.models import MonthlyReport
from tests.conftest import make_user
from tests.reports.progress_data import approved_figures, depart
from workers.models import Departure, Worker

pytestmark = pytest.mark.django_db


def legacy(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code)


def new(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.NEW, code=code)


@pytest.fixture
def reform(capsys):
    """Ninh Thuận and old Khánh Hòa → Khánh Hòa (56); old Tiền Giang and Đồng Tháp → Đồng Tháp (82)."""
    for province in ("58", "82"):
        call_command("load_admin_units", "--structure", "both", "--province", province)
    capsys.readouterr()
    records = {
        "ninh_son": depart(legacy("22810"), dt.date(2024, 5, 1)),  # Thị trấn Tân Sơn → Xã Ninh Sơn (22810)
        # Xã Cam Tân (22435) was divided: default successor Xã Suối Dầu (22708); part went to the new
        # Xã Cam Hiệp, which kept the code 22435.
        "cam_tan": depart(legacy("22435"), dt.date(2024, 6, 1)),
        "tien_giang": depart(legacy("28249"), dt.date(2024, 7, 1)),
        "figures": approved_figures(legacy("585"), dt.date(2025, 5, 1), departed=3),
    }
    users = {
        "khanh_hoa": make_user("r_khanhhoa", Role.PROVINCE, new("56")),
        "ninh_son": make_user("r_xa_ninhson", Role.OFFICIAL, new("22810")),
        "suoi_dau": make_user("r_suoidau", Role.OFFICIAL, new("22708")),
        "cam_hiep": make_user("r_camhiep", Role.OFFICIAL, new("22435")),
        "dong_thap": make_user("r_dongthap", Role.PROVINCE, new("82")),
        "tinh": make_user("r_tinh", Role.PROVINCE, legacy("58")),
    }
    return records, users


def seen(model, user) -> set[int]:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


class ScopeAcrossTheReformTests:
    def test_the_new_province_sees_the_history_of_the_provinces_it_absorbed(self, reform):
        records, users = reform
        workers = {records[k].worker_id for k in ("ninh_son", "cam_tan")}
        assert seen(Worker, users["khanh_hoa"]) == workers
        assert seen(Departure, users["khanh_hoa"]) == {records["ninh_son"].pk, records["cam_tan"].pk}
        assert seen(MonthlyReport, users["khanh_hoa"]) == {records["figures"].pk}
        assert get_visible_or_404(Worker, users["khanh_hoa"], pk=records["ninh_son"].worker_id)

    def test_an_official_of_another_new_province_sees_nothing_of_it(self, reform):
        records, users = reform
        assert seen(Worker, users["dong_thap"]) == {records["tien_giang"].worker_id}
        assert not seen(MonthlyReport, users["dong_thap"])
        with pytest.raises(Http404):
            get_visible_or_404(Worker, users["dong_thap"], pk=records["ninh_son"].worker_id)

    def test_a_new_commune_sees_its_predecessors_and_a_divided_commune_stays_with_its_default_successor(
            self, reform):
        records, users = reform
        assert seen(Worker, users["ninh_son"]) == {records["ninh_son"].worker_id}
        assert seen(Worker, users["suoi_dau"]) == {records["cam_tan"].worker_id}
        assert not seen(Worker, users["cam_hiep"])  # same code as old Cam Tân, but not its default successor
        assert not seen(MonthlyReport, users["ninh_son"])  # the abolished district's figures: the province's

    def test_legacy_units_stay_out_of_the_new_users_scope(self, reform):
        _records, users = reform
        assert not visible_units(users["khanh_hoa"]).filter(structure=Structure.LEGACY).exists()
        assert not unit_in_scope(users["khanh_hoa"], legacy("585"))
        # A legacy-structure user is unchanged: its own tree only.
        assert seen(Worker, users["tinh"]) == {reform[0]["ninh_son"].worker_id}

    def test_the_legacy_prefixes_cost_one_query_per_user(self, reform, django_assert_num_queries):
        _records, users = reform
        user = users["khanh_hoa"]
        unit = user.scope.unit
        expected = [legacy("56").path, legacy("58").path]
        with django_assert_num_queries(1):
            assert legacy_prefixes(unit) == expected
        with django_assert_num_queries(2):
            list(Worker.objects.visible_to(user))
            list(Departure.objects.visible_to(user))


class InheritedCampaignsAndPoliciesTests:
    """Campaigns and support policies are scoped through the one helper (``portal.scoping.scope_q``), so a
    2025-structure user sees those of the legacy units they inherited, as for every other record."""

    @pytest.fixture
    def history(self, reform):
        from outreach.models import Campaign
        from support.models import LegalBasis, Policy

        def campaign(code: str) -> Campaign:
            return Campaign.objects.create(unit=legacy(code), name=f"Tuyên truyền {code}",
                                           date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 12, 31))

        def policy(code: str) -> Policy:
            return Policy.objects.create(code=f"CS-{code}", name=f"Hỗ trợ {code}", unit=legacy(code),
                                         legal_basis=LegalBasis.PROVINCIAL, valid_from=dt.date(2024, 1, 1))

        return {
            "campaigns": {code: campaign(code).pk for code in ("58", "585", "82")},
            "policies": {code: policy(code).pk for code in ("58", "585", "82")},
        }

    def test_the_new_province_sees_the_campaigns_and_policies_of_the_provinces_it_absorbed(self, reform, history):
        from outreach.models import Campaign
        from support.models import Policy

        _records, users = reform
        ninh_thuan = {history["campaigns"]["58"], history["campaigns"]["585"]}
        assert seen(Campaign, users["khanh_hoa"]) == ninh_thuan
        assert seen(Policy, users["khanh_hoa"]) == {history["policies"]["58"], history["policies"]["585"]}
        assert seen(Campaign, users["dong_thap"]) == {history["campaigns"]["82"]}
        assert seen(Policy, users["dong_thap"]) == {history["policies"]["82"]}
        assert get_visible_or_404(Policy, users["khanh_hoa"], pk=history["policies"]["58"])
        with pytest.raises(Http404):
            get_visible_or_404(Campaign, users["khanh_hoa"], pk=history["campaigns"]["82"])

    def test_a_new_commune_sees_the_policies_run_above_the_communes_it_inherited(self, reform, history):
        from outreach.models import Campaign
        from support.models import Policy

        _records, users = reform
        # New Xã Ninh Sơn took over old Thị trấn Tân Sơn of Huyện Ninh Sơn (585), in Ninh Thuận (58).
        assert seen(Policy, users["ninh_son"]) == {history["policies"]["58"], history["policies"]["585"]}
        assert not seen(Campaign, users["ninh_son"])  # campaigns above are seen only when the unit took part
        assert seen(Policy, users["suoi_dau"]) == set()  # its old commune lay in old Khánh Hòa: no policy there
