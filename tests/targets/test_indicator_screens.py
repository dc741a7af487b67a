"""The indicators of the monthly report on the portal's screens: the national administrator edits, provincial staff
read, and an indicator is retired rather than deleted."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from targets.models import Indicator

pytestmark = pytest.mark.django_db


class IndicatorScreenTests:
    def test_the_national_administrator_adds_renames_and_retires_an_indicator(self, users, client_for):
        client = client_for(users.admin)
        response = client.post(reverse("targets:indicator_create"), {
            "code": "returned_helped", "name_vi": "Số người về nước được hỗ trợ việc làm", "name_en": "Returnees helped",
            "aggregation": "sum", "order": "95", "active": "on"})
        assert response.status_code == 302
        indicator = Indicator.objects.get(code="returned_helped")
        client.post(reverse("targets:indicator_edit", args=[indicator.pk]), {
            "name_vi": "Người về nước được giới thiệu việc làm", "name_en": "Returnees referred to a job",
            "aggregation": "sum", "order": "96"})
        indicator.refresh_from_db()
        assert (indicator.name_vi, indicator.order, indicator.active) == ("Người về nước được giới thiệu việc làm", 96,
                                                                          False)
        assert LogEntry.objects.get_for_object(indicator).count() == 2

    def test_a_code_taken_is_refused(self, users, client_for):
        Indicator.objects.create(code="x_taken", name_vi="X", name_en="X")
        response = client_for(users.admin).post(reverse("targets:indicator_create"), {
            "code": "x_taken", "name_vi": "Y", "name_en": "Y", "aggregation": "sum", "order": "1"})
        assert "code" in response.context["form"].errors

    def test_provincial_staff_read_the_catalogue_and_cannot_edit_it(self, users, client_for):
        indicator = Indicator.objects.create(code="x_read", name_vi="Đọc", name_en="Read")
        assert client_for(users.province).get(reverse("targets:indicator_list")).status_code == 200
        for role in ("province", "official_a", "viewer"):
            client = client_for(getattr(users, role))
            assert client.post(reverse("targets:indicator_edit", args=[indicator.pk]), {
                "name_vi": "Đổi", "name_en": "C", "aggregation": "sum", "order": "1"}).status_code == 404
        indicator.refresh_from_db()
        assert indicator.name_vi == "Đọc"
