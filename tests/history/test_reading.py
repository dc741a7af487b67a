"""Legacy files read as they are: the header found below title rows, merged headers, a row of column numbers, a
total row and signatures left out; CSV in UTF-8, UTF-16 or Windows-1258 (combining accents, normalised to NFC)."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from history.reading import decode_text, read_file
from portal.xlsx import ImportRejected
from tests.history.conftest import NINH_SON_2019
from tests.history.sheets import csv_bytes, legacy_people_sheet, totals_sheet

ROWS = [["Họ tên", "CMND/CCCD", "Ngày sinh", "Địa chỉ", "Nước đến"],
        ["Nguyễn Thị Hòa", "264512345", "12/03/1995", "Xã Lâm Sơn, huyện Ninh Sơn", "Nhật Bản"]]


class HeaderTests:
    def test_the_header_is_found_below_title_rows_with_merged_cells_and_column_numbers(self):
        sheet = read_file(legacy_people_sheet(NINH_SON_2019), "ds.xlsx")
        assert sheet.header.row_number == 6 and sheet.header.depth == 2
        assert sheet.header.labels[:5] == ["STT", "Họ tên", "Ngày tháng năm sinh / Nam", "Ngày tháng năm sinh / Nữ",
                                           "CMND/CCCD"]
        first_number, first_cells = sheet.rows[0]
        assert first_number == 9 and first_cells[1] == "Nguyễn Văn An"  # the "(1) (2)…" row is not data

    def test_a_totals_sheet_with_a_title_keeps_one_header_row(self):
        sheet = read_file(totals_sheet([("Huyện Ninh Sơn", 2017, 15)]), "t.xlsx")
        assert sheet.header.row_number == 4 and sheet.header.depth == 1
        assert sheet.header.labels[:3] == ["Đơn vị", "Năm", "Tổng số"]

    def test_a_sheet_without_any_header_is_refused_with_a_clear_message(self):
        data = csv_bytes([["Nguyễn Văn A", "264512345", "12/03/1995"], ["Trần Thị B", "264512346", "01/01/1990"]],
                         "utf-8")
        with pytest.raises(ImportRejected) as caught:
            read_file(data, "x.csv")
        assert "No header row was found" in str(caught.value.errors[0].message) or "Không tìm thấy" in str(
            caught.value.errors[0].message)

    def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(self):
        with pytest.raises(ImportRejected):
            read_file(b"%PDF-1.4", "scan.pdf")
        with pytest.raises(ImportRejected):
            read_file(b"%PDF-1.4 not a zip", "fake.xlsx")


class EncodingTests:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
    def test_a_csv_is_read_in_its_encoding_and_normalised_to_nfc(self, encoding):
        sheet = read_file(csv_bytes(ROWS, encoding), "ds.csv")
        name = sheet.rows[0][1][0]
        assert name == "Nguyễn Thị Hòa" and unicodedata.is_normalized("NFC", name)
        assert sheet.header.labels[:2] == ["Họ tên", "CMND/CCCD"]
        assert sheet.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16",
                                  "cp1258": "windows-1258"}[encoding]

    def test_windows_1258_really_uses_combining_marks_that_are_composed_back(self):
        raw = csv_bytes(ROWS, "cp1258")
        assert "Nguyễn".encode("utf-8") not in raw
        text, encoding = decode_text(raw)
        assert encoding == "windows-1258" and "Nguyễn Thị Hòa" in text

    def test_excel_date_cells_are_dates(self):
        sheet = read_file(legacy_people_sheet(NINH_SON_2019, dates_as_cells=True), "ds.xlsx")
        assert sheet.rows[0][1][2] == dt.date(1995, 3, 14)
