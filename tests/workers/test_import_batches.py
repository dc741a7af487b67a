"""Issue 21: the worker import reads, checks and writes its sheet a batch of rows at a time (bounded memory) and stays
all or nothing: an error in any batch saves nothing and every error of the sheet is listed, the checks across rows
(the same citizen ID twice, likely duplicates) see every row, and a sheet imported in many batches writes exactly
what it writes in one."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import transaction

from portal.models import JobStatus, ReportJob
from portal.xlsx import ImportRejected, iter_sheet, read_sheet
from workers import importers, services
from workers.importers import COLUMNS, import_workers
from workers.models import AftercareSettings, Departure, Return, Sex, Status, StatusChange, Worker

from .fixtures import cccd
from .test_import import good_rows, sheet
from .test_import_bulk import created_entries, household_entries, registry, varied_rows
from .test_import_jobs import long_sheets, upload  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

WHOLE = 10_000  # a batch larger than any sheet here: the sheet checked whole, as before batches


def row(units, number: int, *, name: str | None = None, dob=dt.date(1994, 5, 6), citizen_id: str | None = None,
        unit=None) -> list:
    return [name or f"Người Thử Lô {number:02d}", citizen_id or cccd(dob, serial=700 + number),
            dob.strftime("%d/%m/%Y"), "Nam", (unit or units.commune_a).code]


def eight_rows(units) -> list[list]:
    return [row(units, n) for n in range(1, 9)]  # spreadsheet rows 2 to 9


def nothing_saved() -> bool:
    return (Worker.objects.count(), StatusChange.objects.count(), Departure.objects.count(),
            LogEntry.objects.filter(content_type__app_label="workers").count()) == (0, 0, 0, 0)


def rejected(data: bytes, user, **options) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRejected) as exc:
        import_workers(data, user=user, **options)
    return [(e.row, e.column, e.message) for e in exc.value.errors]


@pytest.fixture
def saved_batches(monkeypatch):
    """How many rows each call of ``_save_batch`` got."""
    calls = []
    save = importers._save_batch

    def spy(plans, **kwargs):
        calls.append(len(plans))
        return save(plans, **kwargs)

    monkeypatch.setattr(importers, "_save_batch", spy)
    return calls


class BatchTests:
    def test_an_error_in_a_later_batch_saves_nothing_and_is_listed(self, users, units, saved_batches):
        rows = eight_rows(units)
        rows[7][2] = "31/02/1994"  # row 9, in the third batch of 3 rows
        errors = rejected(sheet(rows, [c.label for c in COLUMNS[:5]]), users.official_a,
                          batch_size=3)
        assert [(r, c) for r, c, _m in errors] == [(9, "Ngày sinh")]
        assert saved_batches == [3, 3]  # the first two batches were written, then rolled back
        assert nothing_saved()

    def test_after_an_error_the_later_batches_are_checked_not_written(self, users, units, saved_batches):
        rows = eight_rows(units)
        rows[1][3] = "?"  # row 3, first batch
        rows[6][4] = "99999"  # row 8, third batch
        errors = rejected(sheet(rows, [c.label for c in COLUMNS[:5]]), users.official_a, batch_size=3)
        assert [(r, c) for r, c, _m in errors] == [(3, "Giới tính"), (8, "Mã đơn vị")]
        assert saved_batches == []
        assert nothing_saved()

    def test_the_same_citizen_id_on_rows_of_two_batches(self, users, units):
        rows = eight_rows(units)
        rows[6][1] = rows[1][1]  # row 8 repeats row 3's citizen ID
        rows[6][0] = rows[1][0]
        headers = [c.label for c in COLUMNS[:5]]
        errors = rejected(sheet(rows, headers), users.official_a, batch_size=3)
        assert errors == [(8, "Số CCCD", "Số CCCD này cũng có ở dòng 3.")]
        assert errors == rejected(sheet(rows, headers), users.official_a, batch_size=WHOLE)
        assert nothing_saved()

    def test_likely_duplicates_across_batches_are_those_of_the_whole_sheet(self, make_worker, users, units):
        known = make_worker(full_name="Đặng Văn Cũ", dob=dt.date(1990, 1, 1))
        renamed = make_worker(full_name="Đặng Văn Đổi", dob=dt.date(1991, 2, 2))
        rows = eight_rows(units)
        rows[0] = row(units, 1, name="Trùng Tên Lô", dob=dt.date(1993, 3, 3))
        rows[5] = row(units, 6, name="Trùng Tên Lô", dob=dt.date(1993, 3, 3))  # row 7 ≈ row 2 (another batch)
        rows[6] = row(units, 7, name="Đặng Văn Cũ", dob=dt.date(1990, 1, 1))  # row 8 ≈ a registered worker
        # row 3 renames a known worker (first batch); row 9 (third batch) takes its former name: still a likely
        # duplicate of the registry as it was before the import
        rows[1] = row(units, 2, name="Đặng Văn Mới", dob=dt.date(1991, 2, 2), citizen_id=renamed.citizen_id)
        rows[7] = row(units, 8, name="Đặng Văn Đổi", dob=dt.date(1991, 2, 2))
        data = sheet(rows, [c.label for c in COLUMNS[:5]])
        errors = rejected(data, users.official_a, batch_size=3)
        assert [(r, c) for r, c, _m in errors] == [(7, "Số CCCD"), (8, "Số CCCD"), (9, "Số CCCD")]
        assert "dòng 2" in errors[0][2]
        assert known.citizen_id[-4:] in errors[1][2] and renamed.citizen_id[-4:] in errors[2][2]
        assert errors == rejected(data, users.official_a, batch_size=WHOLE)
        assert Worker.objects.get(pk=renamed.pk).full_name == "Đặng Văn Đổi"  # rolled back
        assert Worker.objects.count() == 2

    def test_accepted_likely_duplicates_across_batches(self, users, units):
        rows = eight_rows(units)
        rows[5] = row(units, 6, name=rows[0][0], dob=dt.date(1994, 5, 6))  # row 7 ≈ row 2 (another batch)
        data = sheet(rows, [c.label for c in COLUMNS[:5]])
        # the worker of row 2, written with the first batch, is not also "a registered worker" for row 7
        assert rejected(data, users.official_a, batch_size=3) == [
            (7, "Số CCCD", "Có thể trùng với dòng 2 (cùng họ tên, ngày sinh và đơn vị, khác số CCCD).")]
        assert nothing_saved()
        result = import_workers(data, user=users.official_a, accept_duplicates=True, batch_size=3)
        assert result.created == 8 and Worker.objects.count() == 8

    def test_many_batches_write_exactly_what_one_batch_writes(self, make_worker, users, units, enterprises):
        known = make_worker(full_name="Nguyễn Văn Đã Có", dob=dt.date(1990, 6, 1))
        rows = varied_rows(units) + [
            # a known worker departs, in the last batch
            ["Nguyễn Văn Đã Có", known.citizen_id, "01/06/1990", "Nam", units.commune_a.code, "", "", "",
             "01/03/2025", "Nhật Bản", "JP-TITP", "T-001/GP", ""],
            ["Phan Thị Mười", cccd(dt.date(1996, 10, 10), Sex.FEMALE, serial=910), "10/10/1996", "Nữ",
             units.commune_a.code, "", "", "Đang đào tạo", "", "", "", "", ""],
        ]
        data = sheet(rows)
        with transaction.atomic():
            whole = import_workers(data, user=users.official_a, batch_size=WHOLE)
            expected = registry()
            expected_audit = {model: created_entries(model) for model in (Worker, Departure, Return)}
            expected_households = household_entries()
            transaction.set_rollback(True)
        assert Worker.objects.count() == 1

        result = import_workers(data, user=users.official_a, batch_size=3)
        assert result == whole
        assert (result.created, result.updated, result.unchanged, result.departures, result.returns,
                result.status_changes) == (10, 0, 1, 6, 2, 1)
        assert registry() == expected
        assert {model: created_entries(model) for model in (Worker, Departure, Return)} == expected_audit
        assert household_entries() == expected_households
        assert Worker.objects.get(pk=known.pk).status == Status.DEPARTED
        assert Worker.objects.get(full_name="Phan Thị Mười").status == Status.TRAINING
        assert Return.objects.count() == 2 and Departure.objects.count() == 6

    def test_departure_warnings_count_the_departures_before_the_import_not_the_earlier_batches(
            self, make_worker, users, reference, enterprises, units):
        AftercareSettings.objects.create(unit=units.province, absconding_rate_threshold=Decimal(20),
                                         absconding_min_departures=5)
        for n in range(5):  # 2 of 5 absconded: 40 %
            departure = services.departure_record(user=users.admin, worker=make_worker(),
                                                  date=dt.date(2023, 1, 2 + n), country=reference.japan,
                                                  programme=reference.titp, enterprise=enterprises.active)
            if n < 2:
                services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 9, 1),
                                           source="enterprise")
        rows = [row(units, n) + ["", "", "", f"0{n}/02/2024", "Nhật Bản", "JP-TITP", enterprises.active.licence_no, ""]
                for n in range(1, 7)]
        result = import_workers(sheet(rows), user=users.official_a, batch_size=2)
        assert result.departures == 6
        warnings = set(Departure.objects.filter(worker__full_name__startswith="Người Thử Lô")
                       .values_list("warning", flat=True))
        assert len(warnings) == 1 and "2 trong số 5" in warnings.pop()  # the third batch too: not "2 of 9"

    def test_the_sheet_is_read_a_row_at_a_time_as_read_sheet_reads_it(self, units):
        rows = good_rows(units)
        rows.insert(2, [None] * 5)  # an empty row: skipped, its number counted
        data = sheet(rows)
        whole = read_sheet(data, COLUMNS, keep_extra=True)
        headers, lazy = iter_sheet(data, COLUMNS, keep_extra=True)
        assert headers.columns == whole.columns and headers.rows == []
        read = list(lazy)
        assert [(number, values) for number, values, _cells in read] == whole.rows
        assert [(number, cells) for number, _values, cells in read] == whole.raw_rows
        assert [number for number, _v, _c in read] == [2, 3, 5, 6, 7]


class BatchJobTests:
    def test_the_import_job_imports_in_batches(self, long_sheets, users, units, enterprises,  # noqa: F811
                                               client_for, monkeypatch):
        monkeypatch.setattr(importers, "BATCH_ROWS", 2)
        client = client_for(users.official_a)
        upload(client, sheet(good_rows(units)))
        job = ReportJob.objects.get(kind="import_workers")
        assert job.status == JobStatus.DONE, job.error
        assert job.result["rejected"] is False and job.result["created"] == 5 and Worker.objects.count() == 5

    def test_the_import_job_rejects_an_error_of_the_last_batch(self, long_sheets, users, units,  # noqa: F811
                                                               enterprises, client_for, monkeypatch):
        monkeypatch.setattr(importers, "BATCH_ROWS", 2)
        rows = good_rows(units)
        rows[4][1] = "123"  # row 6: the third batch
        upload(client_for(users.official_a), sheet(rows))
        job = ReportJob.objects.get(kind="import_workers")
        assert job.status == JobStatus.DONE and job.result["rejected"] is True
        assert [(e["row"], e["column"]) for e in job.result["errors"]] == [(6, "Số CCCD")]
        assert Worker.objects.count() == 0 and StatusChange.objects.count() == 0

