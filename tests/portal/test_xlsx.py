from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from portal.xlsx import Column, ImportRejected, neutralise, normalise_header, read_sheet

COLUMNS = [
    Column("unit_code", "Mã đơn vị"),
    Column("year", "Năm"),
    Column("target", "Chỉ tiêu"),
    Column("unit_name", "Đơn vị", required=False),
]


def workbook_bytes(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class ReadSheetTests:
    def test_headers_match_ignoring_case_accents_and_spaces(self):
        data = workbook_bytes([["MÃ ĐƠN VỊ ", "nam", "Chi tieu"], ["585", 2021, 25], [None, None, None], ["584", "2021", 30.0]])
        sheet = read_sheet(data, COLUMNS)
        assert sheet.rows == [(2, {"unit_code": "585", "year": 2021, "target": 25}),
                              (4, {"unit_code": "584", "year": "2021", "target": 30})]

    def test_english_aliases_work(self):
        data = workbook_bytes([["unit_code", "year", "target"], ["585", 2021, 25]])
        assert read_sheet(data, COLUMNS).rows[0][1]["target"] == 25

    def test_missing_and_duplicate_columns_are_listed_together(self):
        data = workbook_bytes([["Mã đơn vị", "Mã đơn vị", "Đơn vị"], ["585", "585", "x"]])
        with pytest.raises(ImportRejected) as exc:
            read_sheet(data, COLUMNS)
        messages = [(e.row, e.column) for e in exc.value.errors]
        assert (1, "Mã đơn vị") in messages and (1, "Năm") in messages and (1, "Chỉ tiêu") in messages

    def test_dates_come_back_as_dates(self):
        data = workbook_bytes([["Mã đơn vị", "Năm", "Chỉ tiêu"], ["585", dt.datetime(2021, 3, 1), 1]])
        assert read_sheet(data, COLUMNS).rows[0][1]["year"] == dt.date(2021, 3, 1)

    def test_a_file_that_is_not_xlsx_is_refused(self):
        with pytest.raises(ImportRejected, match="1 error"):
            read_sheet(b"Ma don vi;Nam\n585;2021\n", COLUMNS)

    def test_a_zip_without_a_workbook_is_refused(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        with pytest.raises(ImportRejected) as exc:
            read_sheet(buffer.getvalue(), COLUMNS)
        assert "xlsx" in exc.value.errors[0].message

    def test_a_zip_bomb_is_refused_before_parsing(self, settings):
        settings.UPLOAD_MAX_INFLATED_BYTES = 1024 * 1024
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"0" * (5 * 1024 * 1024))
        assert len(buffer.getvalue()) < 64 * 1024
        with pytest.raises(ImportRejected) as exc:
            read_sheet(buffer.getvalue(), COLUMNS)
        assert "malicious" in exc.value.errors[0].message or "độc hại" in exc.value.errors[0].message

    def test_an_oversized_file_is_refused(self, settings):
        settings.UPLOAD_MAX_BYTES = 2048
        with pytest.raises(ImportRejected):
            read_sheet(b"x" * 4096, COLUMNS)


class NeutraliseTests:
    def test_formula_like_text_is_neutralised(self):
        assert neutralise("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
        assert neutralise("+84 912") == "'+84 912"
        assert neutralise("-1") == "'-1"
        assert neutralise("@SUM") == "'@SUM"
        assert neutralise("Nguyễn Văn A") == "Nguyễn Văn A"
        assert neutralise(-1) == -1

    def test_header_normalisation(self):
        assert normalise_header("Phấn đấu (%)") == "phandau"
        assert normalise_header("Số CCCD") == "socccd"


class HostileFileTests:
    def test_a_tiny_file_naming_the_last_cell_of_the_sheet_is_refused_before_reading(self):
        # 5 KB that would make a reader allocate 1,048,576 × 16,384 cells and abort the process.
        wb = openpyxl.Workbook()
        wb.active.append(["Mã đơn vị", "Năm", "Chỉ tiêu"])
        wb.active.cell(row=1_048_576, column=16_384, value="x")
        buffer = io.BytesIO()
        wb.save(buffer)
        assert len(buffer.getvalue()) < 10_000
        with pytest.raises(ImportRejected) as exc:
            read_sheet(buffer.getvalue(), COLUMNS)
        assert "too many rows and columns" in exc.value.errors[0].message or "quá nhiều" in exc.value.errors[0].message

    def test_a_sheet_with_a_million_empty_rows_reads_only_its_data(self):
        wb = openpyxl.Workbook()
        wb.active.append(["Mã đơn vị", "Năm", "Chỉ tiêu"])
        wb.active.append(["585", 2021, 25])
        wb.active.cell(row=1_000_000, column=1, value=" ")
        buffer = io.BytesIO()
        wb.save(buffer)
        sheet = read_sheet(buffer.getvalue(), COLUMNS)
        assert sheet.rows == [(2, {"unit_code": "585", "year": 2021, "target": 25})]

    def test_formulas_are_never_evaluated(self):
        data = workbook_bytes([["Mã đơn vị", "Năm", "Chỉ tiêu"], ["585", 2021, "=1+1"], ["=HYPERLINK(\"http://x\")", 2021, 3]])
        rows = read_sheet(data, COLUMNS).rows
        # No cached value: the target is missing, not 2; the formula text never becomes a unit code.
        assert rows[0][1]["target"] is None
        assert rows[1][1]["unit_code"] in (None, "")

    def test_a_legacy_xls_or_a_renamed_csv_is_refused(self):
        ole_header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
        for data in (ole_header, "Mã đơn vị;Năm\n585;2021\n".encode("cp1258", errors="replace")):
            with pytest.raises(ImportRejected) as exc:
                read_sheet(data, COLUMNS)
            assert len(exc.value.errors) == 1 and exc.value.errors[0].row == 0

    def test_very_long_text_is_read_whole_for_the_importer_to_judge(self):
        long_name = "Nguyễn " * 4000  # 28,000 characters, under Excel's 32,767 per cell
        data = workbook_bytes([["Mã đơn vị", "Năm", "Chỉ tiêu", "Đơn vị"], ["585", 2021, 1, long_name]])
        assert read_sheet(data, COLUMNS).rows[0][1]["unit_name"] == long_name.strip()
