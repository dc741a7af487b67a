"""Reference data on the portal's screens: countries and programmes (national administrator), IM Japan present,
enterprises with the date and decision of each change of status; every change audited."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from workers.models import Country, Programme

pytestmark = pytest.mark.django_db


class ReferenceScreenTests:
    def test_im_japan_is_a_programme_after_japans_technical_intern_training(self, reference):
        codes = list(Programme.objects.filter(country__code="JP").order_by("order", "code").values_list("code", flat=True))
        assert codes.index("JP-IM") == codes.index("JP-TITP") + 1

    def test_the_national_administrator_adds_a_programme_with_its_vietnamese_name_and_order(self, users, client_for,
                                                                                           reference):
        client = client_for(users.admin)
        response = client.post(reverse("workers:programme_create"), {
            "code": "jp-care", "name_vi": "  Điều dưỡng   Nhật Bản ", "name_en": "Japan care worker",
            "country": Country.objects.get(code="JP").pk, "order": "3"})
        assert response.status_code == 302
        programme = Programme.objects.get(code="JP-CARE")
        assert (programme.name_vi, programme.order) == ("Điều dưỡng Nhật Bản", 3)
        assert LogEntry.objects.get_for_object(programme).get().actor == users.admin
        client.post(reverse("workers:programme_edit", args=[programme.pk]), {
            "code": "CHANGED", "name_vi": "Hộ lý Nhật Bản", "name_en": "Japan care worker",
            "country": programme.country_id, "order": "4"})
        programme.refresh_from_db()
        assert (programme.code, programme.name_vi, programme.order) == ("JP-CARE", "Hộ lý Nhật Bản", 4)

    def test_a_country_code_taken_is_refused(self, users, client_for, reference):
        response = client_for(users.admin).post(reverse("workers:country_create"), {
            "code": "jp", "name_vi": "Nhật", "name_en": "Japan", "order": "0"})
        assert "code" in response.context["form"].errors
        assert Country.objects.filter(code="JP").count() == 1

    def test_provincial_staff_read_the_lists_and_only_the_national_administrator_edits_them(
            self, users, client_for, reference):
        japan = Country.objects.get(code="JP")
        page = client_for(users.province).get(reverse("workers:reference"))
        assert page.status_code == 200 and "JP-IM" in page.content.decode()
        assert reverse("workers:country_edit", args=[japan.pk]) not in page.content.decode()
        for role in ("province", "official_a", "viewer"):
            client = client_for(getattr(users, role))
            assert client.post(reverse("workers:country_edit", args=[japan.pk]), {
                "name_vi": "Đổi", "name_en": "X", "order": "0"}).status_code == 404
        assert client_for(users.official_a).get(reverse("workers:reference")).status_code == 403
        japan.refresh_from_db()
        assert japan.name_vi == "Nhật Bản"


class EnterpriseHistoryTests:
    def test_the_list_shows_since_when_and_by_which_decision(self, users, client_for):
        client = client_for(users.province)
        client.post(reverse("workers:enterprise_create"), {
            "name": "Công ty A", "licence_no": "A-1/GP", "licence_date": "01/02/2020", "status": "active"})
        from workers.models import Enterprise

        enterprise = Enterprise.objects.get(licence_no="A-1/GP")
        client.post(reverse("workers:enterprise_edit", args=[enterprise.pk]), {
            "name": "Công ty A", "licence_no": "A-1/GP", "licence_date": "01/02/2020", "status": "suspended",
            "status_date": "10/10/2026", "status_decision": "45/QĐ-QLLĐNN"})
        html = client_for(users.official_a).get(reverse("workers:enterprise_list")).content.decode()
        assert "10/10/2026" in html and "45/QĐ-QLLĐNN" in html
        edit = client.get(reverse("workers:enterprise_edit", args=[enterprise.pk]))
        assert [h.to_status for h in edit.context["history"]] == ["active", "suspended"]

    def test_a_change_dated_before_the_last_one_or_in_the_future_is_refused(self, users, enterprises):
        import datetime as dt

        from django.core.exceptions import ValidationError

        from workers import services

        e = enterprises.active
        services.enterprise_save(user=users.province, enterprise=e, name=e.name, licence_no=e.licence_no,
                                 licence_date=None, status="suspended", status_date=dt.date(2026, 5, 1),
                                 status_decision="QĐ 1")
        with pytest.raises(ValidationError, match="01/05/2026"):
            services.enterprise_save(user=users.province, enterprise=e, name=e.name, licence_no=e.licence_no,
                                     licence_date=None, status="active", status_date=dt.date(2026, 4, 1),
                                     status_decision="QĐ 2")
        with pytest.raises(ValidationError):
            services.enterprise_save(user=users.province, enterprise=e, name=e.name, licence_no=e.licence_no,
                                     licence_date=None, status="active", status_date=dt.date(2099, 1, 1),
                                     status_decision="QĐ 2")
        e.refresh_from_db()
        assert e.status == "suspended" and e.status_changes.count() == 1
