"""Cases in Excel: the case list (the import sheet's columns, so an export can be imported back, plus where each
case stands), the summary per unit and period, and a blank import sheet. Pure writers fed by the selectors."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

import xlsxwriter
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from complaints.importers import (
    CHANNEL_NAMES,
    COLUMNS,
    COMPLAINANT_NAMES,
    OUTCOME_NAMES,
    PARTY_NAMES,
    REFERRED_NAMES,
    STATUS_VI,
)
from complaints.models import FINAL_STATUSES, OPEN_STATUSES, Status
from complaints.selectors import CaseSummary, ExportCase
from portal.formats import format_date
from portal.printing import print_setup, print_setup_xlsxwriter, title_fits
from portal.xlsx import add_example_sheet, neutralise

EXTRA_HEADERS = ["Trạng thái", "Hạn bước hiện tại", "Số ngày quá hạn", "Tên đơn vị thụ lý", "Mã đối tượng"]
HIDDEN = "(ẩn)"
COMPLAINANT_KEYS = ("worker_citizen_id", "complainant_name", "complainant_phone", "complainant_address")
WIDTHS = {"number": 18, "unit": 10, "description": 50, "respondent_name": 30, "complainant_name": 24,
          "complainant_address": 30, "respondent_address": 30}


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def case_cells(item: ExportCase, *, today: dt.date) -> list:
    """One case as the export writes it, in the order of ``COLUMNS`` then ``EXTRA_HEADERS``; the complainant's
    identity hidden unless ``item.full``."""
    case, started, referred = item.case, item.started, item.referred_to
    final = case.status if case.status in FINAL_STATUSES else None
    values = {
        "number": case.number, "unit": case.unit.code, "received_on": _day(case.received_on),
        "channel": CHANNEL_NAMES[case.channel][0], "complainant_kind": COMPLAINANT_NAMES[case.complainant_kind][0],
        "worker_citizen_id": case.worker.citizen_id if case.worker_id else "",
        "complainant_name": case.complainant_name, "complainant_phone": case.complainant_phone,
        "complainant_address": case.complainant_address,
        "respondent_kind": PARTY_NAMES[case.respondent_kind][0],
        "licence_no": case.enterprise.licence_no if case.enterprise_id else "",
        "respondent_name": case.respondent_name, "respondent_phone": case.respondent_phone,
        "respondent_address": case.respondent_address, "category": case.category.name_vi,
        "country": case.country.name_vi if case.country_id else "", "incident_date": _day(case.incident_date),
        "amount_claimed": case.amount_claimed, "description": case.description,
        "verifying_on": _day(started.get(Status.VERIFYING)), "referred_on": _day(started.get(Status.REFERRED)),
        "referred_to": REFERRED_NAMES[referred][0] if referred else "",
        "closed_on": _day(case.closed_on), "outcome": OUTCOME_NAMES[final][0] if final else "",
        "amount_recovered": case.amount_recovered, "sanction": case.sanction,
        "referral_result": case.referral_result, "note": item.final_note,
    }
    if not item.full:
        for key in COMPLAINANT_KEYS:
            if values[key]:
                values[key] = HIDDEN
    overdue = (today - case.due_on).days if case.status in OPEN_STATUSES and case.due_on and today > case.due_on else None
    cells = [values[c.key] for c in COLUMNS]
    cells += [STATUS_VI[case.status], _day(case.due_on) if case.status in OPEN_STATUSES else "", overdue,
              case.unit.name, case.party_id]
    return [neutralise(cell) for cell in cells]


def write_cases_workbook(rows: Iterable[list], fileobj: IO[bytes]) -> int:
    """Write the cells of ``case_cells`` rows; returns how many cases."""
    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True})
    sheet = workbook.add_worksheet("Vụ việc khiếu nại")
    sheet.freeze_panes(1, 1)
    headers = [c.label for c in COLUMNS] + EXTRA_HEADERS
    for col, column in enumerate(COLUMNS):
        sheet.set_column(col, col, WIDTHS.get(column.key, 16))
    sheet.set_column(len(COLUMNS), len(headers) - 1, 16)
    bold = workbook.add_format({"bold": True, "text_wrap": True})
    money = workbook.add_format({"num_format": "#,##0"})
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, bold)
    amounts = {index for index, c in enumerate(COLUMNS) if c.key in ("amount_claimed", "amount_recovered")}
    count = 0
    for count, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, int):
                sheet.write_number(count, col, value, money if col in amounts else None)
            else:
                sheet.write_string(count, col, str(value))
    print_setup_xlsxwriter(sheet, header_rows=(0, 0), last_row=count, last_column=len(headers) - 1)
    workbook.close()
    return count


def _header(sheet, texts: list[str], widths: list[int]) -> None:
    sheet.append(texts)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def write_summary_workbook(summary: CaseSummary, fileobj: IO[bytes]) -> None:
    """Sheet 1: one row per unit below the chosen one, and the total; sheet 2: cases per category."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp khiếu nại"
    sheet.append([f"Tổng hợp vụ việc khiếu nại, tố cáo về đưa người lao động đi làm việc ở nước ngoài – "
                  f"{neutralise(summary.unit.name)}"])
    sheet["A1"].font = Font(bold=True, size=13)
    title_fits(sheet, 1, 11, height=36)
    sheet.append([f"Từ ngày {format_date(summary.date_from)} đến ngày {format_date(summary.date_to)} (tiền: đồng)"])
    _header(sheet, ["Mã đơn vị", "Đơn vị", "Tiếp nhận", "Đã giải quyết xong", "Trong đó đúng hạn", "Tỷ lệ đúng hạn",
                    "Đã giải quyết (có kết quả)", "Còn mở cuối kỳ", "Quá hạn cuối kỳ", "Số tiền yêu cầu",
                    "Số tiền thu hồi"], [11, 32, 11, 14, 14, 12, 16, 13, 13, 18, 18])
    for row in [*summary.rows, summary.total]:
        name = "Tổng cộng" if row.is_total else (f"{row.name} (trực thuộc)" if row.is_self else row.name)
        sheet.append([row.code, neutralise(name), row.received, row.settled, row.settled_in_time, row.in_time_share,
                      row.resolved, row.open_at_end, row.overdue_at_end, row.claimed, row.recovered])
        line = sheet[sheet.max_row]
        line[5].number_format = "0.0%"
        for cell in line[9:]:
            cell.number_format = "#,##0"
        if row.is_total:
            for cell in line:
                cell.font = Font(bold=True)
    categories = workbook.create_sheet("Theo loại vụ việc")
    _header(categories, ["Loại vụ việc", "Tiếp nhận", "Đã giải quyết xong"], [44, 12, 18])
    for name, received, settled in summary.by_category:
        categories.append([neutralise(name), received, settled])
    print_setup(sheet, header_rows=(3, 3))
    print_setup(categories, header_rows=(1, 1))
    workbook.save(fileobj)


def write_import_template(fileobj: IO[bytes]) -> None:
    """The import headers, and two example rows (fake data) on a second sheet."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vụ việc khiếu nại")
    print_setup(sheet, header_rows=(1, 1), last_row=1, last_column=len(COLUMNS))  # before the first row (write-only)
    sheet.append([c.label for c in COLUMNS])
    example = {
        "number": "15/2026/KN", "unit": "585", "received_on": "03/02/2026", "channel": "Trực tiếp",
        "complainant_kind": "Người thân", "complainant_name": "Trần Thị Ví Dụ", "complainant_phone": "0912 000 111",
        "respondent_kind": "Cá nhân môi giới", "respondent_name": "Nguyễn Văn Môi Giới",
        "respondent_phone": "+84 987 000 222", "category": "Lừa đảo, hứa hẹn việc làm giả", "country": "Nhật Bản",
        "incident_date": "10/12/2025", "amount_claimed": "80.000.000",
        "description": "Nhận tiền hứa đưa đi Nhật Bản, không đưa đi, không trả lại tiền.",
        "verifying_on": "10/02/2026", "referred_on": "20/02/2026", "referred_to": "Công an",
    }
    examples = [[example.get(c.key, "") for c in COLUMNS]]
    done = {**example, "number": "16/2026/KN", "referred_on": "", "referred_to": "",
            "respondent_kind": "Doanh nghiệp có giấy phép", "licence_no": "DEMO-001/LĐTBXH-GP", "respondent_name": "",
            "respondent_phone": "", "category": "Không trả lại tiền ký quỹ, tiền đặt cọc", "closed_on": "05/03/2026",
            "outcome": "Đã giải quyết", "amount_recovered": "30.000.000", "complainant_kind": "Người dân"}
    examples.append([done.get(c.key, "") for c in COLUMNS])
    add_example_sheet(workbook, [c.label for c in COLUMNS], examples)
    workbook.save(fileobj)
