"""Reference data kept as data: loaded by a data migration, upserted by code.

Edit these lists and add a migration that calls :func:`sync_reference_data`
again to change them in a running database.
"""
from __future__ import annotations

# ISO 3166-1 alpha-2, Vietnamese name, English name, high-income economy (World Bank, 2025)
COUNTRIES = [
    ("JP", "Nhật Bản", "Japan", True),
    ("KR", "Hàn Quốc", "Korea", True),
    ("TW", "Đài Loan", "Taiwan", True),
    ("DE", "Đức", "Germany", True),
    ("SA", "Ả Rập Xê Út", "Saudi Arabia", True),
    ("AE", "Các Tiểu vương quốc Ả Rập Thống nhất", "United Arab Emirates", True),
    ("QA", "Qatar", "Qatar", True),
    ("KW", "Kuwait", "Kuwait", True),
    ("RO", "Romania", "Romania", True),
    ("HU", "Hungary", "Hungary", True),
    ("PL", "Ba Lan", "Poland", True),
    ("CZ", "Séc", "Czechia", True),
    ("SK", "Slovakia", "Slovakia", True),
    ("AU", "Úc", "Australia", True),
    ("NZ", "New Zealand", "New Zealand", True),
    ("SG", "Singapore", "Singapore", True),
    ("MO", "Ma Cao", "Macao", True),
    ("CN", "Trung Quốc", "China", False),
    ("MY", "Malaysia", "Malaysia", False),
    ("RU", "Nga", "Russia", False),
    ("DZ", "Algeria", "Algeria", False),
    ("LA", "Lào", "Laos", False),
]

# code, Vietnamese name, English name, country
PROGRAMMES = [
    ("JP-TITP", "Thực tập sinh kỹ năng Nhật Bản", "Japan technical intern training", "JP"),
    ("JP-IM", "Thực tập sinh kỹ năng Nhật Bản – chương trình IM Japan", "Japan technical intern training – IM Japan",
     "JP"),
    ("JP-SSW", "Lao động kỹ năng đặc định Nhật Bản", "Japan specified skilled worker", "JP"),
    ("JP-ENG", "Kỹ sư, chuyên gia Nhật Bản", "Japan engineer and specialist", "JP"),
    ("KR-EPS", "Chương trình EPS Hàn Quốc", "Korea Employment Permit System (EPS)", "KR"),
    ("KR-SEASON", "Lao động thời vụ Hàn Quốc", "Korea seasonal worker", "KR"),
    ("KR-FISH", "Thuyền viên tàu cá Hàn Quốc (E-10)", "Korea fishing crew (E-10)", "KR"),
    ("TW-FACTORY", "Lao động nhà máy Đài Loan", "Taiwan factory worker", "TW"),
    ("TW-CARE", "Hộ lý, giúp việc gia đình Đài Loan", "Taiwan caregiver and domestic worker", "TW"),
    ("DE-NURSE", "Điều dưỡng, hộ lý Đức", "Germany nursing and care", "DE"),
    ("DE-SKILLED", "Lao động có tay nghề Đức", "Germany skilled worker", "DE"),
    ("AU-WHV", "Lao động kết hợp kỳ nghỉ Úc", "Australia work and holiday", "AU"),
    ("SA-GENERAL", "Lao động hợp đồng Ả Rập Xê Út", "Saudi Arabia contract worker", "SA"),
    ("AE-GENERAL", "Lao động hợp đồng UAE", "UAE contract worker", "AE"),
    ("RO-GENERAL", "Lao động hợp đồng Romania", "Romania contract worker", "RO"),
    ("HU-GENERAL", "Lao động hợp đồng Hungary", "Hungary contract worker", "HU"),
    ("CN-GENERAL", "Lao động hợp đồng Trung Quốc", "China contract worker", "CN"),
]

# The 54 ethnic groups of the official list (Tổng cục Thống kê, Quyết định 121-TCTK/PPCĐ), in its order.
ETHNICITIES = [
    "Kinh", "Tày", "Thái", "Hoa", "Khơ-me", "Mường", "Nùng", "Mông", "Dao", "Gia-rai",
    "Ngái", "Ê-đê", "Ba-na", "Xơ-đăng", "Sán Chay", "Cơ-ho", "Chăm", "Sán Dìu", "Hrê", "Mnông",
    "Ra-glai", "Xtiêng", "Bru-Vân Kiều", "Thổ", "Giáy", "Cơ-tu", "Giẻ-Triêng", "Mạ", "Khơ-mú", "Co",
    "Tà-ôi", "Chơ-ro", "Kháng", "Xinh-mun", "Hà Nhì", "Chu-ru", "Lào", "La Chí", "La Ha", "Phù Lá",
    "La Hủ", "Lự", "Lô Lô", "Chứt", "Mảng", "Pà Thẻn", "Cơ Lao", "Cống", "Bố Y", "Si La",
    "Pu Péo", "Brâu", "Ơ Đu", "Rơ-măm",
]
MAJORITY_ETHNICITY = "Kinh"

# code, Vietnamese name, English name
HOUSEHOLD_STATUSES = [
    ("poor", "Hộ nghèo", "Poor household"),
    ("near_poor", "Hộ cận nghèo", "Near-poor household"),
    ("ethnic_minority", "Người dân tộc thiểu số", "Ethnic minority"),
    ("merit", "Thân nhân người có công với cách mạng", "Relative of a person with merit"),
    ("land_recovered", "Hộ bị thu hồi đất nông nghiệp", "Household whose farmland was recovered"),
    ("poor_district", "Cư trú tại huyện nghèo", "Resident of a poor district"),
]
POOR_CODES = ("poor", "near_poor")
ETHNIC_MINORITY_CODE = "ethnic_minority"


def sync_reference_data(Country, Programme, Ethnicity, HouseholdStatus) -> None:
    """Upsert every list by code (takes model classes so that migrations can pass historical models)."""
    countries = {}
    for code, name_vi, name_en, high in COUNTRIES:
        countries[code], _ = Country.objects.update_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "is_high_income": high})
    for order, (code, name_vi, name_en, country) in enumerate(PROGRAMMES, start=1):
        Programme.objects.update_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "country": countries[country], "order": order})
    for number, name in enumerate(ETHNICITIES, start=1):
        Ethnicity.objects.update_or_create(
            code=f"{number:02d}", defaults={"name": name, "is_majority": name == MAJORITY_ETHNICITY})
    for order, (code, name_vi, name_en) in enumerate(HOUSEHOLD_STATUSES, start=1):
        HouseholdStatus.objects.update_or_create(code=code, defaults={"name_vi": name_vi, "name_en": name_en, "order": order})


# --- Ready to depart (issue 19) ----------------------------------------------------------------------------------------

# Programmes that count as skilled work for the coverage goals ("raise the share of skilled workers"): those that
# require a recognised skill or qualification to enter (Japan's specified skilled workers and engineers, Germany's
# skilled workers and nurses). Technical interns, EPS and factory work count as skilled only with a skill
# certificate (the checklist item ``skill_cert``).
SKILLED_PROGRAMMES = ("JP-SSW", "JP-ENG", "DE-SKILLED", "DE-NURSE")

# The pre-departure checklist every province starts with (what Law 69/2020/QH14 asks before a worker leaves: fit
# health, the orientation certificate, a registered contract, compulsory insurance, the Overseas Employment Support
# Fund; plus the language and skill certificates and the loan papers provinces follow). A province adds its own
# items or switches these off in /admin/. code, Vietnamese name, English name, needs a number, has a result.
CHECKLIST_ITEMS = [
    ("health", "Khám sức khỏe", "Health check", False, True),
    ("language_cert", "Chứng chỉ ngoại ngữ", "Language certificate", True, True),
    ("skill_cert", "Chứng chỉ kỹ năng nghề", "Vocational skill certificate", True, True),
    ("orientation_cert", "Chứng chỉ bồi dưỡng kiến thức cần thiết", "Pre-departure orientation certificate", True,
     False),
    ("passport", "Hộ chiếu", "Passport", True, False),
    ("visa", "Thị thực (visa)", "Visa", True, False),
    ("contract_registered", "Hợp đồng đã đăng ký với cơ quan chuyên môn", "Contract registered with the authority",
     True, False),
    ("insurance", "Bảo hiểm bắt buộc", "Compulsory insurance", True, False),
    ("welfare_fund", "Đóng Quỹ Hỗ trợ việc làm ngoài nước", "Overseas Employment Support Fund contribution", True,
     False),
    ("loan_papers", "Hồ sơ vay vốn, xác nhận nợ", "Loan and debt papers", False, False),
]
# Items a worker may lack and still leave (not every worker borrows; a skill certificate is a goal, not a rule).
OPTIONAL_CHECKLIST_ITEMS = ("skill_cert", "loan_papers")


def sync_checklist_items(ChecklistItem) -> None:
    """Upsert the national checklist items by code (a province's own items, and edits of ``required``/``active``
    made in /admin/, are left alone)."""
    for order, (code, name_vi, name_en, needs_number, has_result) in enumerate(CHECKLIST_ITEMS, start=1):
        ChecklistItem.objects.get_or_create(code=code, defaults={
            "name_vi": name_vi, "name_en": name_en, "order": order * 10, "needs_number": needs_number,
            "has_result": has_result, "required": code not in OPTIONAL_CHECKLIST_ITEMS})


def sync_programme_flags(Programme) -> None:
    Programme.objects.filter(code__in=SKILLED_PROGRAMMES).update(is_skilled=True)
