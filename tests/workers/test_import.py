from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from portal.xlsx import ImportRejected
from tests.conftest import post_and_confirm
from workers import services
from workers.importers import import_workers
from workers.models import Departure, Return, Sex, Status, StatusChange, Worker

from .fixtures import cccd

HEADERS = ["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị", "Dân tộc", "Diện hộ", "Trạng thái",
           "Ngày xuất cảnh", "Nước đến", "Chương trình", "Doanh nghiệp", "Ngày về nước", "Ngày hết hạn hợp đồng",
           "Thời hạn hợp đồng (tháng)"]


def sheet(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_rows(units):
    return [
        ["Nguyễn Văn Một", cccd(dt.date(1995, 4, 12), serial=901), "12/04/1995", "Nam", units.commune_a.code,
         "Kinh", "Hộ nghèo; near_poor", "", "", "", "", "", ""],
        ["Trần Thị Hai", cccd(dt.date(2001, 1, 3), Sex.FEMALE, serial=902), dt.datetime(2001, 1, 3), "Nữ",
         units.commune_a.code, "Chăm", "", "Đã xuất cảnh", "15/03/2024", "Nhật Bản", "JP-TITP", "T-001/GP", ""],
        ["Lê Văn Ba", cccd(dt.date(1990, 6, 6), serial=903), "06/06/1990", "male", units.a.code,
         "", "", "returned", "01/02/2022", "KR", "Chương trình EPS Hàn Quốc", "", "10/08/2025"],
        ["Phạm Văn Bốn", cccd(dt.date(1992, 2, 2), serial=904), "02/02/1992", "Nam", units.commune_a.code,
         "", "", "Chờ xuất cảnh", "", "", "", "", ""],
        ["Võ Thị Năm", cccd(dt.date(1998, 9, 9), Sex.FEMALE, serial=905), "09/09/1998", "Nữ", units.commune_a.code,
         "", "", "Bỏ trốn", "05/05/2023", "Đài Loan", "", "Công ty Thử Nghiệm B", ""],
    ]


def snapshot():
    return (
        sorted(Worker.objects.values_list("citizen_id", "full_name", "status", "version", "unit__code")),
        Departure.objects.count(), Return.objects.count(), StatusChange.objects.count(),
    )


class ImportTests:
    def test_a_good_sheet_creates_workers_departures_and_returns(self, users, units, enterprises):
        result = import_workers(sheet(good_rows(units)), user=users.official_a)
        assert (result.created, result.departures, result.returns) == (5, 3, 1)
        statuses = dict(Worker.objects.values_list("full_name", "status"))
        assert statuses == {"Nguyễn Văn Một": Status.REGISTERED, "Trần Thị Hai": Status.DEPARTED,
                            "Lê Văn Ba": Status.RETURNED, "Phạm Văn Bốn": Status.WAITING, "Võ Thị Năm": Status.ABSCONDED}
        one = Worker.objects.get(full_name="Nguyễn Văn Một")
        assert sorted(one.household_statuses.values_list("code", flat=True)) == ["near_poor", "poor"]
        hai = Departure.objects.get(worker__full_name="Trần Thị Hai")
        assert (hai.country.code, hai.programme.code, hai.enterprise.licence_no) == ("JP", "JP-TITP", "T-001/GP")
        assert hai.is_ethnic_minority and hai.unit == units.commune_a
        assert Departure.objects.get(worker__full_name="Võ Thị Năm").warning  # suspended enterprise
        assert Return.objects.get().date == dt.date(2025, 8, 10)

    def test_importing_the_same_file_twice_changes_nothing(self, users, units, enterprises):
        data = sheet(good_rows(units))
        import_workers(data, user=users.official_a)
        before = snapshot()
        result = import_workers(data, user=users.official_a)
        assert snapshot() == before
        assert (result.created, result.updated, result.unchanged, result.departures, result.returns,
                result.status_changes) == (0, 0, 5, 0, 0, 0)

    def test_a_changed_row_updates_the_worker_found_by_citizen_id(self, users, units, enterprises):
        rows = good_rows(units)
        import_workers(sheet(rows), user=users.official_a)
        rows[0][0] = "Nguyễn Văn Một Sửa"
        result = import_workers(sheet(rows), user=users.official_a)
        assert (result.updated, result.unchanged) == (1, 4)
        worker = Worker.objects.get(citizen_id=rows[0][1])
        assert (worker.full_name, worker.version) == ("Nguyễn Văn Một Sửa", 2)

    def test_english_headers_work_too(self, users, units):
        rows = [r[:5] for r in good_rows(units)[:1]]
        import_workers(sheet(rows, ["full_name", "citizen_id", "date_of_birth", "sex", "unit_code"]), user=users.admin)
        assert Worker.objects.count() == 1

    def test_a_citizen_id_stored_as_a_number_keeps_its_leading_zero(self, users, units):
        row = good_rows(units)[0][:5]
        row[1] = int(row[1])
        import_workers(sheet([row], HEADERS[:5]), user=users.admin)
        assert Worker.objects.get().citizen_id.startswith("058")

    @pytest.mark.parametrize("column, value, header", [
        (1, "058095000", "Số CCCD"),                 # too short
        (1, "099092000904", "Số CCCD"),              # no such province
        (1, "058192000904", "Số CCCD"),              # 4th digit says female
        (2, "31/02/1995", "Ngày sinh"),             # no such day
        (2, "04/31/1995", "Ngày sinh"),             # US style
        (3, "Khác", "Giới tính"),
        (4, "99999", "Mã đơn vị"),                   # unknown unit
        (5, "Người sao Hỏa", "Dân tộc"),
        (6, "giàu", "Diện hộ"),
        (7, "Đi chơi", "Trạng thái"),
    ])
    def test_each_kind_of_bad_value_is_reported_by_row_and_column(self, users, units, column, value, header):
        rows = good_rows(units)[:1] + [list(good_rows(units)[3])]
        rows[1][column] = value
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(3, header)]
        assert Worker.objects.count() == 0

    def test_departure_problems_are_reported(self, users, units, enterprises):
        future = (services.today() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
        rows = good_rows(units)
        rows[1][8] = future
        rows[2][9] = "Sao Hỏa"
        rows[4][11] = "Công ty Không Có"
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        assert {(e.row, e.column) for e in exc.value.errors} == {
            (3, "Ngày xuất cảnh"), (4, "Nước đến"), (6, "Doanh nghiệp")}
        assert Worker.objects.count() == 0

    def test_every_error_is_listed_and_nothing_is_saved(self, users, units, enterprises):
        rows = good_rows(units)
        rows[4][1] = rows[0][1]  # the same CCCD twice
        rows[3][4] = units.commune_b.code  # outside Ninh Sơn's scope
        rows[0][12] = "01/01/2020"  # a return without a departure
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        where = {(e.row, e.column) for e in exc.value.errors}
        assert {(2, "Ngày về nước"), (5, "Mã đơn vị"), (6, "Số CCCD")} <= where
        assert snapshot() == ([], 0, 0, 0)

    def test_a_status_that_contradicts_the_dates_is_refused(self, users, units):
        rows = good_rows(units)[:1]
        rows[0][7] = "Đã về nước"
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        assert exc.value.errors[0].column == "Ngày xuất cảnh"

    def test_a_worker_of_another_unit_cannot_be_changed_through_the_import(self, make_worker, users, units):
        other = make_worker(unit=units.commune_b)
        row = [other.full_name, other.citizen_id, other.date_of_birth.strftime("%d/%m/%Y"), "Nam", units.commune_a.code]
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet([row], HEADERS[:5]), user=users.official_a)
        assert (exc.value.errors[0].row, exc.value.errors[0].column) == (2, "Số CCCD")

    def test_a_likely_duplicate_is_an_error_unless_accepted(self, make_worker, users, units):
        existing = make_worker(full_name="Nguyễn Văn Một", dob=dt.date(1995, 4, 12))
        rows = good_rows(units)[:1]
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        assert existing.citizen_id[-4:] in exc.value.errors[0].message
        import_workers(sheet(rows), user=users.official_a, accept_duplicates=True)
        assert Worker.objects.count() == 2

    def test_a_missing_required_column_is_reported(self, users, units):
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet([["A", "1"]], ["Họ và tên", "Số CCCD"]), user=users.admin)
        assert {e.column for e in exc.value.errors} == {"Ngày sinh", "Giới tính", "Mã đơn vị"}


class ImportCommandTests:
    def test_the_command_imports_and_a_second_run_changes_nothing(self, users, units, enterprises, tmp_path):
        path = tmp_path / "workers.xlsx"
        path.write_bytes(sheet(good_rows(units)))
        out = io.StringIO()
        call_command("import_workers", str(path), "--user", users.official_a.username, stdout=out)
        assert "created 5" in out.getvalue()
        before = snapshot()
        call_command("import_workers", str(path), "--user", users.official_a.username, stdout=io.StringIO())
        assert snapshot() == before

    def test_the_command_lists_every_error_and_exits_non_zero(self, users, units, tmp_path):
        rows = good_rows(units)
        rows[0][1] = "123"
        rows[3][4] = units.commune_b.code
        path = tmp_path / "bad.xlsx"
        path.write_bytes(sheet(rows))
        with pytest.raises(CommandError) as exc:
            call_command("import_workers", str(path), "--user", users.official_a.username)
        text = str(exc.value)
        assert "Số CCCD" in text and "Mã đơn vị" in text and "nothing was saved" in text
        assert Worker.objects.count() == 0

    def test_a_viewer_cannot_import(self, users, units, tmp_path):
        path = tmp_path / "workers.xlsx"
        path.write_bytes(sheet(good_rows(units)[:1]))
        with pytest.raises(CommandError):
            call_command("import_workers", str(path), "--user", users.viewer.username)


class ImportScreenTests:
    def upload(self, client, data: bytes, **extra):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return post_and_confirm(client, reverse("workers:worker_import"),
                                {"file": SimpleUploadedFile("workers.xlsx", data), **extra})

    def test_the_screen_imports_a_good_sheet(self, users, units, enterprises, client_for):
        response = self.upload(client_for(users.official_a), sheet(good_rows(units)))
        assert response.status_code == 302 and Worker.objects.count() == 5

    def test_the_screen_shows_every_error_and_saves_nothing(self, users, units, enterprises, client_for):
        rows = good_rows(units)
        rows[0][1] = "123"
        response = self.upload(client_for(users.official_a), sheet(rows))
        assert response.status_code == 200
        assert b'data-testid="import-errors"' in response.content
        assert [(e.row, e.column) for e in response.context["import_errors"]] == [(2, "Số CCCD")]
        assert Worker.objects.count() == 0

    def test_the_screen_accepts_likely_duplicates_when_ticked(self, make_worker, users, units, client_for):
        make_worker(full_name="Nguyễn Văn Một", dob=dt.date(1995, 4, 12))
        client = client_for(users.official_a)
        data = sheet(good_rows(units)[:1])
        assert self.upload(client, data).status_code == 200 and Worker.objects.count() == 1
        assert self.upload(client, data, accept_duplicates="on").status_code == 302 and Worker.objects.count() == 2

    def test_the_blank_sheet_has_the_import_headers(self, users, client_for):
        from openpyxl import load_workbook

        response = client_for(users.official_a).get(reverse("workers:worker_import_template"))
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        headers = [c.value for c in sheet[1]]
        assert headers[:len(HEADERS)] == HEADERS
        assert headers[len(HEADERS):len(HEADERS) + 2] == ["Hồ sơ: Khám sức khỏe", "Ngày hồ sơ: Khám sức khỏe"]
        assert client_for(users.viewer).get(reverse("workers:worker_import_template")).status_code == 403
