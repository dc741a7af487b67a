"""The funnel in Excel: the same rows as the screen (``selectors.funnel``), Vietnamese headers,
rates as percentages and money in đồng. Names come from users, so they go through ``neutralise``."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from outreach.selectors import FunnelRow
from portal.printing import print_setup, title_fits
from portal.xlsx import neutralise

# header, attribute, number format
COLUMNS = [
    ("Nhóm", "label", None),
    ("Số hoạt động", "activities", "#,##0"),
    ("Doanh nghiệp tham gia", "enterprises", "#,##0"),
    ("Người tham dự", "attendees", "#,##0"),
    ("Lượt tiếp cận truyền thông", "reach", "#,##0"),
    ("Người được tiếp cận", "reached", "#,##0"),
    ("Lượt tư vấn", "counselled_contacts", "#,##0"),
    ("Người được ghi nhận", "leads", "#,##0"),
    ("Đã đăng ký", "registered", "#,##0"),
    ("Đã được tư vấn", "counselled", "#,##0"),
    ("Đã xuất cảnh", "departed", "#,##0"),
    ("Tỷ lệ ghi nhận / tiếp cận", "lead_rate", "0.0%"),
    ("Tỷ lệ đăng ký / ghi nhận", "registration_rate", "0.0%"),
    ("Tỷ lệ tư vấn / đăng ký", "counselled_rate", "0.0%"),
    ("Tỷ lệ xuất cảnh / tư vấn", "departure_rate", "0.0%"),
    ("Tỷ lệ xuất cảnh / tiếp cận", "overall_rate", "0.0%"),
    ("Chi phí (đồng)", "cost", "#,##0"),
    ("Chi phí / người đăng ký (đồng)", "cost_per_registration", "#,##0"),
    ("Chi phí / người xuất cảnh (đồng)", "cost_per_departure", "#,##0"),
]


def _value(row: FunnelRow, attribute: str):
    value = getattr(row, attribute)
    if attribute == "label":
        return neutralise(str(value))
    if value is None:
        return None
    if attribute.endswith("_rate"):
        return float(value)
    return int(value)


def write_funnel_workbook(rows: Iterable[FunnelRow], fileobj: IO[bytes], *, total: FunnelRow | None = None,
                          title: str = "") -> int:
    """Write one line per funnel row (and the total, when given); return the number of rows written."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Phễu tuyên truyền"
    first = 1
    if title:
        sheet.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=13)
        title_fits(sheet, 1, len(COLUMNS), height=22)
        first = 3
    for col, (header, _attr, _fmt) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=first, column=col, value=header)
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(col)].width = 34 if col == 1 else 16
    sheet.freeze_panes = sheet.cell(row=first + 1, column=2)
    count = 0
    line = first
    for row in [*rows, *([total] if total is not None else [])]:
        line += 1
        for col, (_header, attr, fmt) in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=line, column=col, value=_value(row, attr))
            if fmt:
                cell.number_format = fmt
            if row is total:
                cell.font = Font(bold=True)
        count += 1
    print_setup(sheet, header_rows=(first, first))
    workbook.save(fileobj)
    return count
