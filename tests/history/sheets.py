"""Real-looking legacy sheets, built in the tests: title rows, a header over two rows with merged cells
("Ngày tháng năm sinh" over "Nam" and "Nữ"), a row of column numbers, 9-digit CMND, addresses as text, a total row
and signatures at the end; and sheets of totals per district and year."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from openpyxl import Workbook


@dataclass
class Person:
    name: str
    dob: dt.date | str
    sex: str  # "Nam" | "Nữ"
    id_number: str
    address: str
    country: str = "Nhật Bản"
    company: str = ""
    departure: dt.date | str | None = None
    back: dt.date | str | None = None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def legacy_people_sheet(people: list[Person], *, title: str = "DANH SÁCH LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI NĂM 2019",
                        dates_as_cells: bool = False, total_row: bool = True) -> bytes:
    """A district's yearly list as they were kept: the DOB in the column of the person's sex."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Ninh Sơn 2019"
    sheet["A1"] = "UBND HUYỆN NINH SƠN"
    sheet["F1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    sheet["A2"] = "PHÒNG LAO ĐỘNG - TB&XH"
    sheet["F2"] = "Độc lập - Tự do - Hạnh phúc"
    sheet["A4"] = title
    sheet.merge_cells("A4:J4")
    headers = ["STT", "Họ tên", "Ngày tháng năm sinh", None, "CMND/CCCD", "Địa chỉ", "Nước đến", "Công ty",
               "Ngày xuất cảnh", "Ngày về nước"]
    for col, value in enumerate(headers, start=1):
        if value:
            sheet.cell(row=6, column=col, value=value)
    sheet.cell(row=7, column=3, value="Nam")
    sheet.cell(row=7, column=4, value="Nữ")
    for col in (1, 2, 5, 6, 7, 8, 9, 10):
        sheet.merge_cells(start_row=6, start_column=col, end_row=7, end_column=col)
    sheet.merge_cells("C6:D6")
    for col in range(1, 11):
        sheet.cell(row=8, column=col, value=f"({col})")
    row = 9
    for number, person in enumerate(people, start=1):
        dob = person.dob if dates_as_cells and isinstance(person.dob, dt.date) else _text(person.dob)
        values = [number, person.name, dob if person.sex == "Nam" else None, dob if person.sex == "Nữ" else None,
                  person.id_number, person.address, person.country, person.company or None,
                  _text(person.departure), _text(person.back)]
        for col, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=row, column=col, value=value)
        row += 1
    if total_row:
        sheet.cell(row=row, column=1, value="Tổng cộng")
        sheet.cell(row=row, column=5, value=f"{len(people)} người")
        row += 2
    sheet.cell(row=row, column=7, value="Ninh Sơn, ngày 31 tháng 12 năm 2019")
    sheet.cell(row=row + 1, column=7, value="NGƯỜI LẬP BIỂU")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def totals_sheet(rows: list[tuple], *, header=("Đơn vị", "Năm", "Tổng số", "Nhật Bản", "Hàn Quốc", "Đài Loan", "Nữ",
                                               "Hộ nghèo, cận nghèo", "Dân tộc thiểu số"),
                 title: str = "TỔNG HỢP SỐ LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI 2016 - 2018") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH NINH THUẬN"
    sheet["A2"] = title
    sheet.merge_cells("A2:I2")
    for col, value in enumerate(header, start=1):
        sheet.cell(row=4, column=col, value=value)
    for r, values in enumerate(rows, start=5):
        for col, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=r, column=col, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    text = "\r\n".join(",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows) + "\r\n"
    if encoding == "cp1258":
        return to_cp1258(text)
    if encoding == "utf-16":
        return text.encode("utf-16")
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode(encoding)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: letters with their vowel marks (ơ, ư, â, ê, ô, ă) precomposed,
    the tone (grave, acute, tilde, hook, dot below) as a combining mark after them."""
    import unicodedata

    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        tones = "".join(c for c in parts if c in _TONES)
        out += (base + tones).encode("cp1258")
    return bytes(out)
