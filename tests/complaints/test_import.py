"""``import_complaints`` and the upload screen: all or nothing, every error by row and column, idempotent by
case number; and the export read back."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from complaints.importers import COLUMNS, import_cases
from complaints.models import Case, CaseStep, Party, Status
from portal.xlsx import ImportRejected
from tests.export_helpers import export_response

pytestmark = pytest.mark.usefixtures("english")
TODAY = dt.date(2026, 11, 30)
LABELS = [c.label for c in COLUMNS]


def row(**values) -> dict:
    base = {"Số hồ sơ": "01/2026/KN", "Mã đơn vị thụ lý": "585", "Ngày tiếp nhận": "05/01/2026",
            "Người khiếu nại là": "Người thân", "Họ tên người khiếu nại": "Trần Thị Mẹ",
            "Điện thoại người khiếu nại": "0977 000 001", "Đối tượng bị khiếu nại là": "Cá nhân môi giới",
            "Tên đối tượng": "Nguyễn Văn Hùng", "Điện thoại đối tượng": "0912 345 678",
            "Loại vụ việc": "Lừa đảo, hứa hẹn việc làm giả", "Nước": "Nhật Bản",
            "Số tiền yêu cầu (đồng)": "120.000.000", "Nội dung": "Nhận tiền, không đưa đi."}
    base.update(values)
    return base


def workbook(*rows: dict) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(LABELS)
    for values in rows:
        sheet.append([values.get(label, "") for label in LABELS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


LIST = [
    row(),
    row(**{"Số hồ sơ": "02/2026/KN", "Mã đơn vị thụ lý": "584", "Điện thoại đối tượng": "+84912345678",
           "Ngày thụ lý": "12/01/2026", "Ngày chuyển": "20/01/2026", "Chuyển đến": "Công an"}),
    row(**{"Số hồ sơ": "03/2026/KN", "Người khiếu nại là": "Nặc danh", "Họ tên người khiếu nại": "",
           "Điện thoại người khiếu nại": "", "Đối tượng bị khiếu nại là": "Doanh nghiệp",
           "Số giấy phép doanh nghiệp": "T-001/GP", "Tên đối tượng": "", "Điện thoại đối tượng": "",
           "Loại vụ việc": "deposit", "Ngày thụ lý": "08/01/2026", "Ngày kết thúc": "30/01/2026",
           "Kết quả": "Đã giải quyết", "Số tiền thu hồi (đồng)": "30000000", "Hình thức xử lý": "Nhắc nhở"}),
]


class ImportTests:
    def test_a_case_list_is_imported_with_its_steps_and_parties(self, units, users, enterprises):
        result = import_cases(workbook(*LIST), user=users.province, today=TODAY)
        assert (result.created, result.advanced, result.unchanged) == (3, 0, 0)
        referred = Case.objects.get(number="02/2026/KN")
        assert (referred.unit, referred.status, referred.due_on) == (units.b, Status.REFERRED, dt.date(2026, 2, 19))
        assert list(referred.steps.order_by("started_on").values_list("status", "started_on", "ended_on")) == [
            (Status.RECEIVED, dt.date(2026, 1, 5), dt.date(2026, 1, 12)),
            (Status.VERIFYING, dt.date(2026, 1, 12), dt.date(2026, 1, 20)),
            (Status.REFERRED, dt.date(2026, 1, 20), None)]
        resolved = Case.objects.get(number="03/2026/KN")
        assert (resolved.status, resolved.amount_recovered, resolved.enterprise) == (Status.RESOLVED, 30_000_000,
                                                                                     enterprises.active)
        assert Case.objects.get(number="01/2026/KN").party_id == referred.party_id  # one broker, two districts
        assert Party.objects.count() == 2

    def test_importing_the_same_file_again_changes_nothing(self, units, users, enterprises):
        import_cases(workbook(*LIST), user=users.province, today=TODAY)
        counts = (Case.objects.count(), CaseStep.objects.count(), Party.objects.count())
        result = import_cases(workbook(*LIST), user=users.province, today=TODAY)
        assert (result.created, result.advanced, result.unchanged) == (0, 0, 3)
        assert counts == (Case.objects.count(), CaseStep.objects.count(), Party.objects.count())

    def test_a_later_list_moves_known_cases_on_and_leaves_those_the_portal_knows_better(self, units, users,
                                                                                         enterprises):
        import_cases(workbook(*LIST), user=users.province, today=TODAY)
        later = [row(**{"Ngày thụ lý": "09/01/2026", "Ngày kết thúc": "15/02/2026", "Kết quả": "Không chấp nhận",
                        "Ghi chú (lý do)": "Không có căn cứ"}),
                 row(**{"Số hồ sơ": "02/2026/KN", "Mã đơn vị thụ lý": "584"})]  # says less than the portal knows
        result = import_cases(workbook(*later), user=users.province, today=TODAY)
        assert (result.created, result.advanced, result.unchanged) == (0, 1, 1)
        first = Case.objects.get(number="01/2026/KN")
        assert (first.status, first.closed_on) == (Status.REJECTED, dt.date(2026, 2, 15))
        assert Case.objects.get(number="02/2026/KN").status == Status.REFERRED

    def test_every_error_is_listed_by_row_and_column_and_nothing_is_saved(self, units, users, enterprises):
        bad = [
            row(),
            row(**{"Số hồ sơ": "02/2026/KN", "Số tiền yêu cầu (đồng)": "một trăm triệu", "Ngày tiếp nhận": "01/02/2099"}),
            row(**{"Số hồ sơ": "03/2026/KN", "Ngày kết thúc": "10/01/2026", "Kết quả": "Đã giải quyết"}),
            row(**{"Số hồ sơ": "04/2026/KN", "Mã đơn vị thụ lý": "99999", "Loại vụ việc": "Trộm cắp"}),
            row(**{"Số hồ sơ": "01/2026/KN"}),
            row(**{"Số hồ sơ": "05/2026/KN", "Người khiếu nại là": "Nặc danh"}),
            row(**{"Số hồ sơ": "06/2026/KN", "Ngày thụ lý": "01/01/2026"}),
        ]
        with pytest.raises(ImportRejected) as exc:
            import_cases(workbook(*bad), user=users.province, today=TODAY)
        found = {(error.row, error.column) for error in exc.value.errors}
        assert found == {
            (3, "Số tiền yêu cầu (đồng)"), (3, "Ngày tiếp nhận"),
            (4, "Kết quả"),  # resolved without verification: skips the workflow
            (5, "Mã đơn vị thụ lý"), (5, "Loại vụ việc"),
            (6, "Số hồ sơ"),  # the same number twice
            (7, "Người khiếu nại là"),  # anonymous with a name
            (8, "Ngày thụ lý"),  # accepted before it was received
        }
        messages = {(error.row, error.column): error.message for error in exc.value.errors}
        assert "future" in messages[(3, "Ngày tiếp nhận")]
        assert "cannot become" in messages[(4, "Kết quả")]
        assert Case.objects.count() == 0 and Party.objects.count() == 0 and CaseStep.objects.count() == 0

    def test_a_row_with_a_bad_cell_is_still_checked_by_the_workflows_rules(self, units, users):
        bad = row(**{"Số tiền yêu cầu (đồng)": "hai chục triệu", "Người khiếu nại là": "Nặc danh"})
        with pytest.raises(ImportRejected) as exc:
            import_cases(workbook(bad), user=users.province, today=TODAY)
        # The amount is not a number, and the intake's own rule (an anonymous complaint has no name) is checked too.
        assert {(e.row, e.column) for e in exc.value.errors} == {(2, "Số tiền yêu cầu (đồng)"), (2, "Người khiếu nại là")}
        assert Case.objects.count() == 0 and Party.objects.count() == 0

    def test_an_official_imports_only_into_their_unit(self, units, users):
        with pytest.raises(ImportRejected) as exc:
            import_cases(workbook(row(**{"Mã đơn vị thụ lý": "584"})), user=users.official_a, today=TODAY)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Mã đơn vị thụ lý")]
        import_cases(workbook(row(**{"Mã đơn vị thụ lý": "584"})), user=users.province, today=TODAY)
        with pytest.raises(ImportRejected) as exc:  # the number is taken by a case Ninh Sơn may not see
            import_cases(workbook(row()), user=users.official_a, today=TODAY)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Số hồ sơ")]

    def test_a_missing_column_rejects_the_file(self, users):
        book = Workbook()
        book.active.append(["Số hồ sơ", "Ngày tiếp nhận"])
        out = io.BytesIO()
        book.save(out)
        with pytest.raises(ImportRejected) as exc:
            import_cases(out.getvalue(), user=users.province, today=TODAY)
        assert {e.column for e in exc.value.errors} >= {"Mã đơn vị thụ lý", "Loại vụ việc", "Nội dung"}


class CommandTests:
    def test_the_command_imports_a_file_and_prints_the_result(self, units, users, enterprises, tmp_path, capsys):
        path = tmp_path / "danh-sach.xlsx"
        path.write_bytes(workbook(*LIST[:2]))
        call_command("import_complaints", str(path), "--user", users.province.username)
        assert "Cases: cases created 2, moved on 0, unchanged 0" in capsys.readouterr().out
        assert Case.objects.count() == 2

    def test_the_command_prints_every_error_and_exits_with_an_error(self, units, users, tmp_path):
        path = tmp_path / "sai.xlsx"
        path.write_bytes(workbook(row(**{"Số tiền yêu cầu (đồng)": "abc"})))
        with pytest.raises(CommandError) as exc:
            call_command("import_complaints", str(path), "--user", users.province.username)
        assert "row 2, column “Số tiền yêu cầu (đồng)”" in str(exc.value)
        assert "1 error(s): the file was rejected and nothing was saved." in str(exc.value)
        assert Case.objects.count() == 0


class ExportTests:
    def test_an_export_imports_back_without_a_change(self, units, users, enterprises, client_for):
        import_cases(workbook(*LIST), user=users.province, today=TODAY)
        response = export_response(client_for(users.province), "/complaints/export/")
        data = response.content_bytes
        sheet = load_workbook(io.BytesIO(data)).active
        header = [cell.value for cell in sheet[1]]
        assert header[:len(LABELS)] == LABELS and "Số ngày quá hạn" in header
        result = import_cases(data, user=users.province, today=TODAY)
        assert (result.created, result.advanced, result.unchanged) == (0, 0, 3)

    def test_text_that_looks_like_a_formula_is_neutralised(self, units, users, client_for, make_case):
        make_case(units.a, respondent_name="=HYPERLINK(\"http://x\")", description="+84 gọi")
        response = export_response(client_for(users.province), "/complaints/export/")
        sheet = load_workbook(io.BytesIO(response.content_bytes)).active
        values = [cell.value for cell in sheet[2]]
        assert "'=HYPERLINK(\"http://x\")" in values and "'+84 gọi" in values

    def test_the_command_line_export_writes_the_users_cases(self, units, users, tmp_path, make_case):
        make_case(units.a)
        make_case(units.b, respondent_phone="0900 000 001")
        out = tmp_path / "ds.xlsx"
        call_command("export_complaints", "--out", str(out), "--user", users.official_a.username)
        sheet = load_workbook(out).active
        assert sheet.max_row == 2  # the header and Ninh Sơn's case


class ImportScreenTests:
    def test_the_upload_screen_imports_and_reports_the_counts(self, units, users, enterprises, client_for):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.conftest import post_and_confirm

        client = client_for(users.province)
        response = post_and_confirm(client, "/complaints/import/", {"file": SimpleUploadedFile("ds.xlsx", workbook(*LIST))})
        assert response.status_code == 302 and response["Location"] == "/complaints/"
        assert Case.objects.count() == 3
        response = client.post("/complaints/import/", {"file": SimpleUploadedFile("ds.xlsx", workbook(
            row(**{"Số hồ sơ": "09/2026/KN", "Số tiền yêu cầu (đồng)": "abc"})))})
        assert response.status_code == 200
        assert [(e.row, e.column) for e in response.context["import_errors"]] == [(2, "Số tiền yêu cầu (đồng)")]
        assert Case.objects.count() == 3

    def test_the_blank_sheet_has_the_import_headers(self, users, client_for):
        response = client_for(users.official_a).get("/complaints/import/template.xlsx")
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        assert [cell.value for cell in sheet[1]] == LABELS
        assert client_for(users.viewer).get("/complaints/import/template.xlsx").status_code == 403
