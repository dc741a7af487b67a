"""The screens, as a user drives them: upload → mapping → preview (a job) → answers → save (a job) → roll back (a
job); bad files and bad mappings shown beside their field; history figures entered by hand; scope."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from history.models import BatchStatus, HistoryFigure, ImportBatch
from portal.models import JobStatus, ReportJob
from tests.history.conftest import NINH_SON_2019
from tests.history.sheets import Person, legacy_people_sheet
from workers.models import Worker

pytestmark = pytest.mark.django_db


def xlsx(data: bytes, name: str = "ninh-son-2019.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def run_job(client, response, django_capture_on_commit_callbacks=None):
    job = ReportJob.objects.order_by("-pk").first()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    result = client.get(reverse("history:job_result", args=[job.pk]))
    assert result.status_code == 302
    return result.url


class ImportScreenTests:
    def test_a_legacy_sheet_goes_through_every_screen(self, eager, users, units, reference_data, enterprises,
                                                      client_for, django_capture_on_commit_callbacks):
        client = client_for(users.province)
        assert client.get(reverse("history:upload")).status_code == 200
        people = [*NINH_SON_2019, Person("Ngô Thị Hỏi", dt.date(1994, 9, 9), "Nữ", "264577777", "Xã Không Rõ, Ninh Sơn",
                                         "Nhật Bản", "", dt.date(2019, 7, 7))]
        response = client.post(reverse("history:upload"), {"file": xlsx(legacy_people_sheet(people)),
                                                            "unit": units.province.pk, "sheet": 1})
        batch = ImportBatch.objects.get()
        assert response.url == reverse("history:mapping", args=[batch.pk])
        page = client.get(response.url)
        assert "Ngày tháng năm sinh / Nữ" in page.content.decode()
        data = {"kind": "people", **{f"col_{i}": key for i, key in enumerate(batch.mapping)}, "save_as": "Sổ huyện"}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("history:mapping", args=[batch.pk]), data)
        detail_url = run_job(client, response)
        page = client.get(detail_url)
        html = page.content.decode()
        assert 'data-testid="count-new_workers">5<' in html and 'data-testid="count-errors">1<' in html
        assert 'data-testid="address-questions"' in html and "Xã Không Rõ, Ninh Sơn" in html
        assert 'data-testid="confirm-import"' not in html  # nothing can be saved while an error stands
        lam_son = units.a.children.get(code="22813")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(detail_url, {"address_0": lam_son.pk})
        html = client.get(run_job(client, response)).content.decode()
        assert 'data-testid="count-new_workers">6<' in html and 'data-testid="confirm-import"' in html
        assert not Worker.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("history:confirm", args=[batch.pk]))
        html = client.get(run_job(client, response)).content.decode()
        assert 'data-testid="batch-status">' in html and Worker.objects.count() == 6
        assert ImportBatch.objects.get().status == BatchStatus.COMMITTED
        assert Worker.objects.get(full_name="Ngô Thị Hỏi").unit == lam_son
        again = client.post(reverse("history:confirm", args=[batch.pk]), follow=True)
        assert Worker.objects.count() == 6 and again.status_code == 200
        assert client.get(reverse("history:rollback", args=[batch.pk])).status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("history:rollback", args=[batch.pk]))
        run_job(client, response)
        assert ImportBatch.objects.get().status == BatchStatus.ROLLED_BACK and not Worker.objects.exists()

    def test_a_bad_mapping_is_shown_beside_its_columns(self, users, units, client_for):
        client = client_for(users.official_a)
        client.post(reverse("history:upload"), {"file": xlsx(legacy_people_sheet(NINH_SON_2019)), "unit": units.a.pk,
                                                "sheet": 1})
        batch = ImportBatch.objects.get()
        data = {"kind": "people", **{f"col_{i}": key for i, key in enumerate(batch.mapping)}}
        data["col_6"] = "address"
        page = client.post(reverse("history:mapping", args=[batch.pk]), data)
        assert page.status_code == 200 and page.context["form"].errors.keys() >= {"col_5", "col_6"}
        assert ImportBatch.objects.get().status == BatchStatus.UPLOADED

    def test_a_file_that_is_not_a_sheet_is_refused_and_nothing_is_kept(self, users, units, client_for):
        client = client_for(users.province)
        page = client.post(reverse("history:upload"), {"file": xlsx(b"%PDF-1.4 scan", "scan.xlsx"),
                                                        "unit": units.province.pk, "sheet": 1})
        assert page.status_code == 200 and page.context["import_errors"]
        assert not ImportBatch.objects.exists()
        wrong = client.post(reverse("history:upload"), {"file": xlsx(b"x", "scan.pdf"), "unit": units.province.pk,
                                                         "sheet": 1})
        assert "file" in wrong.context["form"].errors

    def test_viewers_and_users_without_a_unit_may_not_import(self, users, client_for):
        for user in (users.viewer, users.nobody):
            assert client_for(user).get(reverse("history:upload")).status_code == 403
            assert client_for(user).get(reverse("history:index")).status_code == 403

    def test_an_official_cannot_upload_for_another_unit(self, users, units, client_for):
        page = client_for(users.official_a).post(reverse("history:upload"), {
            "file": xlsx(legacy_people_sheet(NINH_SON_2019)), "unit": units.b.pk, "sheet": 1})
        assert "unit" in page.context["form"].errors and not ImportBatch.objects.exists()


class FigureScreenTests:
    def test_a_figure_is_entered_listed_changed_and_deleted(self, users, units, client_for):
        client = client_for(users.official_a)
        response = client.post(reverse("history:figure_create"), {
            "unit": units.a.pk, "year": 2017, "month": "", "departed": "1.015", "japan": "600", "female": "300",
            "note": "Báo cáo năm 2017"})
        assert response.status_code == 302
        figure = HistoryFigure.objects.get()
        assert (figure.departed, figure.japan, figure.korea, figure.month) == (1015, 600, None, None)
        page = client.get(reverse("history:figure_list"), {"year": 2017}).content.decode()
        assert "1.015" in page
        overlapping = client.post(reverse("history:figure_create"), {"unit": units.a.pk, "year": 2017, "month": "5",
                                                                     "departed": "3"})
        assert overlapping.status_code == 200 and overlapping.context["form"].errors
        client.post(reverse("history:figure_edit", args=[figure.pk]), {"unit": units.a.pk, "year": 2017, "month": "",
                                                                       "departed": "1.020"})
        assert HistoryFigure.objects.get().departed == 1020
        client.post(reverse("history:figure_delete", args=[figure.pk]))
        assert not HistoryFigure.objects.exists()


class DashboardTests:
    def test_the_home_page_draws_the_departures_year_by_year(self, users, units, client_for):
        from history import services

        services.figure_save(user=users.province, unit=units.a, year=dt.date.today().year - 2, month=None,
                             departed=9)
        html = client_for(users.province).get(reverse("home")).content.decode()
        assert 'id="chart-years"' in html and 'data-testid="years-history-note"' in html


class HostileFileTests:
    @pytest.mark.parametrize("kind", ["pdf-renamed-xlsx", "legacy-xls", "zip-without-workbook", "zip-bomb-1GiB",
                                      "far-cell-XFD1048576", "empty-file"])
    def test_a_hostile_file_is_refused_with_a_message_and_nothing_is_kept(self, users, units, client_for, kind):
        from tests.test_hardening_uploads import HOSTILE

        page = client_for(users.province).post(reverse("history:upload"), {
            "file": xlsx(HOSTILE[kind](), "tep.xlsx"), "unit": units.province.pk, "sheet": 1})
        assert page.status_code == 200
        assert page.context["import_errors"] or page.context["form"].errors
        assert not ImportBatch.objects.exists()

    @pytest.mark.parametrize("name", ["tep.csv", "tep.txt"])
    def test_binary_or_utf16_text_named_csv_is_read_or_refused_never_a_server_error(self, users, units, client_for,
                                                                                   name):
        client = client_for(users.province)
        binary = client.post(reverse("history:upload"), {"file": xlsx(b"\x00\x01\x02\x00" * 100, name),
                                                          "unit": units.province.pk, "sheet": 1})
        assert binary.status_code == 200 and binary.context["import_errors"]
        text = "Họ tên\tCMND\tNgày sinh\tĐịa chỉ\nNguyễn Văn A\t264512345\t01/01/1990\tLâm Sơn, Ninh Sơn\n"
        read = client.post(reverse("history:upload"), {"file": xlsx(text.encode("utf-16"), name),
                                                        "unit": units.province.pk, "sheet": 1})
        assert read.status_code == 302 and ImportBatch.objects.get().encoding == "utf-16"


class KindTests:
    def test_telling_the_portal_the_sheet_is_totals_proposes_the_totals_fields(self, users, units, client_for):
        from tests.history.sheets import totals_sheet

        client = client_for(users.province)
        data = totals_sheet([("Huyện Ninh Sơn", 2017, 15, 9)])
        client.post(reverse("history:upload"), {"file": xlsx(data, "t.xlsx"), "unit": units.province.pk, "sheet": 1})
        batch = ImportBatch.objects.get()
        client.post(reverse("history:mapping", args=[batch.pk]), {"kind": "people", "change_kind": "1"})
        batch.refresh_from_db()
        assert batch.kind == "people" and "departed" not in batch.mapping
        client.post(reverse("history:mapping", args=[batch.pk]), {"kind": "totals", "change_kind": "1"})
        batch.refresh_from_db()
        assert batch.kind == "totals" and batch.mapping[:4] == ["unit", "year", "departed", "japan"]
