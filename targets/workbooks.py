"""Excel files the targets app writes: the import templates, pre-filled with the user's units."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import formats
from portal.models import Unit
from portal.printing import print_setup
from portal.xlsx import neutralise
from targets.chase import STATUS_LABELS, STATUS_MARKS, STATUSES, Board
from targets.importers import MONTHLY_COLUMNS, QUOTA_COLUMNS
from targets.models import Indicator, Quota


def _finish(ws, widths: list[int]) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, header_rows=(1, 1))


def write_quota_template_workbook(rows: Iterable[tuple[Unit, int, Quota | None]], fileobj: IO[bytes]) -> None:
    """One row per (unit, year) with the quota already set, if any."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    ws.append([c.label for c in QUOTA_COLUMNS])
    for unit, year, quota in rows:
        stretch = float(quota.stretch_percent) if quota and quota.stretch_percent is not None else None
        ws.append([unit.code, neutralise(unit.name), year, quota.target if quota else None, stretch])
    for row in ws.iter_rows(min_row=2, max_col=1):
        row[0].number_format = "@"  # codes are text: keep leading zeros
    _finish(ws, [12, 36, 8, 12, 14])
    wb.save(fileobj)


def write_monthly_template_workbook(
    units: Iterable[Unit], month: dt.date, indicators: list[Indicator], fileobj: IO[bytes]
) -> None:
    """Headers ``Mã đơn vị``, ``Đơn vị``, ``Tháng`` and one column per indicator (Vietnamese name)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu tháng"
    ws.append([c.label for c in MONTHLY_COLUMNS] + [i.name_vi for i in indicators])
    for unit in units:
        ws.append([unit.code, neutralise(unit.name), formats.format_month(month)])
    for row in ws.iter_rows(min_row=2, max_col=3):
        row[0].number_format = row[2].number_format = "@"
    _finish(ws, [12, 36, 10] + [18] * len(indicators))
    wb.save(fileobj)


# The board's colours (a colour-blind-safe palette, light tints of Okabe–Ito) and, in every cell, a sign and words.
STATUS_FILLS = {
    "not_due": "F2F2F2", "due": "FBE3B3", "draft": "FBF6C4", "overdue": "F6CDB0", "submitted": "CFE3F3",
    "returned": "F1D7E6", "approved": "CDEEE3", "not_required": "FFFFFF",
}


def write_due_board_workbook(board: Board, fileobj: IO[bytes]) -> None:
    """The due/overdue board as on screen (every unit, no page): one row per unit, one column per month with
    the state in words, then the unit's completeness and timeliness; a legend sheet. In Vietnamese."""
    with translation.override("vi"):
        _write_due_board(board, fileobj)


def _write_due_board(board: Board, fileobj: IO[bytes]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = f"Hạn nộp {board.year}"
    ws.append(["Mã đơn vị", "Đơn vị", "Cấp", *[formats.format_month(m) for m in board.months],
               "Tháng đã đến hạn", "Đã nộp", "Nộp đúng hạn", "Tỷ lệ đầy đủ", "Tỷ lệ đúng hạn"])
    fills = {key: PatternFill("solid", fgColor=colour) for key, colour in STATUS_FILLS.items()}
    fills["overdue_pattern"] = PatternFill("lightUp", fgColor="D55E00", bgColor=STATUS_FILLS["overdue"])
    for row in board.rows:
        ws.append([row.unit.code, neutralise(row.unit.name), row.unit.get_level_display(),
                   *[f"{cell.mark} {cell.label}" for cell in row.cells],
                   row.expected, row.submitted, row.on_time, row.completeness, row.timeliness])
        excel_row = ws.max_row
        for index, cell in enumerate(row.cells, start=4):
            target = ws.cell(row=excel_row, column=index)
            target.fill = fills["overdue_pattern"] if cell.status == "overdue" else fills[cell.status]
        for column in (len(board.months) + 7, len(board.months) + 8):
            ws.cell(row=excel_row, column=column).number_format = "0.0%"
    for cell in ws["A"][1:]:
        cell.number_format = "@"
    for cell in ws[1]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    _finish(ws, [12, 32, 10] + [16] * len(board.months) + [12, 10, 12, 12, 12])
    legend = wb.create_sheet("Chú giải")
    legend.append(["Ký hiệu", "Trạng thái", "Số ô"])
    for key in STATUSES:
        with_label = str(STATUS_LABELS[key])
        legend.append([STATUS_MARKS[key], with_label, board.counts.get(key, 0)])
        legend.cell(row=legend.max_row, column=1).fill = fills[key]
    legend.append([])
    legend.append(["Ngày tính", formats.format_date(board.today)])
    _finish(legend, [10, 24, 10])
    wb.save(fileobj)
