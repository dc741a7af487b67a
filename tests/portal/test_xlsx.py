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
