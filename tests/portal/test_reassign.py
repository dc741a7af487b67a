from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.urls import reverse

from portal.models import Scope, Structure, Unit
from portal.scoping import visible_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def khanh_hoa(units):
    call_command("load_admin_units", "--structure", "both", "--province", "58")
    return Unit.objects.get(structure=Structure.NEW, code="56")


class ReassignTests:
    def test_the_admin_sees_officials_of_abolished_districts_with_their_successor(
            self, users, khanh_hoa, client_for):
        response = client_for(users.admin).get(reverse("dissolved_scopes"))
        assert response.status_code == 200
        listed = {row["scope"].user.username for row in response.context["rows"]}
        # Every legacy unit ended on 30/06/2025; the admin has no unit.
        assert {"t_ninhson", "t_bacai", "t_tinh", "t_lanhdao"} <= listed
        row = next(r for r in response.context["rows"] if r["scope"].user.username == "t_ninhson")
        assert row["suggested"] == khanh_hoa

    def test_moving_an_official_changes_their_scope_and_is_audited(self, units, users, khanh_hoa, client_for):
        commune = Unit.objects.filter(structure=Structure.NEW, parent=khanh_hoa).order_by("code").first()
        scope = Scope.objects.get(user=users.official_a)
        response = client_for(users.admin).post(
            reverse("reassign_scope", args=[scope.pk]), {f"s{scope.pk}-unit": commune.pk})
        assert response.status_code == 302
        scope.refresh_from_db()
        assert scope.unit == commune
        entry = LogEntry.objects.get_for_object(scope).latest("timestamp")
        assert entry.actor == users.admin
        assert entry.changes_dict["unit"] == [str(units.a.pk), str(commune.pk)]
        # The official now sees the new commune and no longer the old district.
        official = type(users.official_a).objects.get(pk=users.official_a.pk)
        assert visible_units(official).filter(pk=commune.pk).exists()
        assert not visible_units(official).filter(pk=units.a.pk).exists()

    def test_a_unit_outside_the_successor_province_is_refused(self, users, khanh_hoa, client_for):
        scope = Scope.objects.get(user=users.official_a)
        response = client_for(users.admin).post(
            reverse("reassign_scope", args=[scope.pk]), {f"s{scope.pk}-unit": scope.unit.pk})
        assert response.status_code == 302
        scope.refresh_from_db()
        assert scope.unit.structure == Structure.LEGACY

    def test_only_administrators_see_the_screen(self, users, khanh_hoa, client_for):
        scope = Scope.objects.get(user=users.official_a)
        for user in (users.province, users.official_a, users.viewer, users.nobody):
            client = client_for(user)
            assert client.get(reverse("dissolved_scopes")).status_code == 404
            assert client.post(reverse("reassign_scope", args=[scope.pk]), {}).status_code == 404
