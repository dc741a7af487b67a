"""The support summary in Excel, fed by ``support_selectors.support_summary`` like the screen,
and blank import sheets for payments and loans."""
from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.formats import format_date
from portal.printing import print_setup, title_fits
from portal.xlsx import add_example_sheet, neutralise
from support.importers import LOAN_COLUMNS, PAYMENT_COLUMNS
from support.models import ITEM_KIND_VI, ItemKind
from support.selectors import SupportSummary

MONEY = '#,##0'


def _header(sheet, texts: list[str], widths: list[int]) -> None:
    sheet.append(texts)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{sheet.max_row + 1}"


def write_support_workbook(summary: SupportSummary, fileobj: IO[bytes]) -> None:
    """Sheet 1: one row per unit below the chosen one and a total; sheet 2: budgets used. Amounts in đồng."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hỗ trợ người lao động"
    sheet.append([f"Hỗ trợ người lao động đi làm việc ở nước ngoài – {neutralise(summary.unit.name)}"])
    sheet["A1"].font = Font(bold=True, size=13)
    title_fits(sheet, 1, 7 + len(ItemKind.values), height=22)
    sheet.append([f"Từ ngày {format_date(summary.date_from)} đến ngày {format_date(summary.date_to)} (đơn vị: đồng)"])
    kinds = ItemKind.values
    _header(sheet, ["Mã đơn vị", "Đơn vị", "Số người được hỗ trợ", *[ITEM_KIND_VI[k] for k in kinds],
                    "Tổng tiền hỗ trợ", "Số khoản vay NHCSXH", "Số người vay", "Số tiền vay"],
            [11, 32, 14, *([16] * len(kinds)), 18, 14, 12, 18])
    for row in [*summary.rows, summary.total]:
        name = "Tổng cộng" if row.is_total else (f"{row.name} (trực thuộc)" if row.is_self else row.name)
        sheet.append([row.code, neutralise(name), row.workers_supported, *row.items_in_order(), row.paid, row.loans,
                      row.loan_workers, row.loan_amount])
        for cell in sheet[sheet.max_row][3:]:
            cell.number_format = MONEY
        if row.is_total:
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)

    budgets = workbook.create_sheet("Kinh phí chính sách")
    _header(budgets, ["Mã chính sách", "Chính sách", "Năm", "Kinh phí", "Đã chi (toàn chính sách)",
                      "Còn lại", "Đã chi cho đơn vị trong kỳ"], [16, 44, 8, 18, 20, 18, 22])
    for line in summary.budgets:
        budgets.append([neutralise(line.policy.code), neutralise(line.policy.name), line.year, line.amount, line.used,
                        line.left, line.used_here])
        for cell in budgets[budgets.max_row][3:]:
            cell.number_format = MONEY
    print_setup(sheet, header_rows=(3, 3))
    print_setup(budgets, header_rows=(1, 1))
    workbook.save(fileobj)


def write_payment_template(fileobj: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Chi hỗ trợ")
    # A write-only sheet writes its page setup with its first row: set it before.
    print_setup(sheet, header_rows=(1, 1), last_row=1, last_column=len(PAYMENT_COLUMNS))
    sheet.append([c.label for c in PAYMENT_COLUMNS])
    add_example_sheet(workbook, [c.label for c in PAYMENT_COLUMNS], [[
        "058095000123", "NQ-DEMO-2026", ITEM_KIND_VI[ItemKind.LANGUAGE], "3.400.000", "15/03/2026", "123/QĐ-UBND"]])
    workbook.save(fileobj)


def write_loan_template(fileobj: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vay vốn NHCSXH")
    # A write-only sheet writes its page setup with its first row: set it before.
    print_setup(sheet, header_rows=(1, 1), last_row=1, last_column=len(LOAN_COLUMNS))
    sheet.append([c.label for c in LOAN_COLUMNS])
    add_example_sheet(workbook, [c.label for c in LOAN_COLUMNS], [[
        "058095000123", "100.000.000", "20/04/2026", "36", "Đã giải ngân", "Chi phí đi làm việc ở nước ngoài", ""]])
    workbook.save(fileobj)
