"""The workbooks after departure (in Vietnamese, as the province sends them): the units at risk of the
suspension rule, and the enterprises' scorecard. Pure functions of the reports."""
from __future__ import annotations

from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from portal import formats
from portal.printing import print_setup, title_fits
from portal.xlsx import neutralise
from reports.aftercare.overstay import AT_RISK, CLOSE, OverstayReport
from reports.aftercare.scorecard import Scorecard

INT, PCT = "#,##0", "0.0%"
BOLD, TITLE = Font(bold=True), Font(bold=True, size=13)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
RISK_FILLS = {AT_RISK: PatternFill("solid", fgColor="F8CBAD"), CLOSE: PatternFill("solid", fgColor="FFE699")}
RISK_VI = {AT_RISK: "Nguy cơ bị tạm dừng", CLOSE: "Gần ngưỡng", "clear": ""}
STATUS_VI = {"active": "Đang hoạt động", "suspended": "Bị đình chỉ", "revoked": "Bị thu hồi giấy phép"}
OVERSTAY_SHEET, SCORECARD_SHEET = "Nguy cơ tạm dừng", "Doanh nghiệp"


def _titles(ws, lines: list[str], width: int) -> int:
    for index, text in enumerate(lines, start=1):
        ws.cell(row=index, column=1, value=text).font = TITLE if index == 1 else BOLD if index == 2 else Font()
        title_fits(ws, index, width, height=30 if index == 1 else None)
    return len(lines) + 2


def _table(ws, header_row: int, headers: list[tuple[str, int, str | None]], rows: list[tuple[list, PatternFill | None]]
           ) -> None:
    for col, (text, width, _fmt) in enumerate(headers, start=1):
        cell = ws.cell(row=header_row, column=col, value=text)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    for offset, (values, fill) in enumerate(rows, start=1):
        for col, (value, (_text, _width, fmt)) in enumerate(zip(values, headers, strict=True), start=1):
            cell = ws.cell(row=header_row + offset, column=col, value=value)
            cell.border = BOX
            if fmt:
                cell.number_format = fmt
            if fill is not None:
                cell.fill = fill
            if fill is TOTAL_FILL:
                cell.font = BOLD


def _sign(inclusive: bool) -> str:
    return "≥" if inclusive else ">"


def write_overstay_workbook(report: OverstayReport, fileobj: IO[bytes]) -> None:
    """One sheet: every unit with its figures, sorted by risk (at risk, then close), and the province's total."""
    t = report.thresholds
    wb = Workbook()
    ws = wb.active
    ws.title = OVERSTAY_SHEET
    headers = [("Mã đơn vị", 11, "@"), ("Đơn vị", 30, None), ("Số lao động cư trú bất hợp pháp", 16, INT),
               ("Số hết hạn hợp đồng trong kỳ", 16, INT), ("Trong đó không về nước đúng hạn", 16, INT),
               ("Tỷ lệ không về nước đúng hạn", 14, PCT), ("Đạt ngưỡng số người", 12, None),
               ("Đạt ngưỡng tỷ lệ", 12, None), ("Đánh giá", 22, None)]
    rule = f"chương trình {report.programme.code}" + (f" năm {report.rule.year}" if report.rule else "")
    header_row = _titles(ws, [
        "TÌNH HÌNH LAO ĐỘNG CƯ TRÚ BẤT HỢP PHÁP VÀ NGUY CƠ BỊ TẠM DỪNG TUYỂN CHỌN",
        f"Đơn vị: {neutralise(report.unit.name)} (mã {report.unit.code}); {rule}",
        f"Ngưỡng: số lao động cư trú bất hợp pháp {_sign(t.stayers_inclusive)} {formats.format_int(t.min_stayers)} "
        f"người VÀ tỷ lệ không về nước đúng hạn {_sign(t.rate_inclusive)} {formats.format_decimal(t.min_rate, 2)}%",
        f"Số cư trú bất hợp pháp tính đến ngày {formats.format_date(report.as_of)}; hợp đồng hết hạn từ "
        f"{formats.format_date(t.window_from)} đến {formats.format_date(report.window_to)}; "
        f"thời gian gia hạn về nước {report.grace_days} ngày; lập ngày {formats.format_date(timezone.localdate())}",
    ], len(headers))
    rows = [([row.code, neutralise(row.name), row.stayers, row.ended, row.late, row.rate,
              "x" if row.count_reached else "", "x" if row.rate_reached else "", RISK_VI[row.risk]],
             RISK_FILLS.get(row.risk)) for row in report.rows]
    if report.total is not None:
        total = report.total
        rows.append(([total.code, f"Tổng cộng {neutralise(total.name)}", total.stayers, total.ended, total.late,
                      total.rate, "", "", ""], TOTAL_FILL))
    _table(ws, header_row, headers, rows)
    ws.cell(row=header_row + len(rows) + 2, column=1, value=(
        "Cư trú bất hợp pháp: đã xuất cảnh, chưa về nước và đang bỏ trốn, hoặc đã quá hạn hợp đồng cộng thời gian "
        "gia hạn. Không về nước đúng hạn: hợp đồng hết hạn trong kỳ mà về nước sau thời gian gia hạn, hoặc đến "
        "ngày tính vẫn chưa về. Đơn vị có nguy cơ khi đạt CẢ HAI ngưỡng; gần ngưỡng khi đạt một ngưỡng."))
    print_setup(ws, header_rows=(header_row, header_row))
    wb.save(fileobj)


def write_scorecard_workbook(card: Scorecard, fileobj: IO[bytes]) -> None:
    """One sheet: one row per enterprise in the order of the screen, then the total."""
    wb = Workbook()
    ws = wb.active
    ws.title = SCORECARD_SHEET
    headers = [("Doanh nghiệp", 40, None), ("Số giấy phép", 22, None), ("Tình trạng giấy phép", 18, None),
               ("Số lao động xuất cảnh", 14, INT), ("Về nước trước hạn", 12, INT), ("Tỷ lệ về trước hạn", 12, PCT),
               ("Bỏ trốn", 10, INT), ("Tỷ lệ bỏ trốn", 12, PCT), ("Quá hạn không về", 12, INT),
               ("Tỷ lệ quá hạn", 12, PCT), ("Khiếu nại, tố cáo", 12, INT)]
    place = f"{neutralise(card.unit.name)} (mã {card.unit.code})" if card.unit else "toàn quốc"
    programme = f"; chương trình {card.programme.code}" if card.programme else ""
    header_row = _titles(ws, [
        "BẢNG ĐÁNH GIÁ DOANH NGHIỆP DỊCH VỤ ĐƯA NGƯỜI LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI",
        f"Đơn vị: {place}{programme}",
        f"Lao động xuất cảnh từ {formats.format_date(card.date_from)} đến {formats.format_date(card.date_to)}; "
        f"tình hình tính đến ngày {formats.format_date(card.today)}; thời gian gia hạn về nước {card.grace_days} ngày",
        "" if card.complaints_available else "Số khiếu nại, tố cáo: chưa có số liệu.",
    ], len(headers))
    rows = [([neutralise(row.name), neutralise(row.licence_no), STATUS_VI.get(row.status, ""), row.departures,
              row.early, row.early_rate, row.absconded, row.absconded_rate, row.overstayed, row.overstayed_rate,
              row.complaints], None) for row in card.rows]
    total = card.total
    rows.append((["Tổng cộng", "", "", total.departures, total.early, total.early_rate, total.absconded,
                  total.absconded_rate, total.overstayed, total.overstayed_rate, total.complaints], TOTAL_FILL))
    _table(ws, header_row, headers, rows)
    print_setup(ws, header_rows=(header_row, header_row))
    wb.save(fileobj)
