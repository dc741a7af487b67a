"""Demo history of Ninh Thuận, brought in the way a province would: through the import screens' services.

- The district lists of 2019–2020, one sheet as the districts kept them (title rows, "Ngày tháng năm sinh" over
  "Nam" and "Nữ", 9-digit CMND, addresses as text written every which way), about 300 workers with their trips and
  returns, saved under the mapping "Sổ theo dõi XKLĐ cấp huyện" so that the next sheet of that shape maps itself.
- The district totals of 2016–2018 (only totals were kept then) as history figures, by market, women, poor or
  near-poor households and ethnic minority: "same period last year" is not empty for 2017–2019.

Deterministic (fixed seed) and idempotent: a file whose content was imported already is not imported again.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import unicodedata

from django.contrib.auth import get_user_model
from openpyxl import Workbook

from history import services
from history.models import BatchStatus, ImportBatch
from portal.demo import DEMO_PROVINCE
from portal.models import Level, Structure, Unit

SEED = 20190101
MAPPING_NAME = "Sổ theo dõi XKLĐ cấp huyện"
PEOPLE_FILE = "danh-sach-xkld-2019-2020.xlsx"
TOTALS_FILE = "tong-hop-xkld-2016-2018.xlsx"
FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lưu", "Chamaléa", "Pinăng",
            "Katơr", "Đàng", "Thông", "Quảng"]
MIDDLES = {"Nam": ["Văn", "Hữu", "Đức", "Minh", "Công"], "Nữ": ["Thị", "Ngọc", "Thu", "Mỹ", "Kim"]}
COUNTRIES = [("Nhật Bản", 0.58), ("Hàn Quốc", 0.2), ("Đài Loan", 0.17), ("Malaysia", 0.05)]
COMPANIES = ["Công ty TNHH Demo Nhân lực Sông Dinh", "Công ty CP Demo Cung ứng Lao động Phan Rang",
             "Công ty CP Demo Hợp tác Quốc tế Tháp Chàm", "Công ty CP Xuất khẩu lao động Miền Trung (đã giải thể)", ""]
# District totals of 2016–2018: (district code, departed per year), markets and groups in the usual shares.
DISTRICT_TOTALS = {"582": (21, 25, 30), "584": (14, 17, 22), "585": (12, 15, 19),
                   "586": (10, 12, 15), "587": (13, 16, 20), "588": (6, 8, 10), "589": (7, 9, 11)}


def _plain(text: str) -> str:
    value = unicodedata.normalize("NFKD", text).replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in value if not unicodedata.combining(ch))


def _address(rng: random.Random, commune: Unit, district: Unit) -> str:
    """The address as a district's clerk wrote it: full, short, without accents, with a hamlet, abbreviated."""
    style = rng.randrange(5)
    if style == 0:
        return f"{commune.name}, {district.name}, tỉnh Ninh Thuận"
    if style == 1:
        return f"Thôn {rng.randint(1, 6)}, {commune.name}, {district.name}"
    if style == 2:
        return _plain(f"{commune.short_name}, {district.short_name}").lower()
    if style == 3:
        prefix = {"Xã": "X.", "Phường": "P.", "Thị trấn": "TT"}.get(commune.name.split(" ")[0], "")
        return f"{prefix} {commune.short_name}, H. {district.short_name}"
    return f"{commune.short_name}, {district.short_name}, Ninh Thuận"


def people_workbook(rng: random.Random, communes: list[tuple[Unit, Unit]], count: int = 300) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "2019-2020"
    sheet["A1"] = "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH NINH THUẬN"
    sheet["A2"] = "DANH SÁCH NGƯỜI LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI THEO HỢP ĐỒNG NĂM 2019 - 2020"
    sheet.merge_cells("A2:J2")
    sheet["A3"] = "(Tổng hợp từ báo cáo của các huyện, thành phố)"
    headers = ["STT", "Họ tên", "Ngày tháng năm sinh", None, "Số CMND", "Địa chỉ", "Nước đến", "Công ty",
               "Ngày xuất cảnh", "Ngày về nước"]
    for col, value in enumerate(headers, start=1):
        if value:
            sheet.cell(row=5, column=col, value=value)
    sheet.cell(row=6, column=3, value="Nam")
    sheet.cell(row=6, column=4, value="Nữ")
    for col in (1, 2, 5, 6, 7, 8, 9, 10):
        sheet.merge_cells(start_row=5, start_column=col, end_row=6, end_column=col)
    sheet.merge_cells("C5:D5")
    for col in range(1, 11):
        sheet.cell(row=7, column=col, value=col)
    row = 8
    for number in range(1, count + 1):
        sex = "Nữ" if rng.random() < 0.38 else "Nam"
        name = f"{rng.choice(FAMILIES)} {rng.choice(MIDDLES[sex])} Lịch Sử {number:03d}"
        dob = dt.date(1985, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 15))
        departure = dt.date(2019, 1, 7) + dt.timedelta(days=rng.randint(0, 720))
        roll, country = rng.random(), COUNTRIES[-1][0]
        for candidate, share in COUNTRIES:
            if roll < share:
                country = candidate
                break
            roll -= share
        back = None
        if rng.random() < 0.55:
            back = departure + dt.timedelta(days=rng.randint(300, 1100))
        commune, district = rng.choice(communes)
        values = [number, name, dob.strftime("%d/%m/%Y") if sex == "Nam" else None,
                  dob.strftime("%d/%m/%Y") if sex == "Nữ" else None, f"264{number:06d}",
                  _address(rng, commune, district), country, rng.choice(COMPANIES) or None,
                  departure.strftime("%d/%m/%Y"), back.strftime("%d/%m/%Y") if back else None]
        for col, value in enumerate(values, start=1):
            if value is not None:
                sheet.cell(row=row, column=col, value=value)
        row += 1
    sheet.cell(row=row, column=1, value="Tổng cộng")
    sheet.cell(row=row, column=5, value=f"{count} người")
    sheet.cell(row=row + 2, column=8, value="NGƯỜI LẬP BIỂU")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def totals_workbook(rng: random.Random, districts: dict[str, Unit]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    sheet["A1"] = "TỔNG HỢP SỐ LAO ĐỘNG ĐI LÀM VIỆC Ở NƯỚC NGOÀI GIAI ĐOẠN 2016 - 2018"
    sheet.merge_cells("A1:I1")
    headers = ["Đơn vị", "Năm", "Tổng số", "Nhật Bản", "Hàn Quốc", "Đài Loan", "Nữ", "Hộ nghèo, cận nghèo",
               "Dân tộc thiểu số"]
    for col, value in enumerate(headers, start=1):
        sheet.cell(row=3, column=col, value=value)
    row = 4
    for code, totals in sorted(DISTRICT_TOTALS.items()):
        district = districts.get(code)
        if district is None:
            continue
        for year, departed in zip((2016, 2017, 2018), totals, strict=True):
            japan = round(departed * rng.uniform(0.45, 0.6))
            korea = round(departed * rng.uniform(0.1, 0.2))
            taiwan = min(departed - japan - korea, round(departed * rng.uniform(0.1, 0.2)))
            minority = round(departed * (0.6 if code == "584" else rng.uniform(0.05, 0.2)))
            values = [district.name, year, departed, japan, korea, taiwan, round(departed * rng.uniform(0.25, 0.4)),
                      round(departed * rng.uniform(0.15, 0.3)), minority]
            for col, value in enumerate(values, start=1):
                sheet.cell(row=row, column=col, value=value)
            row += 1
    sheet.cell(row=row, column=1, value="Tổng cộng")
    sheet.cell(row=row, column=3, value=sum(sum(t) for t in DISTRICT_TOTALS.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bring_in(user, unit: Unit, data: bytes, name: str, *, save_as: str = "") -> ImportBatch | None:
    """Through the screens' path: upload, mapping (the proposed one), preview, commit."""
    if ImportBatch.objects.filter(unit=unit, file_name=name, status=BatchStatus.COMMITTED).exists():
        return None  # brought in already (a workbook's bytes carry the time it was written: not the hash)
    batch = services.batch_create(user=user, unit=unit, data=data, file_name=name)
    services.batch_map(user=user, batch=batch, kind=batch.kind, mapping=batch.mapping, save_as=save_as)
    batch = services.batch_preview(batch=batch, user=user)
    if batch.preview.get("blocked"):
        raise RuntimeError(f"The demo history file {name} does not import: {batch.preview.get('errors', [])[:5]} "
                           f"{batch.preview.get('addresses', [])[:3]}")
    services.batch_confirm(user=user, batch=batch)
    return services.batch_commit(batch_id=batch.pk, user=user)


def _linked_pair(user) -> bool:
    """One person of the 2019 list registered again in 2026 with a CCCD, linked by an official to their historic
    record (the link the worker page proposes)."""
    from django.db import transaction

    from history.models import HistoricLink
    from portal.audit import acting_as
    from workers import services as worker_services
    from workers.models import Sex, Worker

    historic = Worker.objects.filter(legacy_id_number="264000001").select_related("unit").first()
    if historic is None or HistoricLink.objects.filter(historic=historic).exists():
        return False
    digit = (0 if historic.date_of_birth.year < 2000 else 2) + (0 if historic.sex == Sex.MALE else 1)
    citizen_id = f"058{digit}{historic.date_of_birth.year % 100:02d}264001"
    with transaction.atomic(), acting_as(user):
        worker = Worker.objects.filter(citizen_id=citizen_id).first() or worker_services.worker_register(
            user=user, citizen_id=citizen_id, full_name=historic.full_name, date_of_birth=historic.date_of_birth,
            sex=historic.sex, unit=historic.unit, confirm_duplicate=True, note="Đăng ký lại năm 2026")
        services.historic_link(user=user, worker=worker, historic=historic,
                               note="Cùng người: đối chiếu CMND cũ trên CCCD")
    return True


def load() -> str:
    User = get_user_model()
    user = User.objects.filter(username="tinh", is_active=True).first() or User.objects.filter(
        is_superuser=True).order_by("pk").first()
    province = Unit.objects.filter(structure=Structure.LEGACY, code=DEMO_PROVINCE).first()
    if province is None or user is None:
        return "no history: the demo province or its users are missing"
    rng = random.Random(SEED)
    districts = {u.code: u for u in Unit.objects.filter(parent=province, level=Level.DISTRICT)}
    communes = [(c, c.parent) for c in Unit.objects.filter(path__startswith=province.path, level=Level.COMMUNE)
                .select_related("parent").order_by("code")]
    people = _bring_in(user, province, people_workbook(rng, communes), PEOPLE_FILE, save_as=MAPPING_NAME)
    totals = _bring_in(user, province, totals_workbook(rng, districts), TOTALS_FILE)
    linked = _linked_pair(user)
    parts = []
    if linked:
        parts.append("1 historic record linked to its 2026 registration")
    if people is not None:
        parts.append(f"{people.result.get('new_workers', 0)} workers of 2019–2020 with "
                     f"{people.result.get('departures', 0)} departures")
    if totals is not None:
        parts.append(f"{totals.result.get('history_figures', 0)} history figures of 2016–2018")
    return "history: " + ("; ".join(parts) if parts else "already there")
