"""The worker list in Excel: the import sheet's columns (so a file exported can be
imported back), plus the unit's name. Written with openpyxl in write-only mode,
so memory stays flat whatever the number of workers."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from portal.xlsx import neutralise
from workers.importers import COLUMNS, SEX_VI, STATUS_VI
from workers.models import Worker
from workers.validators import mask

EXTRA_HEADERS = ["Tên đơn vị", "Điện thoại"]
SENSITIVE = {"ethnicity", "household_status"}


def write_workers_workbook(batches: Iterable[list[Worker]], fileobj: IO[bytes], *, full: bool) -> int:
    """Write the workers (batches from ``selectors.export_batches``) and return how many.

    ``full=False`` (viewers): the citizen ID and phone are masked and the
    sensitive columns (ethnicity, household status) are left out.
    """
    columns = [c for c in COLUMNS if full or c.key not in SENSITIVE]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Người lao động")
    sheet.freeze_panes = "A2"
    for index, width in enumerate([28, 15, 12, 9, 10, 12, 30, 15, 14, 14, 30, 30, 14, 30, 14], start=1):
        sheet.column_dimensions[_letter(index)].width = width
    header = []
    for text in [c.label for c in columns] + EXTRA_HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for batch in batches:
        for worker in batch:
            row = _row(worker, full=full)
            sheet.append([row[c.key] for c in columns] + [neutralise(worker.unit.name), neutralise(
                worker.phone if full else mask(worker.phone))])
            count += 1
    workbook.save(fileobj)
    return count


def _row(worker: Worker, *, full: bool) -> dict:
    departure = worker.latest_departure
    back = getattr(departure, "return_record", None) if departure else None
    return {
        "full_name": neutralise(worker.full_name),
        "citizen_id": worker.citizen_id if full else mask(worker.citizen_id),  # text: keeps leading zeros
        "date_of_birth": worker.date_of_birth.strftime("%d/%m/%Y"),
        "sex": SEX_VI[worker.sex],
        "unit_code": worker.unit.code,
        "ethnicity": worker.ethnicity.name if worker.ethnicity else None,
        "household_status": "; ".join(h.name_vi for h in worker.household_statuses.all()) or None,
        "status": STATUS_VI[worker.status],
        "departure_date": departure.date.strftime("%d/%m/%Y") if departure else None,
        "country": departure.country.name_vi if departure else None,
        "programme": departure.programme.name_vi if departure and departure.programme else None,
        "enterprise": neutralise(departure.enterprise.licence_no) if departure and departure.enterprise else None,
        "return_date": back.date.strftime("%d/%m/%Y") if back else None,
    }


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def write_import_template(fileobj: IO[bytes]) -> None:
    """An empty sheet with the import headers and one example row (fake data)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Người lao động")
    sheet.append([c.label for c in COLUMNS])
    sheet.append(["Nguyễn Văn Ví Dụ", "058095000123", "12/04/1995", "Nam", "22780", "Kinh", "Hộ nghèo",
                  "Đã xuất cảnh", "15/03/2024", "Nhật Bản", "JP-TITP", "", ""])
    workbook.save(fileobj)
