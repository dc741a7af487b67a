"""Progress screens and the export_progress command: numbers on screen, scope, bad input."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from portal.models import JobStatus, ReportJob
from tests.reports.progress_data import approved_figures, h1_2021_dataset, unit

pytestmark = pytest.mark.django_db


def h1(unit_pk: int, **extra) -> dict:
    return {"unit": unit_pk, "period": "h1", "year": 2021, "source": "registry", **extra}


class ProgressFormTests:
    def test_the_form_defaults_to_the_users_unit(self, users, units, client_for):
        response = client_for(users.official_a).get(reverse("progress:form"))
        assert response.status_code == 200
        assert response.context["form"].initial["unit"] == units.a
        assert list(response.context["form"].fields["unit"].queryset.values_list("code", flat=True))[0] == "585"

    def test_running_the_report_goes_through_a_job_to_the_table_and_the_workbook(
            self, eager, users, units, client_for, django_capture_on_commit_callbacks):
        h1_2021_dataset()
        client = client_for(users.province)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("progress:form"), h1(units.province.pk))
        job = ReportJob.objects.get()
        assert job.status == JobStatus.DONE, job.error
        # The test runs the on-commit callbacks after the view, as a worker would: the job was still pending.
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
        assert reverse("progress:result", args=[job.pk]) in page
        result = client.get(reverse("progress:result", args=[job.pk]))
        html = result.content.decode()
        assert "Trong 6 tháng đầu năm 2021, toàn tỉnh đã đưa 22 lao động" in html
        assert 'data-testid="progress-total"' in html and "14,7%" in html and "40,0%" in html
        download = client.get(reverse("jobs:download", args=[job.pk]))
        assert load_workbook(io.BytesIO(b"".join(download.streaming_content)))["Tổng hợp"]["A2"].value.startswith(
            "Đơn vị: Tỉnh Ninh Thuận")

    @pytest.mark.parametrize("target", ["b", "province"])
    def test_an_official_cannot_run_the_report_for_another_unit_or_above(self, eager, users, units, client_for,
                                                                         target):
        response = client_for(users.official_a).post(reverse("progress:form"), h1(getattr(units, target).pk))
        assert response.status_code == 404
        assert not ReportJob.objects.exists()

    def test_bad_dates_show_an_error_beside_the_field_and_start_nothing(self, eager, users, units, client_for):
        data = {"unit": units.a.pk, "period": "range", "date_from": "15/05/2021", "date_to": "01/03/2021",
                "source": "registry"}
        response = client_for(users.official_a).post(reverse("progress:form"), data)
        assert response.status_code == 200
        assert "date_to" in response.context["form"].errors
        us_style = client_for(users.official_a).post(reverse("progress:form"), {**data, "date_from": "05/30/2021"})
        assert "date_from" in us_style.context["form"].errors
        no_year = client_for(users.official_a).post(reverse("progress:form"), h1(units.a.pk, year=""))
        assert "year" in no_year.context["form"].errors
        assert not ReportJob.objects.exists()

    def test_leadership_may_run_reports_they_only_read(self, eager, users, units, client_for,
                                                       django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(users.viewer).post(reverse("progress:form"), h1(units.province.pk))
        assert response.status_code == 302
        assert ReportJob.objects.get().status == JobStatus.DONE

    def test_a_user_without_a_unit_can_run_nothing(self, eager, users, units, client_for):
        client = client_for(users.nobody)
        assert not client.get(reverse("progress:form")).context["form"].fields["unit"].queryset.exists()
        assert client.post(reverse("progress:form"), h1(units.a.pk)).status_code == 404

    def test_run_in_process_the_report_goes_straight_to_the_table(self, eager, users, units, client_for, monkeypatch):
        from portal import jobs

        # Outside a test's transaction (a request in autocommit) on_commit runs at once.
        monkeypatch.setattr(jobs.transaction, "on_commit", lambda func, **kwargs: func())
        response = client_for(users.official_a).post(reverse("progress:form"), h1(units.a.pk))
        job = ReportJob.objects.get()
        assert job.status == JobStatus.DONE
        assert response.url == reverse("progress:result", args=[job.pk])

    def test_the_result_of_a_job_still_running_redirects_to_the_job_page(self, users, units, client_for):
        job = ReportJob.objects.create(kind="progress", user=users.official_a, unit=units.a)
        response = client_for(users.official_a).get(reverse("progress:result", args=[job.pk]))
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])


class ReconciliationViewTests:
    def test_it_highlights_the_months_that_differ(self, users, units, client_for, django_assert_max_num_queries):
        h1_2021_dataset()
        approved_figures(unit("585"), dt.date(2021, 1, 1), departed=6)
        approved_figures(unit("585"), dt.date(2021, 2, 1), departed=2)
        client = client_for(users.province)
        with django_assert_max_num_queries(15):
            response = client.get(reverse("progress:reconciliation"),
                                  {"unit": units.province.pk, "period": "h1", "year": 2021})
        html = response.content.decode()
        assert response.status_code == 200
        lines = {(line["code"], line["month_label"]): line for line in response.context["lines"]}
        assert lines[("585", "01/2021")]["flagged"] is False
        assert (lines[("585", "02/2021")]["difference"], lines[("585", "02/2021")]["flagged"]) == (1, True)
        assert response.context["flagged"] == sum(1 for line in lines.values() if line["flagged"])
        assert 'data-flagged="1"' in html

    def test_an_official_compares_their_own_unit(self, users, units, client_for):
        response = client_for(users.official_a).get(reverse("progress:reconciliation"),
                                                    {"unit": units.a.pk, "period": "q1", "year": 2021})
        assert response.status_code == 200 and response.context["lines"] is not None

    def test_another_units_official_gets_404(self, users, units, client_for):
        response = client_for(users.official_a).get(reverse("progress:reconciliation"),
                                                    {"unit": units.b.pk, "period": "h1", "year": 2021})
        assert response.status_code == 404


class ExportProgressCommandTests:
    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with translation.override("en"):  # the errors are matched in English below
            call_command("export_progress", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_writes_the_workbook_and_prints_the_sentence(self, eager, users, units, tmp_path):
        h1_2021_dataset()
        target = tmp_path / "tien-do.xlsx"
        out, _err = self.run("--out", str(target), "--year", "2021", "--period", "h1", "--unit", "58")
        assert out.strip().startswith("Trong 6 tháng đầu năm 2021, toàn tỉnh đã đưa 22 lao động")
        wb = load_workbook(target)
        assert wb.sheetnames == ["Tổng hợp", "Thị trường", "Chờ xuất cảnh", "Mục tiêu", "Đối chiếu", "Nhận xét"]
        assert ReportJob.objects.get().status == JobStatus.DONE

    def test_a_date_range_and_a_users_scope(self, eager, users, units, tmp_path):
        h1_2021_dataset()
        out, _err = self.run("--out", str(tmp_path / "x.xlsx"), "--from", "01/01/2021", "--to", "31/03/2021",
                             "--user", users.official_a.username)
        assert out.strip().startswith("Từ 01/01/2021 đến 31/03/2021, toàn huyện đã đưa 10 lao động")

    @pytest.mark.parametrize(("args", "message"), [
        (["--year", "2021", "--unit", "999"], "Unknown unit"),
        (["--from", "15/05/2021", "--to", "01/03/2021"], "after the end date"),
        (["--year", "2021", "--period", "h3"], "Unknown period"),
        (["--from", "05/30/2021", "--to", "06/30/2021"], "dd/mm/yyyy"),
        (["--year", "2021", "--source", "rumours"], "Unknown source"),
        (["--year", "2021", "--unit", "584", "--user", "t_ninhson"], "outside the scope"),
    ])
    def test_a_bad_argument_gives_one_clear_error(self, eager, users, units, tmp_path, args, message):
        with pytest.raises(CommandError, match=message):
            self.run("--out", str(tmp_path / "x.xlsx"), *args)
        assert not ReportJob.objects.exists()


class NationalScopeTests:
    """Issue 21: without --unit an administrator reports on the whole country, said in the sentence."""

    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with translation.override("en"):
            call_command("export_progress", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_without_unit_an_administrator_gets_the_whole_country(self, eager, users, units, tmp_path):
        h1_2021_dataset()
        out, _err = self.run("--out", str(tmp_path / "vn.xlsx"), "--year", "2021", "--period", "h1")
        # The whole country holds the province's 22 departures (the dataset has no other province's).
        assert out.strip().startswith("Trong 6 tháng đầu năm 2021, toàn quốc đã đưa 22 lao động")
        job = ReportJob.objects.get()
        assert job.unit is None and job.params["structure"] == "legacy"
        assert job.report_unit.name == "Toàn quốc"
        assert load_workbook(tmp_path / "vn.xlsx")["Tổng hợp"]["A2"].value.startswith("Đơn vị: Toàn quốc")

    def test_the_structure_names_the_country(self, eager, users, units, tmp_path):
        h1_2021_dataset()
        out, _err = self.run("--out", str(tmp_path / "vn.xlsx"), "--year", "2021", "--period", "h1",
                             "--structure", "2025")
        assert "toàn quốc" in out
        assert ReportJob.objects.get().params["structure"] == "2025"

    def test_an_official_without_unit_still_gets_their_own(self, eager, users, units, tmp_path):
        h1_2021_dataset()
        out, _err = self.run("--out", str(tmp_path / "x.xlsx"), "--year", "2021", "--period", "h1",
                             "--user", users.official_a.username)
        assert "toàn huyện" in out and "toàn quốc" not in out

    def test_a_national_job_is_invisible_to_officials(self, eager, users, units, tmp_path, client_for):
        h1_2021_dataset()
        self.run("--out", str(tmp_path / "vn.xlsx"), "--year", "2021", "--period", "h1")
        job = ReportJob.objects.get()
        assert client_for(users.official_a).get(reverse("jobs:detail", args=[job.pk])).status_code == 404
        assert client_for(users.province).get(reverse("progress:result", args=[job.pk])).status_code == 404


class UnitPickerTests:
    """Issue 21: the progress form searches units as you type (a scoped JSON endpoint) instead of listing them."""

    def test_the_form_renders_no_list_of_units(self, users, units, client_for):
        html = client_for(users.admin).get(reverse("progress:form")).content.decode()
        assert "<option" not in html.split('data-unit-picker')[1].split("</div>")[0]
        assert "Huyện Ninh Sơn" not in html and 'value="national:' in html  # the admin starts from the country
        assert "js/unit_picker.js" in html

    def test_search_ignores_accents_and_case_and_stays_in_scope(self, users, units, client_for):
        results = client_for(users.official_b).get(reverse("progress:units"), {"q": "bac ai"}).json()["results"]
        assert [r["id"] for r in results] == [str(units.b.pk)]
        assert client_for(users.official_b).get(reverse("progress:units"), {"q": "ninh son"}).json()["results"] == []
        province = client_for(users.province).get(reverse("progress:units"), {"q": "NINH SƠN"}).json()["results"]
        assert str(units.a.pk) in [r["id"] for r in province]

    def test_only_an_administrator_is_offered_the_country(self, users, units, client_for):
        admin = client_for(users.admin).get(reverse("progress:units"), {"q": "toan quoc", "national": "1"}).json()
        assert [r["id"] for r in admin["results"]] == ["national:legacy", "national:2025"]
        official = client_for(users.province).get(reverse("progress:units"), {"q": "", "national": "1"}).json()
        assert not any(r["id"].startswith("national:") for r in official["results"])
        assert len(official["results"]) == 20  # at most twenty, whatever the scope

    def test_an_administrator_runs_the_national_report_from_the_form(
            self, eager, users, units, client_for, django_capture_on_commit_callbacks):
        h1_2021_dataset()
        client = client_for(users.admin)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("progress:form"), h1("national:legacy"))
        job = ReportJob.objects.get()
        assert response.status_code == 302 and job.unit is None and job.status == JobStatus.DONE, job.error
        html = client.get(reverse("progress:result", args=[job.pk])).content.decode()
        assert "toàn quốc đã đưa 22 lao động" in html

    def test_an_official_posting_the_country_gets_404(self, users, units, client_for):
        response = client_for(users.province).post(reverse("progress:form"), h1("national:legacy"))
        assert response.status_code == 404 and not ReportJob.objects.exists()

    def test_a_bad_national_value_is_a_form_error(self, users, units, client_for):
        response = client_for(users.admin).post(reverse("progress:form"), h1("national:mars"))
        assert response.status_code == 200 and response.context["form"].errors["unit"]
        assert not ReportJob.objects.exists()

    def test_the_review_document_is_not_offered_for_the_whole_country(self, users, units, client_for):
        response = client_for(users.admin).post(reverse("progress:form"), {**h1("national:legacy"), "output": "review"})
        assert response.status_code == 200 and response.context["form"].errors["unit"]
        assert not ReportJob.objects.exists()
