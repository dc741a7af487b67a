"""The portal's fields a column of a history sheet can be mapped to, with the names sheets give them.

Names are compared as ``portal.xlsx.normalise_header`` makes them (accents, case, spaces and punctuation
ignored). A column below a merged header is named "parent / child" (``Ngày tháng năm sinh / Nữ``). What a column
holds (12 or 9 digits, dates, a country…) is read by ``history.mapping`` when its name says nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from history.models import SheetKind
from portal.xlsx import normalise_header


@dataclass(frozen=True)
class Field:
    key: str
    label: str | Promise
    kind: str
    aliases: tuple[str, ...] = ()

    def names(self) -> set[str]:
        return {normalise_header(name) for name in self.aliases}


_DOB = ("Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Sinh ngày", "NTNS", "Ngày/tháng/năm sinh",
        "Năm sinh")

PEOPLE_FIELDS = (
    Field("full_name", _("Full name"), SheetKind.PEOPLE, (
        "Họ và tên", "Họ tên", "Họ và tên người lao động", "Họ tên người lao động", "Tên người lao động",
        "Họ và tên lao động", "Họ tên lao động", "Người lao động", "Tên lao động")),
    Field("id_number", _("ID number (CCCD or CMND)"), SheetKind.PEOPLE, (
        "CMND/CCCD", "Số CMND/CCCD", "CCCD/CMND", "Số CCCD/CMND", "Số CMND/CCCD/Định danh", "Số định danh",
        "Số định danh cá nhân", "Số giấy tờ tùy thân", "Giấy tờ tùy thân", "Số CMND hoặc CCCD")),
    Field("citizen_id", _("Citizen ID (CCCD, 12 digits)"), SheetKind.PEOPLE, (
        "Số CCCD", "CCCD", "Căn cước công dân", "Số căn cước công dân", "Số căn cước")),
    Field("legacy_id_number", _("Old ID card number (CMND, 9 digits)"), SheetKind.PEOPLE, (
        "Số CMND", "CMND", "CMTND", "Số CMTND", "Chứng minh nhân dân", "Số chứng minh nhân dân", "Giấy CMND")),
    Field("date_of_birth", _("Date of birth"), SheetKind.PEOPLE, _DOB),
    Field("dob_male", _("Date of birth, in the men's column"), SheetKind.PEOPLE,
          tuple(f"{name} / Nam" for name in _DOB)),
    Field("dob_female", _("Date of birth, in the women's column"), SheetKind.PEOPLE,
          tuple(f"{name} / Nữ" for name in _DOB)),
    Field("sex", _("Sex"), SheetKind.PEOPLE, ("Giới tính", "Giới", "Nam/Nữ", "Phái", "Nam, nữ")),
    Field("male_mark", _("Sex: a mark in the men's column"), SheetKind.PEOPLE, ("Giới tính / Nam",)),
    Field("female_mark", _("Sex: a mark in the women's column"), SheetKind.PEOPLE, ("Giới tính / Nữ",)),
    Field("address", _("Address (text)"), SheetKind.PEOPLE, (
        "Địa chỉ", "Nơi cư trú", "Quê quán", "Hộ khẩu thường trú", "Địa chỉ thường trú", "Nơi thường trú",
        "Thường trú", "Nơi ở hiện nay", "Chỗ ở hiện nay", "Địa chỉ liên hệ", "Trú quán", "Nơi đăng ký thường trú",
        "Địa chỉ cư trú", "HKTT")),
    Field("commune", _("Commune (name)"), SheetKind.PEOPLE, (
        "Xã", "Xã/phường", "Xã, phường, thị trấn", "Phường/xã", "Xã/phường/thị trấn", "Tên xã")),
    Field("district", _("District (name)"), SheetKind.PEOPLE, (
        "Huyện", "Huyện/thị xã/thành phố", "Quận/huyện", "Huyện/thành phố", "Tên huyện")),
    Field("unit_code", _("Unit code"), SheetKind.PEOPLE, ("Mã đơn vị", "Mã xã", "Mã ĐVHC", "Mã đơn vị hành chính")),
    Field("country", _("Country"), SheetKind.PEOPLE, (
        "Nước đến", "Nước đi", "Nước làm việc", "Thị trường", "Quốc gia", "Nước", "Đi nước", "Nước đến làm việc",
        "Thị trường lao động", "Nơi làm việc")),
    Field("programme", _("Programme"), SheetKind.PEOPLE, ("Chương trình", "Chương trình đi")),
    Field("enterprise", _("Sending enterprise"), SheetKind.PEOPLE, (
        "Công ty", "Doanh nghiệp", "Tên công ty", "Tên doanh nghiệp", "Công ty đưa đi", "Đơn vị đưa đi",
        "Doanh nghiệp đưa đi", "Công ty XKLĐ", "Doanh nghiệp dịch vụ", "Đơn vị xuất khẩu lao động")),
    Field("departure_date", _("Departure date"), SheetKind.PEOPLE, (
        "Ngày xuất cảnh", "Ngày đi", "Thời gian xuất cảnh", "Ngày XC", "Xuất cảnh ngày", "Ngày bay",
        "Ngày đi làm việc")),
    Field("return_date", _("Return date"), SheetKind.PEOPLE, (
        "Ngày về nước", "Ngày về", "Thời gian về nước", "Về nước ngày", "Ngày hồi hương")),
    Field("registered_on", _("Registration date"), SheetKind.PEOPLE, (
        "Ngày đăng ký", "Ngày đăng ký hồ sơ", "Ngày nộp hồ sơ", "Ngày nhận hồ sơ")),
    Field("ethnicity", _("Ethnic group"), SheetKind.PEOPLE, ("Dân tộc",)),
    Field("household_status", _("Household status"), SheetKind.PEOPLE, (
        "Diện hộ", "Hộ nghèo/cận nghèo", "Diện chính sách", "Thuộc diện", "Đối tượng chính sách")),
)

TOTALS_FIELDS = (
    Field("unit", _("Unit (name or code)"), SheetKind.TOTALS, (
        "Đơn vị", "Huyện", "Địa phương", "Tên đơn vị", "Huyện/thành phố", "Huyện/thị xã/thành phố", "Xã",
        "Đơn vị hành chính", "Mã đơn vị", "Huyện, thành phố", "Quận/huyện")),
    Field("year", _("Year"), SheetKind.TOTALS, ("Năm", "Năm báo cáo")),
    Field("month", _("Month"), SheetKind.TOTALS, ("Tháng", "Tháng báo cáo", "Kỳ báo cáo")),
    Field("departed", _("Departed (total)"), SheetKind.TOTALS, (
        "Tổng số", "Tổng", "Số lao động xuất cảnh", "Số người xuất cảnh", "Số lao động đi làm việc ở nước ngoài",
        "Số người đi", "Xuất cảnh", "Số lượng", "Tổng số lao động", "Số lao động", "Số LĐ xuất cảnh",
        "Tổng số lao động xuất cảnh", "Số lao động đã xuất cảnh", "Đã xuất cảnh")),
    Field("japan", _("To Japan"), SheetKind.TOTALS, ("Nhật Bản", "Nhật", "Thị trường Nhật Bản")),
    Field("korea", _("To Korea"), SheetKind.TOTALS, ("Hàn Quốc", "Hàn", "Thị trường Hàn Quốc")),
    Field("taiwan", _("To Taiwan"), SheetKind.TOTALS, ("Đài Loan", "Đài Loan (Trung Quốc)", "Thị trường Đài Loan")),
    Field("female", _("Women"), SheetKind.TOTALS, ("Nữ", "Lao động nữ", "Trong đó nữ", "Số nữ", "Trong đó: nữ")),
    Field("poor", _("Poor or near-poor households"), SheetKind.TOTALS, (
        "Hộ nghèo, cận nghèo", "Hộ nghèo", "Hộ nghèo/cận nghèo", "Thuộc hộ nghèo, cận nghèo", "Hộ nghèo cận nghèo",
        "Lao động thuộc hộ nghèo, cận nghèo")),
    Field("ethnic_minority", _("Ethnic minority"), SheetKind.TOTALS, (
        "Dân tộc thiểu số", "DTTS", "Người dân tộc thiểu số", "Lao động dân tộc thiểu số")),
)

FIELDS = {field.key: field for field in (*PEOPLE_FIELDS, *TOTALS_FIELDS)}
KIND_FIELDS = {SheetKind.PEOPLE: PEOPLE_FIELDS, SheetKind.TOTALS: TOTALS_FIELDS}
ID_FIELDS = ("id_number", "citizen_id", "legacy_id_number")
DOB_FIELDS = ("date_of_birth", "dob_male", "dob_female")
ADDRESS_FIELDS = ("address", "commune", "district", "unit_code")

# A totals sheet may give one column per year ("Năm 2016", "2017"): the departures of that year.
YEAR_FIELD_PREFIX = "departed@"
_YEAR_HEADER = re.compile(r"^(?:nam)?((?:19|20)\d{2})$")


def year_field(year: int) -> str:
    return f"{YEAR_FIELD_PREFIX}{year}"


def field_year(key: str) -> int | None:
    if key.startswith(YEAR_FIELD_PREFIX) and key[len(YEAR_FIELD_PREFIX):].isdigit():
        return int(key[len(YEAR_FIELD_PREFIX):])
    return None


def header_year(label: str) -> int | None:
    """"Năm 2016" or "2016" → 2016 (a column of a year's departures in a totals sheet)."""
    match = _YEAR_HEADER.match(normalise_header(label))
    return int(match.group(1)) if match else None


def field_label(key: str) -> str:
    year = field_year(key)
    if year is not None:
        return _("Departed in %(year)s") % {"year": year}
    field = FIELDS.get(key)
    return str(field.label) if field else key


def required_problems(kind: str, keys: set[str]) -> list[str]:
    """What a mapping of a sheet of ``kind`` lacks, as sentences (empty: complete)."""
    problems = []
    if kind == SheetKind.PEOPLE:
        if "full_name" not in keys:
            problems.append(_("No column is mapped to the full name."))
        if not keys & set(ID_FIELDS):
            problems.append(_("No column is mapped to the ID number (CCCD or CMND)."))
        if not keys & set(DOB_FIELDS):
            problems.append(_("No column is mapped to the date of birth."))
        if not keys & {"sex", "male_mark", "female_mark", "dob_male", "dob_female"} and not keys & {"citizen_id", "id_number"}:
            problems.append(_("No column gives the sex."))
        if not keys & set(ADDRESS_FIELDS):
            problems.append(_("No column is mapped to the address, the commune or the unit code."))
        if not keys & {"departure_date", "registered_on"}:
            problems.append(_("No column is mapped to the departure date (or the registration date)."))
    else:
        if "unit" not in keys:
            problems.append(_("No column is mapped to the unit."))
        has_years = any(field_year(key) is not None for key in keys)
        if not has_years and "departed" not in keys:
            problems.append(_("No column is mapped to the number of departures."))
        if not has_years and "year" not in keys and "month" not in keys:
            problems.append(_("No column is mapped to the year."))
    return [str(p) for p in problems]
