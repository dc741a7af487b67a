"""Blank sheets for the class and enrolment imports (headers and one example row of fake data)."""
from __future__ import annotations

from typing import IO

from openpyxl import Workbook

from portal.printing import print_setup
from portal.xlsx import add_example_sheet
from training.importers import CLASS_COLUMNS, ENROLMENT_COLUMNS


def _template(fileobj: IO[bytes], title: str, headers: list[str], example: list) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = max(14, len(str(column[0].value)) + 2)
    print_setup(sheet, header_rows=(1, 1))
    add_example_sheet(workbook, headers, [example])
    workbook.save(fileobj)


def write_class_template(fileobj: IO[bytes]) -> None:
    _template(fileobj, "Lớp đào tạo", [c.label for c in CLASS_COLUMNS], [
        "NN-2026-01", "Tiếng Nhật sơ cấp N5 (ví dụ)", "Ngoại ngữ", "58", "Trung tâm Dịch vụ việc làm",
        "Trung tâm Dịch vụ việc làm tỉnh", "", "Nhật Bản", "JP-TITP", "Tiếng Nhật", "02/03/2026", "30/06/2026",
        "Phan Rang – Tháp Chàm", "30", "6.000.000", "", ""])


def write_enrolment_template(fileobj: IO[bytes]) -> None:
    _template(fileobj, "Học viên", [c.label for c in ENROLMENT_COLUMNS], [
        "NN-2026-01", "058095000123", "02/03/2026", "Đạt", "95", "N5-0001", "15/07/2026", "JLPT N5", ""])
