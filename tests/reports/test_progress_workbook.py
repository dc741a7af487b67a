"""The progress workbook read back with openpyxl."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from reports.progress import Period, progress_rows, reconciliation_rows, review_sentence
from reports.progress.workbooks import write_progress_workbook
from tests.reports.progress_data import approved_figures, h1_2021_dataset, unit

pytestmark = pytest.mark.django_db


def header_map(ws) -> tuple[int, dict[str, int]]:
    for row in ws.iter_rows(min_row=1, max_row=15):
        values = [c.value for c in row]
        if "Mã đơn vị" in values:
            return row[0].row, {v: i + 1 for i, v in enumerate(values) if v}
    raise AssertionError("no header row")


@pytest.fixture
def workbook(units):
    h1_2021_dataset()
    approved_figures(unit("585"), dt.date(2021, 2, 1), departed=2)
    period = Period.for_year(2021, "h1")
    report = progress_rows(unit=units.province, period=period, today=dt.date(2026, 1, 1))
    report.reconciliation = reconciliation_rows(units.province, period)
    report.sentence = review_sentence(report)
    buffer = io.BytesIO()
    write_progress_workbook(report, buffer)
    buffer.seek(0)
    return load_workbook(buffer), report


class ProgressWorkbookTests:
    def test_it_has_exactly_the_six_sheets(self, workbook):
        wb, _report = workbook
        assert wb.sheetnames == ["Tổng hợp", "Thị trường", "Chờ xuất cảnh", "Mục tiêu", "Đối chiếu", "Nhận xét"]

    def test_the_summary_has_titles_bold_frozen_headers_and_the_numbers(self, workbook):
        ws = workbook[0]["Tổng hợp"]
        assert "Tỉnh Ninh Thuận" in ws["A2"].value and "6 tháng đầu năm 2021" in ws["A3"].value
        header, cols = header_map(ws)
        for title in ("Mã đơn vị", "Đơn vị", "Chỉ tiêu", "Đã xuất cảnh", "Tỷ lệ"):
            assert title in cols
            assert ws.cell(row=header, column=cols[title]).font.bold
        assert ws.freeze_panes == f"A{header + 1}"
        rows = {ws.cell(row=r, column=1).value: r for r in range(header + 1, header + 9)}
        son = rows["585"]
        assert ws.cell(row=son, column=cols["Chỉ tiêu"]).value == 25
        assert ws.cell(row=son, column=cols["Đã xuất cảnh"]).value == 10
        percent = ws.cell(row=son, column=cols["Tỷ lệ"])
        assert percent.value == pytest.approx(0.4) and percent.number_format == "0.0%"
        assert ws.cell(row=son, column=cols["Đã xuất cảnh"]).number_format == "#,##0"

    def test_the_total_row_carries_the_chosen_units_own_code(self, workbook):
        ws = workbook[0]["Tổng hợp"]
        header, cols = header_map(ws)
        total = header + 8  # 7 districts, then the total
        assert ws.cell(row=total, column=cols["Mã đơn vị"]).value == "58"
        assert ws.cell(row=total, column=cols["Chỉ tiêu"]).value == 150
        assert ws.cell(row=total, column=cols["Đã xuất cảnh"]).value == 22
        assert ws.cell(row=total, column=cols["Tỷ lệ"]).value == pytest.approx(22 / 150)
        assert ws.cell(row=total, column=1).font.bold

    def test_markets_reconciliation_and_review_sheets(self, workbook):
        wb, report = workbook
        markets = wb["Thị trường"]
        lines = [[c.value for c in row] for row in markets.iter_rows(min_row=1) if row[0].value]
        assert ["JP", "Nhật Bản", "Thực tập sinh kỹ năng Nhật Bản", 6] in lines
        assert lines[-1][-1] == 22
        recon = wb["Đối chiếu"]
        feb = [[c.value for c in row] for row in recon.iter_rows(min_row=1)
               if row[0].value == "585" and row[2].value == "02/2021"]
        assert feb == [["585", "Huyện Ninh Sơn", "02/2021", 3, 2, 1, "Số liệu chênh lệch"]]
        assert wb["Nhận xét"]["A4"].value == report.sentence
