"""Workbooks that print: the page setup every Excel file the portal writes shares.

A4 landscape, fitted to one page wide (as many pages down as needed), the header rows repeated on every printed
page, a footer with the page number and the day the file was written, narrow margins, centred, and a print area
that covers the table. The title above a table is merged across the table's width and wraps, so it is never cut
off. One function for openpyxl sheets (normal or write-only) and one for XlsxWriter sheets, so the two libraries
print alike.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

A4 = 9  # the paper size code of A4 in both libraries


def _footer_right(written: dt.date | None) -> str:
    return f"Lập ngày {(written or timezone.localdate()):%d/%m/%Y}"


def print_setup(ws, *, header_rows: tuple[int, int] | None = None, last_row: int | None = None,
                last_column: int | None = None, written: dt.date | None = None, portrait: bool = False) -> None:
    """Page setup of an openpyxl sheet, to call once its cells are written. ``header_rows`` (first, last; 1-based)
    repeat on every page; ``last_row``/``last_column`` bound the print area (default: the sheet's extent; give
    them for a write-only sheet, which does not know it)."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "portrait" if portrait else "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.2, footer=0.3)
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    ws.oddFooter.center.text = "Trang &P / &N"
    ws.oddFooter.right.text = _footer_right(written)
    ws.evenFooter.center.text = ws.oddFooter.center.text
    ws.evenFooter.right.text = ws.oddFooter.right.text
    rows = last_row or max(ws.max_row, 1)
    columns = last_column or max(ws.max_column, 1)
    ws.print_area = f"A1:{get_column_letter(columns)}{rows}"


def title_fits(ws, row: int, last_column: int, *, height: float | None = None) -> None:
    """Merge a title row across the table's width and let it wrap (an openpyxl sheet, not write-only)."""
    if last_column > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_column)
    cell = ws.cell(row=row, column=1)
    cell.alignment = Alignment(wrap_text=True, vertical="center")
    if height:
        ws.row_dimensions[row].height = height


def print_setup_xlsxwriter(sheet, *, header_rows: tuple[int, int] | None = None, last_row: int = 0,
                           last_column: int = 0, written: dt.date | None = None, portrait: bool = False) -> None:
    """The same page setup for an XlsxWriter sheet (rows and columns 0-based, as XlsxWriter counts)."""
    sheet.set_paper(A4)
    if portrait:
        sheet.set_portrait()
    else:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    if header_rows:
        sheet.repeat_rows(header_rows[0], header_rows[1])
    sheet.set_footer(f"&CTrang &P / &N&R{_footer_right(written)}")
    sheet.print_area(0, 0, max(last_row, 0), max(last_column, 0))
