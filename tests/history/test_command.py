"""``manage.py import_history FILE (--mapping NAME | --auto) [--structure legacy|2025] [--dry-run]``."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from history.models import BatchStatus, ImportBatch
from tests.history.conftest import NINH_SON_2019, preview, upload
from tests.history.sheets import Person, csv_bytes, legacy_people_sheet, totals_sheet
from workers.models import Worker

pytestmark = pytest.mark.django_db


def write(tmp_path, data: bytes, name: str = "ninh-son-2019.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


class ImportHistoryCommandTests:
    def test_auto_maps_previews_and_saves(self, users, units, reference_data, enterprises, tmp_path, capsys):
        call_command("import_history", write(tmp_path, legacy_people_sheet(NINH_SON_2019)), "--auto",
                     "--user", users.province.username)
        out = capsys.readouterr().out
        assert "Preview: new workers 5, updated 0, departures 5, returns 2, history figures 0, errors 0" in out
        assert "Imported (batch #" in out and Worker.objects.count() == 5
        assert ImportBatch.objects.get().status == BatchStatus.COMMITTED

    def test_a_dry_run_prints_the_counts_and_saves_nothing(self, users, units, reference_data, tmp_path, capsys):
        call_command("import_history", write(tmp_path, legacy_people_sheet(NINH_SON_2019)), "--auto", "--dry-run",
                     "--user", users.province.username)
        out = capsys.readouterr().out
        assert "Preview: new workers 5" in out and "Dry run: nothing was saved." in out
        assert not Worker.objects.exists() and not ImportBatch.objects.exists()

    def test_a_saved_mapping_by_name(self, users, units, reference_data, tmp_path, capsys):
        preview(users.province, upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019)),
                save_as="Sổ huyện")
        ImportBatch.objects.all().delete()
        later = [Person("Đinh Văn Mới", dt.date(1993, 3, 3), "Nam", "264600100", "Lâm Sơn, Ninh Sơn",
                        departure=dt.date(2020, 1, 5))]
        call_command("import_history", write(tmp_path, legacy_people_sheet(later, title="NĂM 2020")),
                     "--mapping", "Sổ huyện", "--structure", "legacy", "--user", users.province.username)
        assert "new workers 1" in capsys.readouterr().out
        with pytest.raises(CommandError, match="No saved mapping"):
            call_command("import_history", write(tmp_path, legacy_people_sheet(later)), "--mapping", "Không có",
                         "--user", users.province.username)

    def test_auto_refuses_an_unmapped_required_field_listing_the_columns(self, users, units, tmp_path):
        rows = [["Họ tên", "Ghi chú", "Địa chỉ"], ["Người Không Số", "abc", "Lâm Sơn, Ninh Sơn"]]
        with pytest.raises(CommandError) as caught:
            call_command("import_history", write(tmp_path, csv_bytes(rows, "utf-8"), "x.csv"), "--auto",
                         "--user", users.province.username)
        message = str(caught.value)
        assert "Columns of the sheet:" in message and "2. Ghi chú → (not imported)" in message
        assert not Worker.objects.exists()

    def test_auto_refuses_an_ambiguous_address(self, users, units, reference_data, tmp_path, capsys):
        call_command("load_admin_units", "--structure", "legacy", "--province", "87")
        capsys.readouterr()
        people = [Person("Người Tân Hòa", dt.date(1990, 1, 1), "Nam", "341500001", "Xã Tân Hòa, Đồng Tháp",
                         departure=dt.date(2019, 4, 1))]
        with pytest.raises(CommandError) as caught:
            call_command("import_history", write(tmp_path, legacy_people_sheet(people)), "--auto", "--unit", "87",
                         "--user", users.admin.username)
        assert "is ambiguous" in str(caught.value) and "Columns of the sheet:" in str(caught.value)
        assert not Worker.objects.exists()

    def test_totals_and_a_windows_1258_csv(self, users, units, tmp_path, capsys):
        call_command("import_history", write(tmp_path, totals_sheet([("Ninh Sơn", 2017, 15), ("Bác Ái", 2017, 17)]),
                                             "t.xlsx"), "--auto", "--user", users.province.username)
        assert "Imported (batch #" in capsys.readouterr().out
        rows = [["Đơn vị", "Năm", "Tổng số"], ["Huyện Ninh Sơn", "2018", "19"]]
        call_command("import_history", write(tmp_path, csv_bytes(rows, "cp1258"), "t.csv"), "--auto",
                     "--user", users.province.username)
        assert "history figures 1, errors 0" in capsys.readouterr().out

    def test_errors_are_printed_by_row_and_column(self, users, units, reference_data, tmp_path):
        bad = [Person("Người Sai", dt.date(1990, 1, 1), "Nam", "12345", "Lâm Sơn, Ninh Sơn",
                      departure=dt.date(2019, 4, 1))]
        with pytest.raises(CommandError) as caught:
            call_command("import_history", write(tmp_path, legacy_people_sheet(bad)), "--auto",
                         "--user", users.province.username)
        assert "row 9, column “CMND/CCCD”" in str(caught.value)
