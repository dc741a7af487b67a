"""Who complains is seen by the unit handling the case and by the province only; every opening is logged;
another unit's case answers 404."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from complaints import selectors
from complaints.models import CaseAccess, ComplainantKind
from tests.export_helpers import export_response, run_export

NAME, PHONE = "Trần Thị Bí Mật", "0977 111 222"


@pytest.fixture
def cases(make_case, units, make_worker):
    worker = make_worker(units.commune_a, full_name="Nguyễn Văn Người Lao Động")
    return {
        "district": make_case(units.a, complainant_name=NAME, complainant_phone=PHONE),
        "commune": make_case(units.commune_a, complainant_kind=ComplainantKind.WORKER, worker=worker,
                             complainant_name="", complainant_phone=""),
        "other": make_case(units.b, complainant_name="Người Bác Ái", complainant_phone="0988 999 000",
                           respondent_name="Môi giới khác", respondent_phone="0966 000 111"),
    }


class MaskingTests:
    @pytest.mark.parametrize("role, sees", [("admin", True), ("province", True), ("official_a", True),
                                            ("viewer", False)])
    def test_the_case_page_shows_the_complainant_to_the_handling_unit_and_the_province(self, cases, users,
                                                                                       client_for, role, sees):
        user = getattr(users, role)
        page = client_for(user).get(f"/complaints/{cases['district'].pk}/").content.decode()
        assert (NAME in page) is sees and (PHONE in page) is sees
        assert ('data-testid="masked"' in page) is not sees
        assert CaseAccess.objects.get(user=user, case=cases["district"]).full is sees

    def test_the_district_above_a_communes_case_does_not_see_who_complains(self, cases, users, client_for):
        case = cases["commune"]
        page = client_for(users.official_a).get(f"/complaints/{case.pk}/").content.decode()
        assert "Nguyễn Văn Người Lao Động" not in page and 'data-testid="masked"' in page
        assert selectors.sees_complainant(users.province, case)
        assert not selectors.sees_complainant(users.official_a, case)

    def test_every_opening_is_logged(self, cases, users, client_for):
        client = client_for(users.viewer)
        for _ in range(3):
            client.get(f"/complaints/{cases['district'].pk}/")
        assert CaseAccess.objects.filter(user=users.viewer, case=cases["district"]).count() == 3

    def test_the_list_masks_per_case(self, cases, users, client_for):
        page = client_for(users.viewer).get("/complaints/").content.decode()
        assert NAME not in page and "Người Bác Ái" not in page
        page = client_for(users.province).get("/complaints/").content.decode()
        assert NAME in page and "Người Bác Ái" in page

    def test_the_complainant_is_searched_only_where_the_user_sees_it(self, cases, users, client_for):
        def found(user, text):
            return [c.number for c in client_for(user).get("/complaints/", {"q": text}).context["page"]]

        assert found(users.province, "Bí Mật") == [cases["district"].number]
        assert found(users.official_a, "Bí Mật") == [cases["district"].number]
        assert found(users.viewer, "Bí Mật") == []  # a viewer cannot learn who complained by searching

    def test_the_export_hides_the_complainant_from_those_who_may_not_see_it(self, cases, users, client_for):
        def rows(user):
            response = export_response(client_for(user), "/complaints/export/")
            sheet = load_workbook(io.BytesIO(response.content_bytes)).active
            values = list(sheet.iter_rows(values_only=True))
            header = values[0]
            return [dict(zip(header, row, strict=True)) for row in values[1:]]

        by_number = {row["Số hồ sơ"]: row for row in rows(users.viewer)}
        assert set(by_number) == {c.number for c in cases.values()}
        assert by_number[cases["district"].number]["Họ tên người khiếu nại"] == "(ẩn)"
        assert by_number[cases["district"].number]["Điện thoại người khiếu nại"] == "(ẩn)"
        by_number = {row["Số hồ sơ"]: row for row in rows(users.official_a)}
        assert set(by_number) == {cases["district"].number, cases["commune"].number}
        assert by_number[cases["district"].number]["Họ tên người khiếu nại"] == NAME
        assert by_number[cases["commune"].number]["Số CCCD người lao động"] == "(ẩn)"

    def test_the_worker_page_lists_a_workers_cases_only_to_those_who_see_the_complainant(self, cases, users,
                                                                                         client_for):
        worker = cases["commune"].worker
        page = client_for(users.province).get(f"/workers/{worker.pk}/").content.decode()
        assert cases["commune"].number in page
        page = client_for(users.official_a).get(f"/workers/{worker.pk}/").content.decode()
        assert cases["commune"].number not in page


class ScopeTests:
    def test_another_units_case_and_its_pages_answer_404(self, cases, users, client_for):
        other = cases["other"]
        client = client_for(users.official_a)
        for url in (f"/complaints/{other.pk}/", f"/complaints/{other.pk}/step/", f"/complaints/{other.pk}/extend/",
                    f"/complaints/{other.pk}/outcome/", f"/complaints/{other.pk}/attachments/",
                    f"/complaints/parties/{other.party_id}/"):
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code == 404, url
        assert CaseAccess.objects.filter(case=other).count() == 0

    def test_an_export_with_complainants_in_full_is_in_the_access_log(self, cases, users, client_for):
        from workers.models import AccessKind, AccessLog

        export_response(client_for(users.viewer), "/complaints/export/")
        assert not AccessLog.objects.exists()  # everything masked: nothing seen in full
        export_response(client_for(users.official_a), "/complaints/export/", {"state": "open"})
        entry = AccessLog.objects.get(kind=AccessKind.EXPORT)
        assert (entry.user, entry.rows) == (users.official_a, 2) and "state=open" in entry.query

    def test_the_export_answers_with_its_job_which_holds_the_users_cases_only(self, cases, users, units,
                                                                              client_for):
        import re

        from django.urls import reverse

        from portal.models import ReportJob

        client = client_for(users.official_b)
        assert client.get("/complaints/export/", {"unit": units.a.pk}).status_code == 404  # no job for that
        response = client.get("/complaints/export/", {"state": "open"})
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.kind, job.params["export"], job.params["query"], job.unit) == (
            "export", "complaints", {"state": ["open"]}, units.b)
        assert client_for(users.official_a).get(reverse("jobs:download", args=[job.pk])).status_code == 404
        download = export_response(client, "/complaints/export/", {"state": "open"})
        assert re.search(r'khieu-nai-\d{8}\.xlsx"$', download["Content-Disposition"])
        rows = list(load_workbook(io.BytesIO(download.content_bytes)).active.iter_rows(min_row=2, values_only=True))
        assert [row[0] for row in rows] == [cases["other"].number]  # Bác Ái's case only
        # A job naming Ninh Sơn for Bác Ái's official (scope taken away since, query tampered with): no file.
        job = run_export(users.official_b, units.b, "complaints", {"unit": [str(units.a.pk)]})
        assert (job.status, job.file.name) == ("failed", "") and "phạm vi" in job.error

    def test_lists_exports_and_summaries_hold_the_users_cases_only(self, cases, users, client_for):
        client = client_for(users.official_a)
        numbers = {c.number for c in client.get("/complaints/").context["page"]}
        assert numbers == {cases["district"].number, cases["commune"].number}
        assert client.get("/complaints/", {"unit": users.official_b.scope.unit.pk}).status_code == 404
        assert client.get("/complaints/summary/", {"unit": users.official_b.scope.unit.pk}).status_code == 404
        assert client_for(users.nobody).get("/complaints/").context["page"].paginator.count == 0

    def test_a_viewer_reads_but_does_not_write(self, cases, users, client_for):
        client = client_for(users.viewer)
        assert client.get("/complaints/new/").status_code == 403
        assert client.post(f"/complaints/{cases['district'].pk}/step/").status_code == 403
        assert client.get(f"/complaints/{cases['district'].pk}/").status_code == 200
