from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.export_helpers import export_response
from workers import services
from workers.importers import import_workers
from workers.models import Departure, StatusChange, Worker


def read(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def listed(make_worker, users, units, reference, enterprises):
    plain = make_worker(full_name="Nguyễn Văn Xuất")
    tricky = make_worker(full_name="=HYPERLINK(\"http://x\")", phone="+84905123456", unit=units.commune_b)
    services.departure_record(user=users.admin, worker=plain, date=dt.date(2024, 3, 1), country=reference.japan,
                              programme=reference.titp, enterprise=enterprises.active)
    return plain, tricky


class ExportTests:
    def test_the_export_holds_the_filtered_list_with_the_import_columns(self, listed, users, client_for, units):
        plain, _tricky = listed
        response = export_response(client_for(users.province), reverse("workers:worker_export"), {"unit": units.a.pk})
        assert response.status_code == 200
        rows = read(b"".join(response.streaming_content))
        assert len(rows) == 1
        row = rows[0]
        assert row["Họ và tên"] == "Nguyễn Văn Xuất" and row["Số CCCD"] == plain.citizen_id
        assert (row["Trạng thái"], row["Ngày xuất cảnh"], row["Nước đến"]) == ("Đã xuất cảnh", "01/03/2024", "Nhật Bản")
        assert row["Doanh nghiệp"] == "T-001/GP" and row["Mã đơn vị"] == units.commune_a.code

    def test_cells_from_user_text_are_neutralised(self, listed, users, client_for):
        response = export_response(client_for(users.admin), reverse("workers:worker_export"))
        rows = read(b"".join(response.streaming_content))
        tricky = next(r for r in rows if "HYPERLINK" in r["Họ và tên"])
        assert tricky["Họ và tên"].startswith("'=")
        assert tricky["Điện thoại"] == "'+84905123456"

    def test_a_viewer_gets_masked_ids_and_no_sensitive_columns(self, listed, users, client_for):
        response = export_response(client_for(users.viewer), reverse("workers:worker_export"))
        rows = read(b"".join(response.streaming_content))
        assert len(rows) == 2
        assert all(r["Số CCCD"].startswith("••••") for r in rows)
        assert "Dân tộc" not in rows[0] and "Diện hộ" not in rows[0]

    def test_an_exported_file_imports_back_without_changes(self, listed, users, client_for):
        data = b"".join(export_response(client_for(users.admin), reverse("workers:worker_export")).streaming_content)
        before = (list(Worker.objects.values_list("pk", "version", "status")), Departure.objects.count(),
                  StatusChange.objects.count())
        result = import_workers(data, user=users.admin)
        assert result.unchanged == 2
        assert (list(Worker.objects.values_list("pk", "version", "status")), Departure.objects.count(),
                StatusChange.objects.count()) == before

    def test_the_export_reads_in_batches_by_primary_key(self, make_worker, users, django_assert_num_queries):
        from workers.selectors import worker_export_rows, worker_list

        made = [make_worker() for _ in range(5)]
        # Three queries per batch of 2 (workers, departures, household statuses); the short last batch ends it.
        with django_assert_num_queries(9):
            rows = list(worker_export_rows(worker_list(users.admin), batch_size=2))
        assert [r.citizen_id for r in rows] == [w.citizen_id for w in sorted(made, key=lambda w: w.pk)]

    @pytest.mark.parametrize("workers", [1, 12])
    def test_the_query_count_does_not_grow_with_the_rows_of_a_batch(self, workers, make_worker, users, reference,
                                                                     enterprises, django_assert_max_num_queries):
        from workers.models import HouseholdStatus
        from workers.selectors import worker_export_rows, worker_list

        poor = HouseholdStatus.objects.get(code="poor")
        for n in range(workers):
            worker = make_worker(household_statuses=[poor])
            first = services.departure_record(user=users.admin, worker=worker, date=dt.date(2020, 1, 1 + n),
                                              country=reference.korea)
            services.return_record(user=users.admin, departure=first, date=dt.date(2022, 2, 1))
            services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1),
                                      country=reference.japan, programme=reference.titp, enterprise=enterprises.active)
        with django_assert_max_num_queries(3):
            rows = list(worker_export_rows(worker_list(users.admin), batch_size=100))
        assert len(rows) == workers
        assert {(r.departure_date, r.country, r.enterprise, r.return_date, r.household_statuses) for r in rows} == {
            (dt.date(2024, 3, 1), "Nhật Bản", "T-001/GP", None, ("Hộ nghèo",))}

    @pytest.mark.parametrize("others_between", [1, 4])  # a batch dense in its key range, and a sparse one
    def test_a_scoped_export_holds_only_the_users_workers_with_their_own_departures(
            self, others_between, make_worker, users, units, reference):
        from workers.models import HouseholdStatus
        from workers.selectors import WorkerFilters, worker_export_rows, worker_list

        poor = HouseholdStatus.objects.get(code="poor")
        mine = []
        for n in range(6):
            worker = make_worker(unit=units.commune_a)
            services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 1, 1 + n),
                                      country=reference.japan)
            mine.append(worker)
            for m in range(others_between):  # other units' workers between, with departures and statuses of their own
                other = make_worker(unit=units.commune_b, household_statuses=[poor])
                services.departure_record(user=users.admin, worker=other, date=dt.date(2023, 2, 1 + m),
                                          country=reference.korea)
        rows = list(worker_export_rows(worker_list(users.official_a, WorkerFilters()), batch_size=4))
        assert [(r.citizen_id, r.departure_date, r.country, r.household_statuses) for r in rows] == [
            (w.citizen_id, dt.date(2024, 1, 1 + n), "Nhật Bản", ()) for n, w in enumerate(mine)]

    def test_the_view_makes_as_many_queries_for_twelve_workers_as_for_two(self, travelled, make_worker, users,
                                                                           reference, client_for):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(users.admin)

        def export() -> tuple[int, int]:
            cache.clear()  # both exports with the filter's option lists computed (national data, kept otherwise)
            with CaptureQueriesContext(connection) as queries:
                response = export_response(client, reverse("workers:worker_export"))
                rows = len(_sheet(b"".join(response.streaming_content))) - 1
            return rows, len(queries)

        rows_before, queries_before = export()
        for n in range(10):
            services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 5, 1 + n),
                                      country=reference.japan)
        rows_after, queries_after = export()
        assert (rows_before, rows_after) == (2, 12)
        assert queries_after == queries_before

    def test_more_workers_than_a_sheet_holds_fail_loudly(self, listed, users, monkeypatch):
        from workers import workbooks
        from workers.selectors import worker_export_rows, worker_list

        monkeypatch.setattr(workbooks, "MAX_ROWS", 2)  # Excel's 1,048,576 rows, header included
        with pytest.raises(workbooks.TooManyRows):
            workbooks.write_workers_workbook(worker_export_rows(worker_list(users.admin)), io.BytesIO(), full=True)

    def test_the_job_says_to_filter_when_more_workers_match_than_a_sheet_holds(self, listed, users, client_for,
                                                                               monkeypatch):
        from workers import exports
        from workers.models import Worker

        count = Worker.objects.count()
        monkeypatch.setattr(exports, "MAX_ROWS", count)  # as if the list were one row too long for Excel
        client = client_for(users.admin)
        page = export_response(client, reverse("workers:worker_export"), {"status": ""}).content.decode()
        assert 'data-testid="job-error"' in page
        assert f"{count} người lao động phù hợp" in page and f"({count - 1})" in page
        monkeypatch.setattr(exports, "MAX_ROWS", count + 1)
        assert export_response(client, reverse("workers:worker_export")).status_code == 200

    def test_the_request_answers_at_once_with_the_job_and_another_user_cannot_download_it(
            self, listed, users, client_for):
        from portal.models import ReportJob

        response = client_for(users.province).get(reverse("workers:worker_export"))
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.kind, job.params["export"], job.status) == ("export", "workers", "pending")
        assert client_for(users.official_a).get(reverse("jobs:download", args=[job.pk])).status_code == 404
        assert client_for(users.official_a).get(reverse("jobs:detail", args=[job.pk])).status_code == 404


class ExportCommandTests:
    def test_the_command_writes_the_filtered_list(self, listed, users, units, tmp_path):
        out = tmp_path / "w.xlsx"
        call_command("export_workers", "--out", str(out), "--unit", units.a.code, "--status", "departed",
                     stdout=io.StringIO())
        rows = read(out.read_bytes())
        assert [r["Họ và tên"] for r in rows] == ["Nguyễn Văn Xuất"]

    def test_the_command_applies_the_users_scope(self, listed, users, units, tmp_path):
        out = tmp_path / "w.xlsx"
        call_command("export_workers", "--out", str(out), "--user", users.official_b.username, stdout=io.StringIO())
        assert [r["Mã đơn vị"] for r in read(out.read_bytes())] == [units.commune_b.code]
        with pytest.raises(CommandError):
            call_command("export_workers", "--out", str(out), "--user", users.official_b.username, "--unit", units.a.code)


HEADER_FULL = ["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị", "Dân tộc", "Diện hộ", "Trạng thái",
               "Ngày xuất cảnh", "Nước đến", "Chương trình", "Doanh nghiệp", "Ngày về nước", "Ngày hết hạn hợp đồng",
               "Thời hạn hợp đồng (tháng)", "Tên đơn vị", "Điện thoại"]
HEADER_MASKED = [h for h in HEADER_FULL if h not in ("Dân tộc", "Diện hộ")]


@pytest.fixture
def travelled(make_worker, users, units, reference, enterprises):
    """Two departures (the first one returned) and two household statuses; a second worker back home."""
    from workers.models import HouseholdStatus

    statuses = [HouseholdStatus.objects.get(code="near_poor"), HouseholdStatus.objects.get(code="poor")]
    worker = make_worker(full_name="Trần Thị Hai Lần", dob=dt.date(1990, 1, 2), sex="female", citizen_id="001190000077",
                         ethnicity=reference.cham, phone="0905123456", household_statuses=statuses)
    first = services.departure_record(user=users.admin, worker=worker, date=dt.date(2019, 5, 10),
                                      country=reference.korea, programme=reference.eps)
    services.return_record(user=users.admin, departure=first, date=dt.date(2022, 1, 15))
    worker.refresh_from_db()
    services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1), country=reference.japan,
                              programme=reference.titp, enterprise=enterprises.active, contract_months=36)
    home = make_worker(full_name="-Lê Văn Về", citizen_id="058095000009", unit=units.commune_b)
    gone = services.departure_record(user=users.admin, worker=home, date=dt.date(2021, 7, 1), country=reference.japan)
    services.return_record(user=users.admin, departure=gone, date=dt.date(2023, 6, 30))
    return worker, home


def _sheet(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


class ExportCellsTests:
    def test_every_cell_of_a_worker_who_left_twice_is_exact(self, travelled, users, units, client_for):
        rows = _sheet(b"".join(export_response(client_for(users.admin), reverse("workers:worker_export")).streaming_content))
        assert list(rows[0]) == HEADER_FULL
        assert sorted(rows[1:], key=lambda r: r[0]) == [
            ("'-Lê Văn Về", "058095000009", "12/04/1995", "Nam", units.commune_b.code, None, None, "Đã về nước",
             "01/07/2021", "Nhật Bản", None, None, "30/06/2023", None, None, units.commune_b.name, None),
            ("Trần Thị Hai Lần", "001190000077", "02/01/1990", "Nữ", units.commune_a.code, "Chăm",
             "Hộ nghèo; Hộ cận nghèo", "Đã xuất cảnh", "01/03/2024", "Nhật Bản",
             reference_name("JP-TITP"), "T-001/GP", None, "01/03/2027", "36", units.commune_a.name, "0905123456"),
        ]

    def test_the_header_is_bold_and_frozen_and_the_columns_keep_their_widths(self, travelled, users, client_for):
        data = b"".join(export_response(client_for(users.viewer), reverse("workers:worker_export")).streaming_content)
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet.title == "Người lao động" and sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
        widths = {sheet.cell(1, col).value: round(sheet.column_dimensions[sheet.cell(1, col).column_letter].width)
                  for col in range(1, sheet.max_column + 1)}
        assert (widths["Họ và tên"], widths["Số CCCD"], widths["Trạng thái"], widths["Điện thoại"]) == (29, 16, 16, 15)

    def test_every_cell_of_the_masked_export_is_exact(self, travelled, users, units, client_for):
        rows = _sheet(b"".join(export_response(client_for(users.viewer), reverse("workers:worker_export")).streaming_content))
        assert list(rows[0]) == HEADER_MASKED
        assert sorted(rows[1:], key=lambda r: r[0]) == [
            ("'-Lê Văn Về", "••••••••0009", "12/04/1995", "Nam", units.commune_b.code, "Đã về nước",
             "01/07/2021", "Nhật Bản", None, None, "30/06/2023", None, None, units.commune_b.name, None),
            ("Trần Thị Hai Lần", "••••••••0077", "02/01/1990", "Nữ", units.commune_a.code, "Đã xuất cảnh",
             "01/03/2024", "Nhật Bản", reference_name("JP-TITP"), "T-001/GP", None, "01/03/2027", "36",
             units.commune_a.name, "••••••3456"),
        ]


    def test_the_worker_who_left_twice_imports_back_without_changes(self, travelled, users, client_for):
        data = b"".join(export_response(client_for(users.admin), reverse("workers:worker_export")).streaming_content)
        before = (list(Worker.objects.order_by("pk").values_list("pk", "version", "status")),
                  list(Departure.objects.order_by("pk").values_list("pk", "date")), StatusChange.objects.count())
        result = import_workers(data, user=users.admin)
        assert result.unchanged == 2
        after = (list(Worker.objects.order_by("pk").values_list("pk", "version", "status")),
                 list(Departure.objects.order_by("pk").values_list("pk", "date")), StatusChange.objects.count())
        assert after == before


def reference_name(code: str) -> str:
    from workers.models import Programme

    return Programme.objects.get(code=code).name_vi
