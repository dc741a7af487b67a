"""Hardening 2 (issue 20): the inputs a probe of the running portal crashed, the page that showed personal data to
the viewer, the exports that were not logged, the messages that told an official about another unit, and the
bounds in one place (``portal.bounds``) that forms, imports and filters share."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import Workbook

from outreach import services as outreach_services
from outreach.models import Kind
from portal import bounds
from portal.forms import HamletForm, VNDateField, VNIntegerField, YearField
from portal.models import Unit
from portal.xlsx import ImportRejected
from targets.models import Quota
from tests.export_helpers import export_response
from workers.models import AccessKind, AccessLog

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class BoundsTests:
    def test_integer_fields_refuse_what_no_column_holds(self):
        field = VNIntegerField()
        assert field.clean("2.147.483.647") == bounds.INTEGER_MAX
        for text in ("99999999999999999999", "2147483648", "-2147483649"):
            with pytest.raises(ValidationError) as exc:
                field.clean(text)
            assert exc.type.__name__ == "ValidationError"

    def test_a_count_of_people_and_an_amount_have_their_own_ceiling(self):
        assert bounds.int_problem(10_000_000, bounds.PEOPLE) is None
        assert bounds.int_problem(10_000_001, bounds.PEOPLE)
        assert bounds.int_problem(10**15, bounds.AMOUNT) is None
        assert bounds.int_problem(10**15 + 1, bounds.AMOUNT)
        assert bounds.int_problem(-1, bounds.PEOPLE)

    def test_years_run_from_1990_to_next_year_plus_ten(self):
        field = YearField()
        last = dt.date.today().year + 11
        assert field.clean("1990") == 1990 and field.clean(str(last)) == last
        for text in ("0", "1", "1989", str(last + 1), "9999", "10000"):
            with pytest.raises(ValidationError):
                field.clean(text)
        assert bounds.param_year("10000") is None and bounds.param_year("9999999999") is None
        assert bounds.param_year("²⁰²⁶") is None and bounds.param_year("2026") == 2026

    def test_dates_are_bounded_and_impossible_dates_refused(self):
        field, period = VNDateField(), VNDateField(period=True)
        assert field.clean("12/04/1950") == dt.date(1950, 4, 12)
        for text in ("31/12/9999", "01/01/0001", "31/02/2026", "29/02/2025", "01/01/1899"):
            with pytest.raises(ValidationError):
                field.clean(text)
        with pytest.raises(ValidationError):
            period.clean("31/12/1989")
        assert bounds.param_date("31/12/9999") is None

    def test_ids_from_the_query_string(self):
        assert bounds.param_id("42") == 42
        for text in ("", "0", "-5", "abc", "٣", "²", "99999999999999999999", "1\x00"):
            assert bounds.param_id(text) is None


    def test_search_text_loses_nul_characters_and_is_cut(self):
        assert bounds.param_text("  ab\x00cd  ") == "abcd"
        assert len(bounds.param_text("x" * 10_000)) == 200


class ProbeInstancesTests:
    """The three 500s of the probe."""

    def test_a_quota_too_large_for_the_column_is_a_message_not_a_crash(self, units, users, client_for):
        url = f"{reverse('targets:quota_table')}?parent={units.province.pk}&year=2026"
        data = {f"u{child.pk}": "" for child in units.province.children.all()}
        data[f"u{units.a.pk}"] = "99999999999999999999"
        response = client_for(users.province).post(url, data)
        assert response.status_code == 200
        assert f"u{units.a.pk}" in response.context["form"].errors
        assert not Quota.objects.exists()

    def test_the_quota_service_refuses_a_quota_beyond_ten_million_people(self, units, users):
        from targets.services import quota_set

        with pytest.raises(ValidationError) as exc:
            quota_set(user=users.province, unit=units.a, year=2026, target=2**31)
        assert "target" in exc.value.message_dict
        with pytest.raises(ValidationError):
            quota_set(user=users.province, unit=units.a, year=10000, target=5)
        assert not Quota.objects.exists()

    def test_the_quota_import_reports_a_huge_target_on_its_row(self, units, users):
        from targets.importers import import_quotas

        with pytest.raises(ImportRejected) as exc:
            import_quotas(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], [units.a.code, 2026, "99999999999999999999"]]),
                          user=users.province)
        assert exc.value.errors[0].row == 2
        assert not Quota.objects.exists()

    @pytest.mark.parametrize("year", ["10000", "9999999999", "0", "²⁰²⁶", "-1"])
    def test_the_campaign_list_ignores_a_year_out_of_range(self, users, client_for, year):
        assert client_for(users.province).get(reverse("outreach:campaign_list"), {"year": year}).status_code == 200
        assert client_for(users.province).get(reverse("outreach:index"), {"year": year}).status_code == 200

    def test_the_reconciliation_refuses_a_period_ending_in_9999(self, units, users, client_for):
        response = client_for(users.province).get(reverse("progress:reconciliation"), {
            "unit": units.province.pk, "period": "range", "date_from": "01/01/2026", "date_to": "31/12/9999"})
        assert response.status_code == 200
        assert "date_to" in response.context["form"].errors

    def test_the_progress_form_refuses_a_period_from_year_one(self, units, users, client_for):
        response = client_for(users.province).post(reverse("progress:form"), {
            "unit": units.province.pk, "period": "range", "date_from": "01/01/0001", "date_to": "31/12/2026",
            "source": "registry"})
        assert response.status_code in (200, 302)
        from portal.models import ReportJob

        assert not ReportJob.objects.exists()


class HamletCodeTests:
    @pytest.mark.parametrize("code", ["-5", "abc", "2025-02-31", "58501", "TH 01", "TH01\x00", "", "A" * 11 + "1"])
    def test_a_hamlet_code_is_letters_then_digits(self, units, code):
        form = HamletForm({"parent": units.commune_a.pk, "code": code, "name": "Thôn Mới"},
                          parents=Unit.objects.all())
        assert not form.is_valid() and "code" in form.errors

    def test_a_good_code_is_kept_in_capitals(self, units, users, client_for):
        client_for(users.official_a).post(reverse("hamlet_create"),
                                          {"parent": units.commune_a.pk, "code": " th07 ", "name": "Thôn Bảy"})
        assert Unit.objects.filter(code="TH07", parent=units.commune_a).exists()


class PersonalDataTests:
    @pytest.fixture
    def fair(self, users, units):
        return outreach_services.activity_record(
            user=users.official_a, unit=units.commune_a, kind=Kind.JOB_FAIR, date=dt.date(2026, 3, 10),
            name="Phiên giao dịch việc làm", attendees=10)

    def test_the_viewer_sees_leads_masked_on_the_activity_page(self, users, fair, client_for):
        outreach_services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn A",
                                      phone="0912345678", citizen_id="058095000123")
        viewer = client_for(users.viewer).get(reverse("outreach:activity_detail", args=[fair.pk])).content.decode()
        assert "0912345678" not in viewer and "058095000123" not in viewer
        assert "••••••5678" in viewer and "••••••••0123" in viewer
        official = client_for(users.official_a).get(reverse("outreach:activity_detail", args=[fair.pk]))
        assert "0912345678" in official.content.decode()

    def test_the_worker_export_is_in_the_access_log_with_filter_and_rows(self, users, units, make_worker,
                                                                         client_for):
        make_worker(unit=units.commune_a)
        make_worker(unit=units.commune_a)
        response = export_response(client_for(users.official_a), reverse("workers:worker_export"),
                                   {"status": "registered"})
        assert response.status_code == 200  # the export runs as a job: it is logged when the job writes it
        entry = AccessLog.objects.get(kind=AccessKind.EXPORT)
        assert (entry.user, entry.rows, entry.worker) == (users.official_a, 2, None)
        assert "status=registered" in entry.query

    def test_the_viewers_masked_export_is_not_logged_as_full_data(self, users, units, make_worker, client_for):
        make_worker(unit=units.commune_a)
        assert export_response(client_for(users.viewer), reverse("workers:worker_export")).status_code == 200
        assert not AccessLog.objects.filter(kind=AccessKind.EXPORT).exists()

    def test_opening_the_worker_edit_form_is_logged(self, users, units, make_worker, client_for):
        worker = make_worker(unit=units.commune_a)
        assert client_for(users.official_a).get(reverse("workers:worker_edit", args=[worker.pk])).status_code == 200
        entry = AccessLog.objects.get(kind=AccessKind.EDIT)
        assert (entry.worker, entry.unit, entry.user) == (worker, worker.unit, users.official_a)

    def test_the_access_log_page_shows_exports(self, users, units, make_worker, client_for):
        make_worker(unit=units.commune_a)
        export_response(client_for(users.official_a), reverse("workers:worker_export"))
        page = client_for(users.admin).get(reverse("workers:access_log"))
        assert page.status_code == 200 and 'data-testid="export-entry"' in page.content.decode()


class NoOracleTests:
    NOT_FOUND = "Không tìm thấy trong các đơn vị của bạn."

    def test_a_lead_with_another_units_workers_phone_reads_like_an_unknown_phone(self, users, units, make_worker,
                                                                               client_for):
        make_worker(unit=units.commune_b, phone="0987654321")
        fair = outreach_services.activity_record(
            user=users.official_a, unit=units.commune_a, kind=Kind.JOB_FAIR, date=dt.date(2026, 3, 10),
            name="Phiên", attendees=1)
        outreach_services.lead_record(user=users.official_a, activity=fair, full_name="Người Lạ", phone="0987654321")
        outreach_services.lead_record(user=users.official_a, activity=fair, full_name="Người Mới", phone="0911111111")
        page = client_for(users.official_a).get(reverse("outreach:activity_detail", args=[fair.pk])).content.decode()
        assert "ngoài phạm vi" not in page.lower() and "outside your scope" not in page
        rows = [row.split("</tr>")[0] for row in page.split("<tr>") if "Người Lạ" in row or "Người Mới" in row]
        strip = lambda row: re.sub(r"leads/\d+/", "", row.replace("Người Lạ", "X").replace(  # noqa: E731
            "Người Mới", "X").replace("0987654321", "P").replace("0911111111", "P"))
        assert len(rows) == 2 and strip(rows[0]) == strip(rows[1])

    def test_the_worker_import_says_not_found_for_another_units_cccd(self, users, units, make_worker):
        from workers.importers import import_workers

        other = make_worker(unit=units.commune_b)
        row = [other.full_name, other.citizen_id, other.date_of_birth.strftime("%d/%m/%Y"), "Nam",
               units.commune_a.code]
        with pytest.raises(ImportRejected) as exc:
            import_workers(xlsx([["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị"], row]),
                           user=users.official_a)
        assert exc.value.errors[0].message == self.NOT_FOUND

    def test_administrators_still_get_the_real_reason(self, users):
        from django.utils import translation

        from portal.scoping import not_found_in_scope

        with translation.override("vi"):
            assert not_found_in_scope(users.admin, "real reason") == "real reason"
            assert not_found_in_scope(users.official_a, "real reason") == self.NOT_FOUND
