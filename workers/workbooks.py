"""The worker list in Excel: the import sheet's columns (so a file exported can be
imported back), plus the unit's name. Written with XlsxWriter in constant-memory
mode (each row goes to disk once the next one starts), so memory stays flat
whatever the number of workers; every cell is text (dates dd/mm/yyyy, the CCCD
with its leading zeros)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

import xlsxwriter
from openpyxl import Workbook

from portal.masking import mask
from portal.printing import print_setup, print_setup_xlsxwriter
from portal.xlsx import add_example_sheet, neutralise
from workers.importers import COLUMNS, SEX_VI, STATUS_VI
from workers.selectors import ExportRow

EXTRA_HEADERS = ["Tên đơn vị", "Điện thoại"]
SENSITIVE = {"ethnicity", "household_status"}
WIDTHS = {"full_name": 28, "citizen_id": 15, "date_of_birth": 12, "sex": 9, "unit_code": 10, "ethnicity": 12,
          "household_status": 30, "status": 15, "departure_date": 14, "country": 14, "programme": 30,
          "enterprise": 30, "return_date": 14, "contract_end": 14, "contract_months": 12, "unit_name": 30, "phone": 14}
MAX_ROWS = 1_048_576  # Excel's limit, header included


class TooManyRows(ValueError):
    """More workers than one Excel sheet can hold: XlsxWriter would drop the rest without a word."""


def write_workers_workbook(rows: Iterable[ExportRow], fileobj: IO[bytes], *, full: bool) -> int:
    """Write the workers (rows from ``selectors.worker_export_rows``) and return how many.

    ``full=False`` (viewers): the citizen ID and phone are masked and the
    sensitive columns (ethnicity, household status) are left out.
    """
    keys = [c.key for c in COLUMNS if full or c.key not in SENSITIVE] + ["unit_name", "phone"]
    labels = [c.label for c in COLUMNS if full or c.key not in SENSITIVE] + EXTRA_HEADERS
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True})
    sheet = workbook.add_worksheet("Người lao động")
    sheet.freeze_panes(1, 0)
    for col, key in enumerate(keys):
        sheet.set_column(col, col, WIDTHS[key])
    bold = workbook.add_format({"bold": True})
    for col, label in enumerate(labels):
        sheet.write_string(0, col, label, bold)
    write = sheet.write_string
    day = _day_text()
    sexes = {str(k): v for k, v in SEX_VI.items()}
    statuses = {str(k): v for k, v in STATUS_VI.items()}
    number = 0
    for number, (full_name, citizen_id, born, sex, unit_code, ethnicity, households, status, departed, country,
                 programme, enterprise, returned, unit_name, phone, contract_end, contract_months) in enumerate(
                     rows, start=1):
        if number >= MAX_ROWS:
            raise TooManyRows(f"more than {MAX_ROWS - 1} workers: filter the list before exporting it")
        contract = (contract_end and day(contract_end), contract_months and str(contract_months))
        if full:
            cells = (neutralise(full_name), citizen_id, day(born), sexes[sex], unit_code, ethnicity,
                     "; ".join(households), statuses[status], departed and day(departed), country, programme,
                     neutralise(enterprise), returned and day(returned), *contract, neutralise(unit_name),
                     neutralise(phone))
        else:
            cells = (neutralise(full_name), mask(citizen_id), day(born), sexes[sex], unit_code, statuses[status],
                     departed and day(departed), country, programme, neutralise(enterprise),
                     returned and day(returned), *contract, neutralise(unit_name), neutralise(mask(phone)))
        for col, text in enumerate(cells):
            if text:  # None and "" stay empty cells
                write(number, col, text)
    print_setup_xlsxwriter(sheet, header_rows=(0, 0), last_row=number, last_column=len(labels) - 1)
    workbook.close()
    return number


def _day_text():
    """dd/mm/yyyy of a date, remembered: an export meets the same few thousand dates again and again."""
    known: dict[dt.date, str] = {}

    def text(day: dt.date) -> str:
        try:
            return known[day]
        except KeyError:
            known[day] = day.strftime("%d/%m/%Y")
            return known[day]

    return text


def write_import_template(fileobj: IO[bytes]) -> None:
    """An empty sheet with the import headers (one example row of fake data on a second sheet), then the two columns of each
    national item of the pre-departure checklist ("Hồ sơ: …", "Ngày hồ sơ: …")."""
    from workers.importers import checklist_headers
    from workers.models import ChecklistItem

    examples = {"health": ("Đạt", "02/02/2024"), "orientation_cert": ("BD-2024/0158", "01/03/2024"),
                "passport": ("C1234567", "10/01/2024")}
    checklist_cells: list[tuple[str, str]] = []
    for item in ChecklistItem.objects.filter(active=True, unit__isnull=True):
        value_header, date_header = checklist_headers(item)
        value, day = examples.get(item.code, ("", ""))
        checklist_cells += [(value_header, value), (date_header, day)]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Người lao động")
    # A write-only sheet writes its page setup with its first row: set it before.
    print_setup(sheet, header_rows=(1, 1), last_row=1, last_column=len(COLUMNS) + len(checklist_cells))
    headers = [c.label for c in COLUMNS] + [header for header, _value in checklist_cells]
    sheet.append(headers)
    add_example_sheet(workbook, headers, [[
        "Nguyễn Văn Ví Dụ", "058095000123", "12/04/1995", "Nam", "22780", "Kinh", "Hộ nghèo", "Đã xuất cảnh",
        "15/03/2024", "Nhật Bản", "JP-TITP", "", "", "14/03/2027", "36"] + [value for _h, value in checklist_cells]])
    workbook.save(fileobj)


def write_due_workbook(rows, fileobj: IO[bytes], *, due_by: dt.date, full: bool) -> None:
    """The workers due to depart and what their pre-departure file lacks (``checklist.due_to_depart``);
    ``full=False`` (viewers): masked citizen IDs."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chuẩn bị xuất cảnh"
    sheet.append([f"DANH SÁCH NGƯỜI LAO ĐỘNG DỰ KIẾN XUẤT CẢNH ĐẾN NGÀY {due_by:%d/%m/%Y} CÒN THIẾU HỒ SƠ"])
    headers = ["STT", "Họ và tên", "Số CCCD", "Đơn vị", "Trạng thái", "Doanh nghiệp", "Thị trường",
               "Ngày dự kiến xuất cảnh", "Hồ sơ còn thiếu"]
    sheet.append(headers)
    for number, row in enumerate(rows, start=1):
        worker, expected = row.worker, row.expected
        missing = "; ".join(f"{line.item.name_vi} (không đạt)" if line.is_failed and full else line.item.name_vi
                            for line in row.missing)
        sheet.append([number, neutralise(worker.full_name),
                      worker.citizen_id if full else mask(worker.citizen_id), neutralise(worker.unit.name),
                      STATUS_VI[worker.status],
                      neutralise(expected.enterprise.name) if expected and expected.enterprise else "",
                      expected.country.name_vi if expected and expected.country else "",
                      expected.date.strftime("%d/%m/%Y") if expected and expected.date else "", missing])
    for letter, width in zip("ABCDEFGHI", (6, 28, 15, 28, 16, 32, 14, 14, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    print_setup(sheet, header_rows=(2, 2))
    workbook.save(fileobj)
