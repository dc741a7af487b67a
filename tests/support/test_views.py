from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from support import services
from support.models import ItemKind, Loan, LoanStatus, Payment, PaymentLine
from tests.export_helpers import export_response, run_export
from tests.support.factories import D, make_policy


@pytest.fixture
def paid(support):
    """A payment and a loan of ``poor_a`` (Ninh Sơn)."""
    payment = services.payment_record(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 3, 2),
                                      decision_no="12/QĐ-UBND", lines=[(support.language, 3_400_000)])
    loan = services.loan_record(user=None, worker=support.poor_a, amount=100_000_000, date=D(2026, 2, 1),
                                term_months=36)
    return payment, loan


def write_urls(worker, loan):
    return [reverse("support:payment_create", args=[worker.pk]), reverse("support:loan_create", args=[worker.pk]),
            reverse("support:loan_status", args=[loan.pk])]


def payment_post(policy, lines, *, date="02/03/2026", decision="15/QĐ-UBND"):
    data = {"policy": policy.pk, "date": date, "decision_no": decision, "lines-TOTAL_FORMS": "4",
            "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "7"}
    for index, (kind, amount) in enumerate(lines):
        data[f"lines-{index}-kind"], data[f"lines-{index}-amount"] = kind, amount
    return data


class SupportScopeTests:
    def test_another_units_official_gets_404_on_every_support_page_of_unit_a(self, paid, support, units, users,
                                                                             client_for):
        _payment, loan = paid
        district_policy = make_policy(code="NS-ONLY", unit=units.a, items={ItemKind.TRAVEL: 1_000_000}, budgets={})
        client = client_for(users.official_b)
        for url in [*write_urls(support.poor_a, loan), reverse("support:policy_detail", args=[district_policy.pk])]:
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url
        assert client_for(users.official_a).get(
            reverse("support:policy_detail", args=[district_policy.pk])).status_code == 200
        # The province's policies are everyone's below it.
        assert client.get(reverse("support:policy_detail", args=[support.poverty.pk])).status_code == 200

    def test_lists_summaries_and_exports_show_only_the_users_units(self, paid, support, units, users, client_for):
        client = client_for(users.official_b)
        for name in ("support:payment_list", "support:loan_list", "support:summary"):
            body = client.get(reverse(name)).content.decode()
            assert "Nguyễn Văn Nghèo" not in body and "3.400.000 đ" not in body, name
            assert client.get(reverse(name), {"unit": units.a.pk}).status_code == 404, name
        assert client.get(reverse("support:summary_export"), {"unit": units.a.pk}).status_code == 404
        body = client_for(users.official_a).get(reverse("support:payment_list")).content.decode()
        assert "Nguyễn Văn Nghèo" in body and "3.400.000 đ" in body

    def test_a_viewer_reads_but_cannot_write(self, paid, support, users, client_for):
        _payment, loan = paid
        client = client_for(users.viewer)
        urls = write_urls(support.poor_a, loan) + [reverse(n) for n in (
            "support:payment_import", "support:loan_import", "support:payment_import_template",
            "support:loan_import_template")]
        for url in urls:
            assert client.get(url).status_code == 403, url
            assert client.post(url).status_code == 403, url
        for name in ("support:payment_list", "support:loan_list", "support:summary", "support:policy_list"):
            assert client.get(reverse(name)).status_code == 200, name
        assert Payment.objects.count() == 1 and Loan.objects.get().status == LoanStatus.DISBURSED


class PaymentFormTests:
    def test_items_and_amounts_are_saved_in_one_form(self, support, users, client_for):
        url = reverse("support:payment_create", args=[support.poor_a.pk])
        assert client_for(users.official_a).get(url).status_code == 200
        response = client_for(users.official_a).post(url, payment_post(
            support.poverty, [(ItemKind.LANGUAGE, "3.400.000"), (ItemKind.HEALTH, "700000")]))
        assert response.status_code == 302
        payment = Payment.objects.get()
        assert sorted(payment.lines.values_list("amount", flat=True)) == [700_000, 3_400_000]
        assert payment.created_by == users.official_a

    def test_an_amount_over_the_cap_is_explained_and_nothing_is_saved(self, support, users, client_for):
        url = reverse("support:payment_create", args=[support.poor_a.pk])
        response = client_for(users.official_a).post(url, payment_post(support.poverty, [(ItemKind.LANGUAGE, "6.000.001")]))
        assert response.status_code == 200
        assert "6.000.000 đ" in response.content.decode()
        assert not Payment.objects.exists()

    def test_bad_input_shows_beside_the_field(self, support, users, client_for):
        url = reverse("support:payment_create", args=[support.poor_a.pk])
        client = client_for(users.official_a)
        response = client.post(url, payment_post(support.poverty, [(ItemKind.LANGUAGE, "ba triệu")], date="03/15/2026"))
        form, lines = response.context["form"], response.context["lines"]
        assert "date" in form.errors and "amount" in lines.forms[0].errors
        response = client.post(url, payment_post(support.poverty, [(ItemKind.TRAVEL, "1.000.000")]))
        assert "policy" in response.context["form"].errors  # the policy does not pay travel
        response = client.post(url, payment_post(support.poverty, []))
        assert response.context["lines"].non_form_errors()
        assert not PaymentLine.objects.exists()


class LoanFormTests:
    def test_a_loan_is_recorded_and_its_status_changed(self, support, users, client_for):
        client = client_for(users.official_a)
        response = client.post(reverse("support:loan_create", args=[support.poor_a.pk]), {
            "amount": "120.000.000", "date": "01/02/2026", "term_months": "36", "purpose": "Đi Nhật",
            "status": LoanStatus.DISBURSED, "bank_reference": "NHCS-1"})
        assert response.status_code == 302
        loan = Loan.objects.get()
        assert (loan.amount, loan.term_months) == (120_000_000, 36)
        response = client.post(reverse("support:loan_status", args=[loan.pk]), {"status": LoanStatus.REPAYING})
        assert response.status_code == 302
        loan.refresh_from_db()
        assert loan.status == LoanStatus.REPAYING
        response = client.post(reverse("support:loan_status", args=[loan.pk]), {"status": LoanStatus.APPLIED})
        assert response.status_code == 200 and response.context["form"].errors["status"]

    def test_an_ineligible_worker_and_bad_input_are_refused(self, support, users, client_for):
        client = client_for(users.official_a)
        response = client.post(reverse("support:loan_create", args=[support.kinh_a.pk]), {
            "amount": "120.000.000", "date": "01/02/2026", "term_months": "36", "status": LoanStatus.DISBURSED})
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        response = client.post(reverse("support:loan_create", args=[support.poor_a.pk]), {
            "amount": "một trăm", "date": "2026-02-01", "term_months": "0", "status": LoanStatus.DISBURSED})
        assert {"amount", "date", "term_months"} <= set(response.context["form"].errors)
        assert not Loan.objects.exists()


class WorkerPageTests:
    def test_the_workers_page_shows_what_they_received(self, paid, support, users, client_for):
        body = client_for(users.official_a).get(reverse("workers:worker_detail", args=[support.poor_a.pk])).content.decode()
        assert 'data-testid="support-received"' in body
        assert "3.400.000 đ" in body and "100.000.000 đ" in body and "12/QĐ-UBND" in body


class PolicyPageTests:
    def test_the_policy_pages_show_the_budget_used(self, paid, support, users, client_for):
        client = client_for(users.official_a)
        body = client.get(reverse("support:policy_list")).content.decode()
        assert "GNBV" in body and "DTTS" in body
        body = client.get(reverse("support:policy_detail", args=[support.poverty.pk])).content.decode()
        assert "10.000.000 đ" in body and "3.400.000 đ" in body and "6.600.000 đ" in body and "34,0%" in body


class ListQueryTests:
    def test_lists_use_a_fixed_number_of_queries(self, support, users, client_for, make_worker, units,
                                                 django_assert_max_num_queries):
        from workers.models import HouseholdStatus

        near = HouseholdStatus.objects.get(code="near_poor")
        for n in range(12):
            worker = make_worker(units.commune_a, full_name=f"Người Vay {n}", household_statuses=[near])
            services.payment_record(user=None, worker=worker, policy=support.poverty, date=D(2026, 3, 2),
                                    decision_no=f"{n}/QĐ", lines=[(support.health, 500_000)])
            services.loan_record(user=None, worker=worker, amount=50_000_000, date=D(2026, 2, 1), term_months=24)
        client = client_for(users.official_a)
        for name in ("support:payment_list", "support:loan_list", "support:policy_list", "support:summary"):
            with django_assert_max_num_queries(13):
                response = client.get(reverse(name))
            assert response.status_code == 200
        assert "12 " in client.get(reverse("support:loan_list")).content.decode()


class SummaryExportTests:
    def test_the_excel_file_holds_the_screens_figures(self, paid, units, users, client_for):
        response = export_response(client_for(users.province), reverse("support:summary_export"),
                                   {"date_from": "01/01/2026", "date_to": "30/06/2026"})
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'ho-tro-{units.province.code}-20260101-20260630.xlsx"')
        workbook = load_workbook(io.BytesIO(response.content_bytes))
        sheet = workbook.worksheets[0]
        rows = [row for row in sheet.iter_rows(values_only=True)]
        total = next(r for r in rows if r[1] == "Tổng cộng")
        assert total[2] == 1 and total[-4] == 3_400_000 and total[-3:] == (1, 1, 100_000_000)
        ninh_son = next(r for r in rows if r[0] == units.a.code)
        assert ninh_son[2] == 1
        budgets = list(workbook.worksheets[1].iter_rows(values_only=True))
        gnbv = next(r for r in budgets if r[0] == "GNBV")
        assert (gnbv[2], gnbv[3], gnbv[4], gnbv[5], gnbv[6]) == (2026, 10_000_000, 3_400_000, 6_600_000, 3_400_000)


    def test_the_request_answers_with_the_job_and_the_job_applies_the_users_scope_again(self, paid, units, users,
                                                                                       client_for):
        from portal.models import ReportJob

        params = {"date_from": "01/01/2026", "date_to": "30/06/2026"}
        response = client_for(users.official_b).get(reverse("support:summary_export"), params)
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.kind, job.params["export"], job.unit) == ("export", "support_summary", units.b)
        # Bác Ái's own summary: nothing of Ninh Sơn's payment or loan.
        download = export_response(client_for(users.official_b), reverse("support:summary_export"), params)
        assert download["Content-Disposition"].endswith(f'ho-tro-{units.b.code}-20260101-20260630.xlsx"')
        rows = list(load_workbook(io.BytesIO(download.content_bytes)).worksheets[0].iter_rows(values_only=True))
        total = next(r for r in rows if r[1] == "Tổng cộng")
        assert total[2] == 0 and total[-4] == 0 and units.a.code not in [r[0] for r in rows]
        # A job that names Ninh Sơn for Bác Ái's official (a scope taken away since, a query tampered with) fails
        # with no file.
        job = run_export(users.official_b, units.b, "support_summary", {"unit": [str(units.a.pk)]})
        assert (job.status, job.file.name, job.error) == ("failed", "", "Đơn vị này nằm ngoài phạm vi của bạn.")


class PolicyAdminTests:
    def test_administrators_edit_policies_with_their_items_and_budgets(self, support, users, client_for):
        client = client_for(users.admin)
        assert client.get(reverse("admin:support_policy_changelist")).status_code == 200
        assert client.get(reverse("admin:support_policy_change", args=[support.poverty.pk])).status_code == 200
        assert client.get(reverse("admin:support_loaneligibility_changelist")).status_code == 200
        assert client_for(users.province).get(reverse("admin:support_policy_changelist")).status_code == 302


class AuditTests:
    def test_payments_and_loans_are_in_the_audit_trail_with_their_author(self, support, users, client_for):
        from auditlog.models import LogEntry

        client = client_for(users.official_a)
        client.post(reverse("support:payment_create", args=[support.poor_a.pk]),
                    payment_post(support.poverty, [(ItemKind.LANGUAGE, "1.000.000")]))
        client.post(reverse("support:loan_create", args=[support.poor_a.pk]), {
            "amount": "10.000.000", "date": "01/02/2026", "term_months": "12", "status": LoanStatus.DISBURSED})
        models = set(LogEntry.objects.filter(actor=users.official_a).values_list("content_type__model", flat=True))
        assert {"payment", "paymentline", "loan"} <= models
