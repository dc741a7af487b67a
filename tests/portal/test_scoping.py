from __future__ import annotations

import pytest
from django.urls import reverse

from portal.models import Level, Unit
from portal.scoping import can_approve, can_write, get_visible_or_404, scope_filter, unit_in_scope, visible_units
from portal.tree import build_path

pytestmark = pytest.mark.django_db


class ScopeRulesTests:
    def test_an_official_sees_their_district_and_its_communes_only(self, units, users):
        visible = visible_units(users.official_a)
        expected = Unit.objects.filter(path__startswith=units.a.path)
        assert set(visible) == set(expected)
        assert visible.count() == 1 + units.a.children.count()
        assert not visible.filter(pk=units.b.pk).exists()
        assert not visible.filter(pk=units.province.pk).exists()

    def test_provincial_staff_and_viewer_see_the_whole_province(self, units, users):
        province_units = Unit.objects.filter(path__startswith=units.province.path).count()
        assert visible_units(users.province).count() == province_units
        assert visible_units(users.viewer).count() == province_units

    def test_an_administrator_sees_every_unit(self, units, users):
        assert visible_units(users.admin).count() == Unit.objects.count()

    def test_a_user_without_scope_sees_nothing(self, units, users):
        assert visible_units(users.nobody).count() == 0
        assert not can_write(users.nobody)

    def test_write_and_approve_rights_follow_the_role(self, users):
        assert [can_write(u) for u in (users.admin, users.province, users.official_a, users.viewer)] == [
            True, True, True, False]
        assert [can_approve(u) for u in (users.admin, users.province, users.official_a, users.viewer)] == [
            True, True, False, False]

    def test_another_units_object_is_a_404(self, units, users):
        from django.http import Http404

        assert get_visible_or_404(Unit, users.official_a, pk=units.commune_a.pk) == units.commune_a
        with pytest.raises(Http404):
            get_visible_or_404(Unit, users.official_a, pk=units.commune_b.pk)

    def test_scope_filter_follows_a_lookup_path(self, units, users):
        # Children of a unit, filtered through their parent's unit path.
        qs = scope_filter(Unit.objects.filter(level=Level.COMMUNE), users.official_b, field="parent")
        assert set(qs) == set(units.b.children.all())
        assert unit_in_scope(users.official_b, units.commune_b)
        assert not unit_in_scope(users.official_b, units.commune_a)

    def test_a_prefix_code_does_not_leak_into_a_sibling(self, units, users):
        # A hamlet coded "5851" under another district must not fall inside 585's "58/585/" prefix.
        hamlet = Unit.objects.create(
            structure=units.b.structure, code="5851", name="Thôn thử", level=Level.HAMLET,
            parent=units.commune_b, path=build_path(units.b.structure, units.commune_b.path, "5851"), is_custom=True,
        )
        assert not visible_units(users.official_a).filter(pk=hamlet.pk).exists()


class UnitViewsTests:
    def test_unit_list_shows_only_the_officials_units(self, units, users, client_for):
        response = client_for(users.official_a).get(reverse("unit_list"), {"level": "commune"})
        assert response.status_code == 200
        codes = {u.code for u in response.context["page"]}
        assert codes == set(units.a.children.values_list("code", flat=True))

    def test_unit_detail_of_another_district_is_a_404(self, units, users, client_for):
        client = client_for(users.official_a)
        assert client.get(reverse("unit_detail", args=[units.commune_a.pk])).status_code == 200
        assert client.get(reverse("unit_detail", args=[units.commune_b.pk])).status_code == 404
        assert client.get(reverse("unit_detail", args=[units.province.pk])).status_code == 404

    def test_a_user_without_scope_gets_an_empty_list_and_404s(self, units, users, client_for):
        client = client_for(users.nobody)
        response = client.get(reverse("unit_list"))
        assert response.status_code == 200 and response.context["page"].paginator.count == 0
        assert client.get(reverse("unit_detail", args=[units.province.pk])).status_code == 404

    def test_anonymous_users_are_sent_to_login(self, units, client):
        response = client.get(reverse("unit_list"))
        assert response.status_code == 302 and reverse("login") in response["Location"]

    def test_the_home_page_names_the_scope(self, units, users, client_for):
        response = client_for(users.official_a).get(reverse("home"))
        assert response.status_code == 200
        body = response.content.decode()
        assert units.a.name in body and "585" in body
        response = client_for(users.nobody).get(reverse("home"))
        assert "chưa được gán đơn vị" in response.content.decode()


class HamletTests:
    def test_an_official_adds_a_hamlet_under_their_commune(self, units, users, client_for):
        response = client_for(users.official_a).post(
            reverse("hamlet_create"), {"parent": units.commune_a.pk, "code": "TH01", "name": "Thôn Một"})
        assert response.status_code == 302
        hamlet = Unit.objects.get(code="TH01")
        assert hamlet.level == Level.HAMLET and hamlet.parent == units.commune_a and hamlet.is_custom
        assert hamlet.path == units.commune_a.path + "TH01/"
        assert visible_units(users.official_a).filter(pk=hamlet.pk).exists()

    def test_a_commune_of_another_district_is_refused(self, units, users, client_for):
        response = client_for(users.official_a).post(
            reverse("hamlet_create"), {"parent": units.commune_b.pk, "code": "TH02", "name": "Thôn Hai"})
        assert response.status_code == 200
        assert "parent" in response.context["form"].errors
        assert not Unit.objects.filter(code="TH02").exists()

    def test_a_used_code_is_refused_beside_the_field(self, units, users, client_for):
        response = client_for(users.official_a).post(
            reverse("hamlet_create"), {"parent": units.commune_a.pk, "code": units.commune_b.code, "name": "X"})
        assert response.status_code == 200
        assert "code" in response.context["form"].errors
        assert Unit.objects.filter(code=units.commune_b.code).count() == 1

    def test_a_viewer_cannot_add_units(self, units, users, client_for):
        response = client_for(users.viewer).post(
            reverse("hamlet_create"), {"parent": units.commune_a.pk, "code": "TH03", "name": "Thôn Ba"})
        assert response.status_code == 403
        assert not Unit.objects.filter(code="TH03").exists()


class AuditTests:
    def test_adding_a_hamlet_is_audited_with_its_author(self, units, users, client_for):
        from auditlog.models import LogEntry

        client_for(users.official_a).post(
            reverse("hamlet_create"), {"parent": units.commune_a.pk, "code": "TH09", "name": "Thôn Chín"})
        hamlet = Unit.objects.get(code="TH09")
        entry = LogEntry.objects.get_for_object(hamlet).get()
        assert entry.action == LogEntry.Action.CREATE
        assert entry.actor == users.official_a
        assert entry.changes_dict["name"] == ["None", "Thôn Chín"]
