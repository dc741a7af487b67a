"""The progress workbook the province sends upward (sheets Tổng hợp, Thị trường, Chờ xuất cảnh, Mục tiêu, Đối chiếu,
Nhận xét).

Kept apart from ``targets/workbooks.py`` (the import templates) so that the
two can change independently. Pure function of a ``ProgressReport``.
"""
from __future__ import annotations

from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from portal import formats
from portal.printing import print_setup, title_fits
from portal.xlsx import neutralise
from reports.progress.rows import MARKET_NAMES_VI, MARKETS, OTHER_MARKET, ProgressReport, ProgressRow

INT = "#,##0"
PCT = "0.0%"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")

# (header, value of a row, number format)
SUMMARY_COLUMNS = [
    ("Mã đơn vị", lambda r: r.code, "@"),
    ("Đơn vị", lambda r: neutralise(r.name), None),
    ("Chỉ tiêu", lambda r: r.target, INT),
    ("Đã xuất cảnh", lambda r: r.departed, INT),
    ("Tỷ lệ", lambda r: r.percent, PCT),
    ("Dự kiến theo tiến độ", lambda r: r.expected, INT),
    ("Chênh lệch so với tiến độ", lambda r: r.gap, INT),
    ("Xếp hạng", lambda r: r.rank, "0"),
    ("Nữ", lambda r: r.female, INT),
    ("Hộ nghèo, cận nghèo", lambda r: r.poor, INT),
    ("Dân tộc thiểu số", lambda r: r.ethnic_minority, INT),
    ("Đang đào tạo, chờ xuất cảnh", lambda r: r.waiting, INT),
    ("Trong đó: đang đào tạo", lambda r: r.waiting_training, INT),
    ("Trong đó: đã đào tạo xong, chờ xuất cảnh", lambda r: r.waiting_ready, INT),
    ("Cùng kỳ năm trước", lambda r: r.previous_year, INT),
    *[(MARKET_NAMES_VI[c][0].upper() + MARKET_NAMES_VI[c][1:],
       (lambda code: lambda r: r.markets[code] if r.markets is not None else None)(c), INT)
      for c in (*MARKETS, OTHER_MARKET)],
    ("Chỉ tiêu phấn đấu", lambda r: r.stretch_target, INT),
    ("Tỷ lệ so với chỉ tiêu phấn đấu", lambda r: r.stretch_share, PCT),
    ("Tỷ lệ có chứng chỉ bồi dưỡng kiến thức cần thiết", lambda r: r.cert_share, PCT),
    ("Có trình độ, kỹ năng nghề", lambda r: r.skilled, INT),
    ("Tỷ lệ có trình độ, kỹ năng nghề", lambda r: r.skilled_share, PCT),
    ("Đến thị trường thu nhập cao", lambda r: r.high_income, INT),
    ("Tỷ lệ đến thị trường thu nhập cao", lambda r: r.high_income_share, PCT),
    ("Số xã", lambda r: r.communes_total, INT),
    ("Số xã có lao động đang ở nước ngoài", lambda r: r.communes_covered, INT),
    ("Tỷ lệ xã có lao động đang ở nước ngoài", lambda r: r.communes_share, PCT),
    ("Số lao động về nước", lambda r: r.returned, INT),
    ("Về nước đúng hạn", lambda r: r.returned_on_time, INT),
    ("Về nước trước hạn", lambda r: r.returned_early, INT),
    ("Về nước sau khi quá hạn, bỏ trốn", lambda r: r.returned_after_overstay, INT),
]
SUMMARY_SHEET, MARKET_SHEET, RECONCILIATION_SHEET, REVIEW_SHEET = "Tổng hợp", "Thị trường", "Đối chiếu", "Nhận xét"
WAITING_SHEET, GOALS_SHEET = "Chờ xuất cảnh", "Mục tiêu"
# The header row of each table sheet (below the 4 title lines and a blank one): repeated on every printed page.
HEADER_ROWS = {SUMMARY_SHEET: 6, MARKET_SHEET: 6, WAITING_SHEET: 6, GOALS_SHEET: 6, RECONCILIATION_SHEET: 6}
SOURCE_LABELS = {"registry": "sổ theo dõi người lao động", "figures": "số liệu báo cáo tháng đã duyệt"}


def _history_words(report: ProgressReport) -> str:
    """The share of the figures that came from history figures (totals kept before the registry), said plainly."""
    total = report.total
    if not (total.history or total.history_previous_year):
        return ""
    return (f", gồm số liệu lịch sử tổng hợp cho các kỳ chưa có sổ theo dõi ({formats.format_int(total.history)} "
            f"người trong kỳ, {formats.format_int(total.history_previous_year)} người cùng kỳ năm trước)")


def _titles(ws, report: ProgressReport, title: str, width: int) -> int:
    """The title lines above a table; returns the header row number."""
    lines = [
        (title.upper(), TITLE),
        (f"Đơn vị: {neutralise(report.unit_name)} (mã {report.unit_code})", BOLD),
        (f"Kỳ báo cáo: {report.period.label} (số liệu đến ngày {formats.format_date(report.as_of)})", None),
        (f"Nguồn số liệu: {SOURCE_LABELS.get(report.source, report.source)}{_history_words(report)}; "
         f"lập ngày {formats.format_date(timezone.localdate())}", None),
    ]
    for index, (text, font) in enumerate(lines, start=1):
        ws.cell(row=index, column=1, value=text)
        if font:
            ws.cell(row=index, column=1).font = font
        title_fits(ws, index, max(width, 1), height=22 if index == 1 else None)
    return len(lines) + 2


def _header(ws, row: int, headers: list[str], widths: list[int]) -> None:
    # Tall enough for a header of five lines: a spreadsheet program does not grow a row it was told the height of,
    # and headers wrap in narrow columns so that the sheet prints one page wide at a readable size.
    ws.row_dimensions[row].height = 78
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = BOLD
        cell.fill = HEAD_FILL
        cell.border = BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def _summary(ws, report: ProgressReport) -> None:
    header_row = _titles(ws, report, "Tổng hợp kết quả đưa người lao động đi làm việc ở nước ngoài",
                         len(SUMMARY_COLUMNS))
    _header(ws, header_row, [c[0] for c in SUMMARY_COLUMNS], [9, 30] + [10] * (len(SUMMARY_COLUMNS) - 2))
    rows: list[ProgressRow] = report.all_rows
    for offset, row in enumerate(rows, start=1):
        for col, (_title, value, number_format) in enumerate(SUMMARY_COLUMNS, start=1):
            cell = ws.cell(row=header_row + offset, column=col, value=value(row))
            cell.border = BOX
            if number_format:
                cell.number_format = number_format
            if row.is_total:
                cell.font = BOLD
                cell.fill = TOTAL_FILL
    ws.cell(row=header_row + len(rows) + 2, column=1,
            value="Tỷ lệ = Đã xuất cảnh / Chỉ tiêu; Dự kiến theo tiến độ = chỉ tiêu chia đều theo thời gian đã qua "
                  "của kỳ; dòng cuối là tổng của đơn vị. Về nước: theo ngày về nước trong kỳ, từ sổ theo dõi.")
    if report.total.stretch_target is None:
        ws.cell(row=header_row + len(rows) + 3, column=1,
                value="Kế hoạch của kỳ không đặt chỉ tiêu phấn đấu: hai cột về chỉ tiêu phấn đấu để trống.")


def _markets(ws, report: ProgressReport) -> None:
    header_row = _titles(ws, report, "Số lao động xuất cảnh theo thị trường và chương trình", 4)
    _header(ws, header_row, ["Mã nước", "Nước, vùng lãnh thổ", "Chương trình", "Đã xuất cảnh"], [10, 26, 48, 14])
    row = header_row
    for line in report.market_lines:
        row += 1
        values = [line["country_code"], neutralise(line["country"]), neutralise(line["programme"]) or "Không ghi rõ",
                  line["departed"]]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value).border = BOX
        ws.cell(row=row, column=4).number_format = INT
    row += 1
    total = sum(line["departed"] for line in report.market_lines)
    for col, value in enumerate([report.unit_code, "Tổng cộng", "", total], start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font, cell.border = BOLD, BOX
    ws.cell(row=row, column=4).number_format = INT
    if not report.markets_known:
        ws.cell(row=row + 2, column=1, value="Số liệu báo cáo tháng không chia theo thị trường; "
                                             "bảng trên lấy từ sổ theo dõi khi nguồn là sổ theo dõi.")


def _waiting(ws, report: ProgressReport) -> None:
    """The waiting pool by the sending enterprise preparing the workers, and by stage."""
    header_row = _titles(ws, report, "Lao động đang đào tạo, chờ xuất cảnh theo doanh nghiệp", 5)
    _header(ws, header_row, ["Số giấy phép", "Doanh nghiệp", "Đang đào tạo", "Đã đào tạo xong, chờ xuất cảnh",
                             "Tổng số"], [16, 48, 14, 16, 12])
    row = header_row
    lines = report.waiting_by_enterprise
    for line in lines or []:
        row += 1
        values = [line["licence_no"], neutralise(line["enterprise"]) or "Chưa xác định doanh nghiệp",
                  line["training"], line["ready"], line["total"]]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = BOX
            if col >= 3:
                cell.number_format = INT
    row += 1
    total = report.total
    for col, value in enumerate([report.unit_code, "Tổng cộng", total.waiting_training, total.waiting_ready,
                                 total.waiting], start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font, cell.border = BOLD, BOX
        if col >= 3:
            cell.number_format = INT
    if lines is None:
        ws.cell(row=row + 2, column=1, value="Số liệu báo cáo tháng không chia theo doanh nghiệp và giai đoạn; "
                                             "bảng trên lấy từ sổ theo dõi khi nguồn là sổ theo dõi.")
    else:
        ws.cell(row=row + 2, column=1, value="Doanh nghiệp: doanh nghiệp đang chuẩn bị cho người lao động xuất cảnh "
                                             "(ghi trong hồ sơ chuẩn bị xuất cảnh, hoặc doanh nghiệp tổ chức lớp "
                                             "người lao động theo học).")


def _goals(ws, report: ProgressReport) -> None:
    """The plan's coverage goals against what the period measured."""
    header_row = _titles(ws, report, "Kết quả thực hiện các mục tiêu của kế hoạch", 4)
    _header(ws, header_row, ["Mục tiêu", "Chỉ tiêu", "Thực hiện", "Đánh giá"], [60, 12, 12, 16])
    row = header_row
    for line in report.goal_lines:
        row += 1
        verdict = "" if line["met"] is None else ("Đạt" if line["met"] else "Chưa đạt")
        measured = line["measured"] if line["measured"] is not None else (
            "Chưa đo được" if line["kind"] != "other" else "Không đo trên cổng")
        for col, value in enumerate([neutralise(line["label"]), line["target"], measured, verdict], start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = BOX
            if col in (2, 3) and isinstance(value, float):
                cell.number_format = PCT
    if not report.goal_lines:
        ws.cell(row=row + 1, column=1, value="Kế hoạch của kỳ chưa đặt mục tiêu bao phủ.")
    ws.cell(row=row + 2, column=1,
            value="Có trình độ, kỹ năng nghề: có chứng chỉ kỹ năng nghề đến ngày xuất cảnh, hoặc đi theo chương trình "
                  "yêu cầu tay nghề. Thị trường thu nhập cao: theo danh mục nước, chương trình của cổng. Tỷ lệ tính "
                  "trên số lao động xuất cảnh ghi trong sổ theo dõi.")


def _reconciliation(ws, report: ProgressReport) -> None:
    header_row = _titles(ws, report, "Đối chiếu sổ theo dõi với số liệu báo cáo tháng đã duyệt", 7)
    _header(ws, header_row, ["Mã đơn vị", "Đơn vị", "Tháng", "Theo sổ theo dõi", "Theo báo cáo đã duyệt",
                             "Chênh lệch", "Ghi chú"], [11, 30, 10, 14, 14, 12, 30])
    highlight = PatternFill("solid", fgColor="FCE4D6")
    for offset, line in enumerate(report.reconciliation or [], start=1):
        note = ""
        if line["flagged"]:
            note = "Chưa có báo cáo được duyệt" if line["figures"] is None else "Số liệu chênh lệch"
        values = [line["code"], neutralise(line["name"]), line["month_label"], line["registry"], line["figures"],
                  line["difference"], note]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=header_row + offset, column=col, value=value)
            cell.border = BOX
            if col in (4, 5, 6):
                cell.number_format = INT
            if line["flagged"]:
                cell.fill = highlight


def _review(ws, report: ProgressReport) -> None:
    ws.column_dimensions["A"].width = 120
    ws["A1"] = "NHẬN XÉT"
    ws["A1"].font = TITLE
    ws["A2"] = f"{neutralise(report.unit_name)} – {report.period.label}"
    ws["A4"] = report.sentence
    ws["A4"].alignment = Alignment(wrap_text=True, vertical="top")


def write_progress_workbook(report: ProgressReport, fileobj: IO[bytes]) -> None:
    """Write the six sheets of ``report`` (with its reconciliation and sentence) to ``fileobj``."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    _summary(summary, report)
    _markets(wb.create_sheet(MARKET_SHEET), report)
    _waiting(wb.create_sheet(WAITING_SHEET), report)
    _goals(wb.create_sheet(GOALS_SHEET), report)
    _reconciliation(wb.create_sheet(RECONCILIATION_SHEET), report)
    _review(wb.create_sheet(REVIEW_SHEET), report)
    for ws in wb.worksheets:
        header_row = HEADER_ROWS.get(ws.title)
        print_setup(ws, header_rows=(header_row, header_row) if header_row else None, portrait=ws.title == REVIEW_SHEET)
    wb.save(fileobj)
