from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from workers import services
from workers.importers import import_workers
from workers.models import Departure, StatusChange, Worker


def read(data: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


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
        response = client_for(users.province).get(reverse("workers:worker_export"), {"unit": units.a.pk})
        assert response.status_code == 200
        rows = read(b"".join(response.streaming_content))
        assert len(rows) == 1
        row = rows[0]
        assert row["Họ và tên"] == "Nguyễn Văn Xuất" and row["Số CCCD"] == plain.citizen_id
        assert (row["Trạng thái"], row["Ngày xuất cảnh"], row["Nước đến"]) == ("Đã xuất cảnh", "01/03/2024", "Nhật Bản")
        assert row["Doanh nghiệp"] == "T-001/GP" and row["Mã đơn vị"] == units.commune_a.code

    def test_cells_from_user_text_are_neutralised(self, listed, users, client_for):
        response = client_for(users.admin).get(reverse("workers:worker_export"))
        rows = read(b"".join(response.streaming_content))
        tricky = next(r for r in rows if "HYPERLINK" in r["Họ và tên"])
        assert tricky["Họ và tên"].startswith("'=")
        assert tricky["Điện thoại"] == "'+84905123456"

    def test_a_viewer_gets_masked_ids_and_no_sensitive_columns(self, listed, users, client_for):
        response = client_for(users.viewer).get(reverse("workers:worker_export"))
        rows = read(b"".join(response.streaming_content))
        assert len(rows) == 2
        assert all(r["Số CCCD"].startswith("••••") for r in rows)
        assert "Dân tộc" not in rows[0] and "Diện hộ" not in rows[0]

    def test_an_exported_file_imports_back_without_changes(self, listed, users, client_for):
        data = b"".join(client_for(users.admin).get(reverse("workers:worker_export")).streaming_content)
        before = (list(Worker.objects.values_list("pk", "version", "status")), Departure.objects.count(),
                  StatusChange.objects.count())
        result = import_workers(data, user=users.admin)
        assert result.unchanged == 2
        assert (list(Worker.objects.values_list("pk", "version", "status")), Departure.objects.count(),
                StatusChange.objects.count()) == before

    def test_the_export_reads_in_batches_by_primary_key(self, make_worker, users):
        from workers.selectors import export_batches, worker_list

        for _ in range(5):
            make_worker()
        batches = list(export_batches(worker_list(users.admin), batch_size=2))
        assert [len(b) for b in batches] == [2, 2, 1]
        pks = [w.pk for b in batches for w in b]
        assert pks == sorted(pks)


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
