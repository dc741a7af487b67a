"""The class and enrolment sheets (screens and commands): all or nothing, every error by row and column,
idempotent, the capacity rule applied to the whole file."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from portal.xlsx import ImportRejected
from tests.conftest import post_and_confirm
from tests.training.factories import days, make_class, vn, xlsx
from training.importers import CLASS_COLUMNS, ENROLMENT_COLUMNS, import_classes, import_enrolments
from training.models import Enrolment, Result, TrainingClass
from workers.models import ChecklistStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English below (the portal speaks Vietnamese first)."""
    with translation.override("en"):
        yield

CLASS_HEADERS = [c.label for c in CLASS_COLUMNS]
ENROLMENT_HEADERS = [c.label for c in ENROLMENT_COLUMNS]


def class_row(code="NN-01", **values):
    row = {"Mã lớp": code, "Tên lớp": "Tiếng Nhật N5", "Loại lớp": "Ngoại ngữ", "Mã đơn vị": "585",
           "Đơn vị tổ chức": "Trung tâm Dịch vụ việc làm", "Tên đơn vị tổ chức": "Trung tâm DVVL tỉnh",
           "Doanh nghiệp": "", "Thị trường": "Nhật Bản", "Chương trình": "JP-TITP", "Ngoại ngữ": "Tiếng Nhật",
           "Ngày khai giảng": vn(days(-100)), "Ngày kết thúc": vn(days(-10)), "Địa điểm": "Ninh Sơn",
           "Sĩ số tối đa": "3", "Chi phí mỗi học viên": "6.000.000", "Chính sách hỗ trợ": "", "Ghi chú": ""}
    row.update(values)
    return [row[h] for h in CLASS_HEADERS]


def enrolment_row(code, citizen_id, **values):
    row = {"Mã lớp": code, "Số CCCD": citizen_id, "Ngày ghi danh": "", "Kết quả": "", "Chuyên cần (%)": "",
           "Số chứng chỉ": "", "Ngày cấp chứng chỉ": "", "Trình độ": "", "Điểm": ""}
    row.update(values)
    return [row[h] for h in ENROLMENT_HEADERS]


class ClassImportTests:
    def test_it_creates_then_changes_nothing_the_second_time(self, users, units, enterprises):
        data = xlsx(CLASS_HEADERS, [
            class_row(), class_row("DH-01", **{"Loại lớp": "Bồi dưỡng kiến thức cần thiết", "Ngoại ngữ": "",
                                             "Đơn vị tổ chức": "Doanh nghiệp", "Tên đơn vị tổ chức": "",
                                             "Doanh nghiệp": "T-001/GP", "Mã đơn vị": "58",
                                             "Chi phí mỗi học viên": ""})])
        result = import_classes(data, user=users.province)
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        orientation = TrainingClass.objects.get(code="DH-01")
        assert (orientation.enterprise, orientation.unit, orientation.fee) == (enterprises.active, units.province, None)
        assert TrainingClass.objects.get(code="NN-01").fee == 6_000_000
        again = import_classes(data, user=users.province)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        changed = import_classes(xlsx(CLASS_HEADERS, [class_row(**{"Sĩ số tối đa": "25"})]), user=users.province)
        assert (changed.updated, TrainingClass.objects.get(code="NN-01").capacity) == (1, 25)

    def test_every_bad_row_is_listed_and_nothing_is_saved(self, users, units):
        data = xlsx(CLASS_HEADERS, [
            class_row("OK-1"),
            class_row("BAD-1", **{"Ngày kết thúc": vn(days(-200))}),
            class_row("BAD-2", **{"Loại lớp": "Nấu ăn"}),
            class_row("BAD-3", **{"Đơn vị tổ chức": "Doanh nghiệp", "Doanh nghiệp": ""}),
            class_row("BAD-4", **{"Mã đơn vị": "584"}),
            class_row("OK-1"),
        ])
        with pytest.raises(ImportRejected) as rejected:
            import_classes(data, user=users.official_a)
        found = {(e.row, e.column) for e in rejected.value.errors}
        assert {(3, "Ngày kết thúc"), (4, "Loại lớp"), (5, "Doanh nghiệp"), (6, "Mã đơn vị"), (7, "Mã lớp")} <= found
        assert not TrainingClass.objects.exists()

    def test_a_code_of_another_units_class_is_refused(self, users, units):
        make_class(users.official_b, units.b, code="BA-01")
        with pytest.raises(ImportRejected) as rejected:
            import_classes(xlsx(CLASS_HEADERS, [class_row("ba-01")]), user=users.official_a)
        assert rejected.value.errors[0].message == "This class code belongs to a class outside your scope."


class EnrolmentImportTests:
    @pytest.fixture
    def training_class(self, users, units):
        return make_class(users.official_a, units.a, code="NN-01", capacity=10)

    def test_enrolments_results_and_certificates_then_nothing_the_second_time(self, training_class, users,
                                                                             make_worker):
        a, b = make_worker(), make_worker()
        data = xlsx(ENROLMENT_HEADERS, [
            enrolment_row("NN-01", a.citizen_id, **{"Kết quả": "Đạt", "Số chứng chỉ": "N4-7",
                                                    "Ngày cấp chứng chỉ": vn(days(-5)), "Trình độ": "JLPT N4",
                                                    "Chuyên cần (%)": "92"}),
            enrolment_row("nn-01", b.citizen_id),
        ])
        result = import_enrolments(data, user=users.official_a)
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        passed = Enrolment.objects.get(worker=a)
        assert (passed.result, passed.level, passed.attendance) == (Result.PASSED, "JLPT N4", 92)
        assert a.checklist.get(item__code="language_cert").status == ChecklistStatus.DONE
        again = import_enrolments(data, user=users.official_a)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    def test_a_certificate_before_the_class_and_unknown_people_are_errors_and_nothing_is_saved(
            self, training_class, users, units, make_worker):
        a = make_worker()
        other = make_worker(units.commune_b)
        data = xlsx(ENROLMENT_HEADERS, [
            enrolment_row("NN-01", a.citizen_id, **{"Kết quả": "Đạt", "Số chứng chỉ": "N4-7",
                                                    "Ngày cấp chứng chỉ": vn(days(-300))}),
            enrolment_row("NN-01", other.citizen_id),
            enrolment_row("XX-99", a.citizen_id),
        ])
        with pytest.raises(ImportRejected) as rejected:
            import_enrolments(data, user=users.official_a)
        found = {(e.row, e.column) for e in rejected.value.errors}
        assert found == {(2, "Ngày cấp chứng chỉ"), (3, "Số CCCD"), (4, "Mã lớp")}
        assert not Enrolment.objects.exists()

    def test_over_capacity_warns_within_the_limit_and_refuses_past_it(self, users, units, make_worker):
        make_class(users.official_a, units.a, code="SMALL", capacity=10)  # +10%: at most 11
        workers = [make_worker() for _ in range(12)]
        eleven = xlsx(ENROLMENT_HEADERS, [enrolment_row("SMALL", w.citizen_id) for w in workers[:11]])
        result = import_enrolments(eleven, user=users.official_a)
        assert result.created == 11
        assert result.warnings == ["SMALL: Over capacity: 11 enrolments for 10 places (the province accepts up to 11)."]
        with pytest.raises(ImportRejected) as rejected:
            import_enrolments(xlsx(ENROLMENT_HEADERS, [enrolment_row("SMALL", workers[11].citizen_id)]),
                              user=users.official_a)
        assert "The class is full" in rejected.value.errors[0].message
        assert Enrolment.objects.count() == 11


class CommandAndScreenTests:
    def test_the_commands_print_the_result_or_every_error(self, users, units, tmp_path: Path, make_worker, capsys):
        classes = tmp_path / "lop.xlsx"
        classes.write_bytes(xlsx(CLASS_HEADERS, [class_row()]))
        out = io.StringIO()
        call_command("import_classes", str(classes), "--user", users.official_a.username, stdout=out)
        assert out.getvalue().strip() == "Classes: created 1, updated 0, unchanged 0"
        enrolments = tmp_path / "hoc-vien.xlsx"
        enrolments.write_bytes(xlsx(ENROLMENT_HEADERS, [enrolment_row("NN-01", "058095999999")]))
        with pytest.raises(CommandError) as error:
            call_command("import_enrolments", str(enrolments), "--user", users.official_a.username)
        assert "row 2, column “Số CCCD”: No worker with this citizen ID in your scope." in str(error.value)
        assert not Enrolment.objects.exists()

    def test_the_upload_screens_and_their_blank_sheets(self, users, units, client_for):
        client = client_for(users.official_a)
        upload = SimpleUploadedFile("lop.xlsx", xlsx(CLASS_HEADERS, [class_row()]))
        assert post_and_confirm(client, reverse("training:class_import"), {"file": upload}).status_code == 302
        assert TrainingClass.objects.filter(code="NN-01").exists()
        bad = SimpleUploadedFile("lop.xlsx", xlsx(CLASS_HEADERS, [class_row("X", **{"Loại lớp": "?"})]))
        response = client.post(reverse("training:class_import"), {"file": bad})
        assert response.status_code == 200 and b'data-testid="import-errors"' in response.content
        for name in ("training:class_import_template", "training:enrolment_import_template"):
            response = client.get(reverse(name))
            assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
        assert client_for(users.viewer).get(reverse("training:class_import")).status_code == 403
