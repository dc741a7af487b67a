"""The bulk accounts template: the import's headers, one row per unit still without an official (its code and role
filled in, a suggested username), a list of roles to choose from, and the unit's name to read by."""
from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.importers import COLUMNS, ROLE_VI, UNIT_NAME_LABEL
from accounts.roles import AccountRole
from portal.models import Unit
from portal.printing import print_setup
from portal.xlsx import neutralise, normalise_header

_LEVEL_WORDS = ("Đặc khu", "Thị trấn", "Thị xã", "Thành phố", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")


def suggested_username(unit: Unit) -> str:
    """``Phường Bắc Nha Trang`` (22333) → ``bacnhatrang.22333``: readable, and unique in a structure."""
    name = unit.name
    for word in _LEVEL_WORDS:
        if name.startswith(word + " "):
            name = name[len(word) + 1:]
            break
    return f"{normalise_header(name)}.{unit.code}"


def write_account_template(units: Iterable[Unit], fileobj: IO[bytes], *, role: str = AccountRole.OFFICIAL) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tài khoản"
    headers = [column.label for column in COLUMNS] + [UNIT_NAME_LABEL]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for unit in units:
        sheet.append([suggested_username(unit), "", "", "", unit.code, ROLE_VI[role], neutralise(unit.name)])
        count += 1
    roles = DataValidation(type="list", formula1='"%s"' % ",".join(ROLE_VI.values()), allow_blank=False)
    roles.error = "Chọn một vai trò trong danh sách."
    sheet.add_data_validation(roles)
    roles.add(f"F2:F{max(count, 1) + 500}")
    for letter, width in zip("ABCDEFG", (24, 28, 28, 16, 12, 24, 36), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    unit_codes = sheet.column_dimensions["E"]
    unit_codes.number_format = "@"
    print_setup(sheet, header_rows=(1, 1))
    workbook.save(fileobj)
