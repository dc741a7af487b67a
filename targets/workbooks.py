"""Excel files the targets app writes: the import templates, pre-filled with the user's units."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal import formats
from portal.models import Unit
from portal.printing import print_setup
from portal.xlsx import neutralise
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
