"""The accounts screen: who sees which accounts, and what an editor may not do (nothing is saved then)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import AccountProfile
from portal.models import Role, Scope

pytestmark = pytest.mark.django_db
User = get_user_model()


def listed(client, **params) -> set[str]:
    response = client.get(reverse("accounts:user_list"), params)
    assert response.status_code == 200
    return {u.username for u in response.context["page"]}


def new_account(client, **fields):
    data = {"username": "xa.moi", "full_name": "Nguyễn Thị Mới", "email": "", "phone": "", "role": "official"}
    data.update(fields)
    return client.post(reverse("accounts:user_create"), data)


class AccountScopeTests:
    def test_a_provincial_administrator_of_58_sees_only_the_accounts_of_58(self, admins, users, client_for):
        seen = listed(client_for(admins.qt58))
        assert {"t_tinh", "t_ninhson", "t_bacai", "t_lanhdao", "t_qt58"} <= seen
        assert not seen & {"t_nhatrang", "t_qt56", "t_admin", "t_noscope"}

    def test_a_provincial_administrator_of_58_cannot_open_or_change_an_account_of_56(self, admins, client_for):
        client = client_for(admins.qt58)
        target = admins.official56
        for name in ("accounts:user_edit", "accounts:user_deactivate", "accounts:user_reset", "accounts:user_activate"):
            url = reverse(name, args=[target.pk])
            assert client.get(url).status_code in (404, 302) and client.post(url).status_code == 404, name
        target.refresh_from_db()
        assert target.is_active and target.has_usable_password()

    def test_khanh_hoa_also_manages_the_accounts_left_on_the_legacy_units_it_absorbed(self, admins, client_for):
        seen = listed(client_for(admins.qt56))
        assert {"t_nhatrang", "t_qt56", "t_ninhson", "t_tinh"} <= seen
        assert "t_admin" not in seen

    def test_the_national_administrator_sees_every_account(self, admins, users, client_for):
        assert {"t_nhatrang", "t_qt56", "t_qt58", "t_admin", "t_noscope"} <= listed(client_for(users.admin))

    @pytest.mark.parametrize("role", ["province", "official_a", "viewer", "nobody"])
    def test_whoever_manages_no_account_gets_404(self, users, client_for, role):
        client = client_for(getattr(users, role))
        for name in ("accounts:user_list", "accounts:user_create", "accounts:import_upload", "accounts:codes",
                     "accounts:inactivity", "accounts:import_template"):
            assert client.get(reverse(name)).status_code == 404, name

    def test_the_filters_find_by_unit_role_activity_and_login(self, admins, users, units, client_for):
        client = client_for(admins.qt58)
        assert listed(client, unit=units.a.pk) == {"t_ninhson"}
        assert listed(client, role="official") == {"t_ninhson", "t_bacai"}
        assert listed(client, role="province_admin") == {"t_qt58"}
        users.official_b.is_active = False
        users.official_b.save()
        assert listed(client, active="no") == {"t_bacai"}
        assert "t_bacai" not in listed(client, login="never", active="yes")

    def test_another_provinces_unit_in_the_filter_answers_404(self, admins, khanh_hoa, client_for):
        response = client_for(admins.qt58).get(reverse("accounts:user_list"), {"unit": khanh_hoa.nha_trang.pk})
        assert response.status_code == 404

    def test_the_list_runs_a_bounded_number_of_queries(self, admins, units, client_for, django_assert_max_num_queries):
        from tests.conftest import make_user

        for number in range(30):
            make_user(f"t_extra{number}", Role.OFFICIAL, units.commune_a)
        client = client_for(admins.qt58)
        with django_assert_max_num_queries(14):
            assert client.get(reverse("accounts:user_list")).status_code == 200


class AccountCreateTests:
    def test_a_provincial_administrator_creates_a_commune_account_which_must_choose_its_password(
            self, admins, units, client_for):
        response = new_account(client_for(admins.qt58), unit=units.commune_a.pk, email="moi@example.vn",
                               phone="+84 905 123 456")
        assert response.status_code == 302
        user = User.objects.get(username="xa.moi")
        assert user.scope.role == Role.OFFICIAL and user.scope.unit == units.commune_a
        assert not user.has_usable_password() and not user.is_staff
        assert user.account_profile.must_change_password and user.account_profile.phone == "0905123456"
        assert user.account_profile.created_by == admins.qt58

    def test_a_unit_of_another_province_answers_404_and_saves_nothing(self, admins, khanh_hoa, client_for):
        client = client_for(admins.qt58)
        assert client.get(reverse("accounts:user_create"), {"unit": khanh_hoa.nha_trang.pk}).status_code == 404
        assert new_account(client, unit=khanh_hoa.nha_trang.pk).status_code == 404
        assert not User.objects.filter(username="xa.moi").exists()

    def test_a_taken_username_an_invalid_email_and_a_role_above_ones_own_are_refused(self, admins, units, client_for):
        client = client_for(admins.qt58)
        form = new_account(client, username="T_NINHSON", unit=units.commune_a.pk).context["form"]
        assert "đã có người dùng" in str(form.errors["username"]) or "already taken" in str(form.errors["username"])
        form = new_account(client, email="khong-phai-email", unit=units.commune_a.pk).context["form"]
        assert "email" in form.errors
        form = new_account(client, role="admin").context["form"]
        assert "role" in form.errors
        assert not User.objects.filter(username__iexact="xa.moi").exists()
        assert User.objects.filter(username__iexact="t_ninhson").count() == 1

    def test_a_role_sits_on_a_unit_of_its_level(self, admins, units, client_for):
        form = new_account(client_for(admins.qt58), role="province", unit=units.commune_a.pk).context["form"]
        assert "unit" in form.errors
        assert not User.objects.filter(username="xa.moi").exists()

    def test_a_provincial_administrator_may_name_another_provincial_administrator(self, admins, units, client_for):
        assert new_account(client_for(admins.qt58), username="qt2", role="province_admin",
                           unit=units.province.pk).status_code == 302
        assert Scope.objects.get(user__username="qt2").manages_accounts

    def test_the_national_administrator_types_a_unit_code(self, admins, users, client_for, khanh_hoa, monkeypatch):
        monkeypatch.setattr("accounts.forms.SELECT_LIMIT", 100)  # thousands of units nationally: a code, not a list
        page = client_for(users.admin).get(reverse("accounts:user_create"))
        assert "unit_code" in page.context["form"].fields
        response = new_account(client_for(users.admin), unit_code="22366")
        assert response.status_code == 302
        assert User.objects.get(username="xa.moi").scope.unit == khanh_hoa.nha_trang  # the 2025 unit of that code


class AccountEditTests:
    def test_the_province_moves_an_official_and_changes_their_role(self, admins, users, units, client_for):
        response = client_for(admins.qt58).post(reverse("accounts:user_edit", args=[users.official_a.pk]), {
            "full_name": "Cán bộ Bác Ái mới", "email": "", "phone": "", "role": "viewer", "unit": units.b.pk})
        assert response.status_code == 302
        scope = Scope.objects.get(user=users.official_a)
        assert (scope.role, scope.unit) == (Role.VIEWER, units.b)

    def test_khanh_hoa_moves_a_legacy_official_onto_a_new_commune_but_not_onto_another_legacy_unit(
            self, admins, users, units, khanh_hoa, client_for):
        client = client_for(admins.qt56)
        url = reverse("accounts:user_edit", args=[users.official_a.pk])
        data = {"full_name": "Cán bộ", "email": "", "phone": "", "role": "official"}
        assert client.post(url, {**data, "unit": units.b.pk}).status_code == 404  # a legacy unit is no choice
        assert client.post(url, {**data, "unit": khanh_hoa.nha_trang.pk}).status_code == 302
        assert Scope.objects.get(user=users.official_a).unit == khanh_hoa.nha_trang

    def test_an_editor_cannot_change_their_own_role(self, admins, units, client_for):
        response = client_for(admins.qt58).post(reverse("accounts:user_edit", args=[admins.qt58.pk]), {
            "full_name": "Tôi", "email": "", "phone": "", "role": "official", "unit": units.a.pk})
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        assert Scope.objects.get(user=admins.qt58).manages_accounts


class DeactivationTests:
    def test_deactivating_keeps_the_account_and_logs_it_out(self, admins, users, client_for):
        victim = client_for(users.official_a)
        assert victim.get(reverse("home")).status_code == 200
        response = client_for(admins.qt58).post(reverse("accounts:user_deactivate", args=[users.official_a.pk]))
        assert response.status_code == 302
        users.official_a.refresh_from_db()
        assert not users.official_a.is_active
        assert victim.get(reverse("home")).status_code == 302  # to the login page

    def test_nobody_deactivates_themselves(self, admins, client_for):
        client_for(admins.qt58).post(reverse("accounts:user_deactivate", args=[admins.qt58.pk]))
        admins.qt58.refresh_from_db()
        assert admins.qt58.is_active

    def test_the_last_national_administrator_is_never_deactivated_nor_demoted(self, users):
        from django.core.exceptions import ValidationError

        from accounts import services
        from accounts.roles import AccountRole
        from tests.conftest import make_user

        other = make_user("t_admin2", Role.ADMIN, None, is_staff=True, is_superuser=True)
        User.objects.filter(pk=other.pk).update(is_active=False)  # e.g. a command run as an administrator since gone
        other.refresh_from_db()
        with pytest.raises(ValidationError, match="t_admin"):
            services.account_deactivate(by=other, user=users.admin)
        with pytest.raises(ValidationError):
            services.account_update(by=other, user=users.admin, data=services.AccountData(
                username="t_admin", full_name="A", email="", phone="", role=AccountRole.VIEWER,
                unit=users.viewer.scope.unit))
        users.admin.refresh_from_db()
        assert users.admin.is_superuser and users.admin.is_active

    def test_flagged_accounts_are_deactivated_together_after_a_confirmation(self, admins, users, client_for):
        import datetime as dt

        from django.utils import timezone

        old = timezone.now() - dt.timedelta(days=400)
        User.objects.filter(pk__in=[users.official_a.pk, users.official_b.pk]).update(date_joined=old, last_login=old)
        client = client_for(admins.qt58)
        page = client.get(reverse("accounts:user_list"), {"login": "inactive"})
        assert {u.username for u in page.context["page"]} == {"t_ninhson", "t_bacai"}
        ids = [users.official_a.pk, users.official_b.pk]
        confirm = client.post(reverse("accounts:users_deactivate"), {"ids": ids})
        assert confirm.status_code == 200 and User.objects.filter(pk__in=ids, is_active=True).count() == 2
        client.post(reverse("accounts:users_deactivate"), {"ids": ids, "confirm": "yes"})
        assert User.objects.filter(pk__in=ids, is_active=False).count() == 2

    def test_a_bulk_deactivation_with_oneself_in_it_deactivates_nobody(self, admins, users, client_for):
        client_for(admins.qt58).post(reverse("accounts:users_deactivate"),
                                     {"ids": [users.official_a.pk, admins.qt58.pk], "confirm": "yes"})
        assert User.objects.filter(pk__in=[users.official_a.pk, admins.qt58.pk], is_active=True).count() == 2

    def test_the_inactivity_period_is_the_provinces_own(self, admins, users, units, client_for):
        import datetime as dt

        from django.utils import timezone

        User.objects.filter(pk=users.official_a.pk).update(last_login=timezone.now() - dt.timedelta(days=40))
        client = client_for(admins.qt58)
        assert "t_ninhson" not in listed(client, login="inactive")  # national default: 90 days
        client.post(reverse("accounts:inactivity"), {"province": units.province.pk, "days": "30"})
        assert "t_ninhson" in listed(client, login="inactive")
        assert client.post(reverse("accounts:inactivity"), {"province": units.province.pk, "days": "3"}
                           ).context["form"].errors


class UnitPageTests:
    def test_a_units_page_lists_its_accounts_to_whoever_manages_them(self, admins, users, units, client_for):
        html = client_for(admins.qt58).get(reverse("unit_detail", args=[units.a.pk])).content.decode()
        assert "t_ninhson" in html and f"?unit={units.a.pk}" in html
        html = client_for(users.province).get(reverse("unit_detail", args=[units.a.pk])).content.decode()
        assert "t_ninhson" not in html


def test_a_profile_is_created_with_the_account(admins, units, client_for):
    new_account(client_for(admins.qt58), unit=units.commune_a.pk)
    assert AccountProfile.objects.filter(user__username="xa.moi", must_change_password=True).exists()


def test_a_bulk_deactivation_naming_another_provinces_account_answers_404(admins, users, client_for):
    response = client_for(admins.qt58).post(reverse("accounts:users_deactivate"),
                                            {"ids": [users.official_a.pk, admins.official56.pk], "confirm": "yes"})
    assert response.status_code == 404
    assert User.objects.filter(pk__in=[users.official_a.pk, admins.official56.pk], is_active=True).count() == 2
