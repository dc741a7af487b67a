"""The waiting pool in Excel: the summary by the chosen grouping, then the workers, longest wait first."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from portal import formats
from portal.masking import mask
from portal.printing import print_setup
from portal.xlsx import neutralise
from reports.pool.selectors import PoolSummary
from workers.importers import STATUS_VI
from workers.models import Country

BOLD = Font(bold=True)
DIMENSION_VI = {"enterprise": "Doanh nghiệp", "stage": "Giai đoạn", "class": "Lớp", "market": "Thị trường",
                "unit": "Đơn vị"}


def write_pool_workbook(summary: PoolSummary, workers: Iterable, fileobj: IO[bytes], *, unit) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    sheet.append([f"LAO ĐỘNG ĐANG ĐÀO TẠO, CHỜ XUẤT CẢNH – {neutralise(unit.name).upper()}"])
    sheet.append([f"Đến ngày {formats.format_date(summary.today)}; nhóm theo: {DIMENSION_VI[summary.dimension]}"])
    sheet.append([])
    sheet.append([DIMENSION_VI[summary.dimension], "Đang đào tạo", "Đã đào tạo xong, chờ xuất cảnh", "Tổng số",
                  "Chờ lâu nhất (ngày)", "Chờ trên 90 ngày", "Chờ trên 180 ngày"])
    for cell in sheet[4]:
        cell.font = BOLD
    for line in [*summary.lines, summary.total]:
        sheet.append([neutralise(line.label), line.training, line.ready, line.total,
                      line.longest_days(summary.today), line.over_90, line.over_180])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
    for letter, width in zip("ABCDEFG", (48, 14, 16, 12, 14, 14, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    print_setup(sheet, header_rows=(4, 4))

    people = workbook.create_sheet("Danh sách")
    people.append(["Họ và tên", "Số CCCD", "Đơn vị", "Giai đoạn", "Doanh nghiệp", "Lớp", "Thị trường",
                   "Từ ngày", "Số ngày chờ"])
    for cell in people[1]:
        cell.font = BOLD
    countries = {country.pk: country.name_vi for country in Country.objects.all()}
    for worker in workers:
        since = timezone.localdate(worker.since) if worker.since else None
        expected = getattr(worker, "expected_departure", None) if worker.enterprise_id else None
        people.append([neutralise(worker.full_name), mask(worker.citizen_id), neutralise(worker.unit.name),
                       STATUS_VI[worker.status], neutralise(expected.enterprise.name) if expected else "",
                       worker.class_code or "", countries.get(worker.market_id, ""),
                       formats.format_date(since) if since else "",
                       (summary.today - since).days if since else None])
    for letter, width in zip("ABCDEFGHI", (28, 15, 28, 16, 36, 10, 14, 12, 12), strict=True):
        people.column_dimensions[letter].width = width
    print_setup(people, header_rows=(1, 1))
    workbook.save(fileobj)
