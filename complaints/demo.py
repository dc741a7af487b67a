"""Demo complaint cases in Ninh Thuận: obviously fake people and parties ("(demo)").

What a newcomer should see working: one broker named in cases of two districts (Ninh Sơn and Bác Ái) with
his phone typed three ways, so the province sees one party with three cases; a case overdue in verification;
a case resolved with the deposit recovered; a rejected case whose verification ran late; an extended
deadline; an anonymous complaint; and a receipt attached to a case (a small PDF made here). Goes through the
services (acting as the demo officials), on a fixed calendar, and is idempotent: a case whose number is
already there is left alone.
"""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction

from complaints import services
from complaints.models import Case, Category, ComplainantKind, PartyKind, ReferredTo, Status
from portal import tree
from portal.audit import acting_as
from portal.demo import DEMO_PROVINCE
from portal.models import Structure, Unit
from workers.models import Country, Enterprise, Worker
from workers.models import Status as WorkerStatus

DEMO_TODAY = dt.date(2026, 11, 30)  # the demo's calendar: the steps below are dated up to here

BROKER = "Nguyễn Văn Hùng (demo)"
CASES = [
    # number, unit code, user, received, complainant (kind, name, phone, address, worker?), party (kind, name,
    # phone, address, licence), category, country, facts, amount claimed, description, steps
    ("KN-58-2026-0001", "585", "ninhson", dt.date(2026, 10, 5),
     (ComplainantKind.RELATIVE, "Trần Thị Mẹ Demo", "0977 000 101", "Thôn Demo, xã Quảng Sơn", "worker"),
     (PartyKind.BROKER, BROKER, "0912 345 678", "Phan Rang – Tháp Chàm", None),
     "fraud", "JP", dt.date(2026, 7, 20), 120_000_000,
     "Người môi giới nhận 120 triệu đồng, hứa đưa con đi thực tập sinh Nhật Bản trong 3 tháng; đến nay không "
     "có đơn hàng, không trả lại tiền. Có biên nhận viết tay (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 10, 9), {}),
      (Status.REFERRED, dt.date(2026, 11, 2), {"referred_to": ReferredTo.POLICE,
                                               "note": "Chuyển Công an tỉnh vì có dấu hiệu lừa đảo."})]),
    ("KN-58-2026-0002", "584", "bacai", dt.date(2026, 11, 12),
     (ComplainantKind.PERSON, "Pinăng Thị Demo", "0388 000 202", "Xã Phước Bình, huyện Bác Ái", None),
     (PartyKind.BROKER, "Ông Nguyễn Văn Hùng (demo)", "+84 912 345 678", "", None),
     "unlicensed", "KR", dt.date(2026, 9, 1), 60_000_000,
     "Tự xưng cán bộ tuyển dụng, thu 60 triệu đồng \"phí hồ sơ\" đi Hàn Quốc theo diện mùa vụ (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 11, 16), {})]),
    ("KN-58-2026-0003", "585", "ninhson", dt.date(2026, 9, 1),
     (ComplainantKind.PERSON, "Lê Văn Demo", "0905 000 303", "", None),
     (PartyKind.COMPANY, "Công ty TNHH Tư vấn Việc làm Hoàng Gia (demo)", "0905 111 222", "Thị trấn Tân Sơn", None),
     "excess_fee", "TW", dt.date(2026, 6, 10), 45_000_000,
     "Công ty không có giấy phép thu 45 triệu đồng cho đơn hàng Đài Loan, vượt mức trần (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 9, 8), {})]),
    ("KN-58-2026-0004", "58", "tinh", dt.date(2026, 6, 15),
     (ComplainantKind.WORKER, "", "", "", "worker"),
     (PartyKind.ENTERPRISE, "", "", "", "DEMO-002/LĐTBXH-GP"),
     "deposit", "JP", dt.date(2026, 5, 30), 30_000_000,
     "Rút hồ sơ trước khi xuất cảnh, doanh nghiệp không trả lại tiền ký quỹ 30 triệu đồng (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 6, 19), {}),
      (Status.RESOLVED, dt.date(2026, 7, 10), {
          "amount_recovered": 30_000_000, "sanction": "Yêu cầu doanh nghiệp hoàn trả tiền ký quỹ; nhắc nhở bằng văn bản.",
          "note": "Doanh nghiệp đã hoàn trả đủ tiền ký quỹ."})]),
    ("KN-58-2026-0005", "584", "bacai", dt.date(2026, 11, 25),
     (ComplainantKind.ANONYMOUS, "", "", "", None),
     (PartyKind.ENTERPRISE, "", "", "", "DEMO-005/LĐTBXH-GP"),
     "contract", "TW", None, None,
     "Đơn nặc danh phản ánh người lao động ở Đài Loan bị trả lương thấp hơn hợp đồng (dữ liệu demo).", []),
    ("KN-58-2026-0006", "585", "ninhson", dt.date(2026, 3, 2),
     (ComplainantKind.OFFICIAL, "Cán bộ xã Demo", "0259 000 606", "UBND xã Lương Sơn", None),
     (PartyKind.ENTERPRISE, "", "", "", "DEMO-002/LĐTBXH-GP"),
     "excess_fee", "JP", dt.date(2026, 2, 1), 15_000_000,
     "Phản ánh doanh nghiệp thu thêm phí đào tạo ngoài hợp đồng (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 3, 9), {}),
      (Status.REJECTED, dt.date(2026, 4, 20), {"note": "Không có căn cứ: khoản thu đúng hợp đồng đã ký."})]),
    ("KN-58-2026-0007", "585", "ninhson", dt.date(2026, 10, 26),
     (ComplainantKind.WORKER, "", "", "", "worker"),
     (PartyKind.ENTERPRISE, "", "", "", "DEMO-001/LĐTBXH-GP"),
     "contract", "KR", dt.date(2026, 8, 15), 25_000_000,
     "Người lao động về nước trước hạn phản ánh doanh nghiệp không thanh lý hợp đồng (dữ liệu demo).",
     [(Status.VERIFYING, dt.date(2026, 10, 28), {}), ("extend", dt.date(2026, 11, 25), {
         "reason": "Chờ doanh nghiệp cung cấp hồ sơ thanh lý hợp đồng từ Hàn Quốc."})]),
    ("KN-58-2025-0001", "584", "bacai", dt.date(2025, 11, 3),
     (ComplainantKind.RELATIVE, "Katơr Văn Demo", "0399 000 808", "Xã Phước Đại, huyện Bác Ái", None),
     (PartyKind.BROKER, "Hùng Nhật Bản (demo)", "0912.345.678", "", None),
     "fraud", "JP", dt.date(2025, 9, 15), 50_000_000,
     "Người môi giới hứa đưa đi Nhật Bản, nhận 50 triệu đồng (dữ liệu demo).",
     [(Status.CLOSED, dt.date(2025, 11, 6), {"note": "Người khiếu nại rút đơn sau khi được trả lại tiền."})]),
]
ATTACHED = {"KN-58-2026-0001": ("bien-nhan-tien-demo.pdf", "Biên nhận tiền viết tay (bản chụp, demo)")}


def demo_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (ASCII), built by hand with a correct cross-reference table."""
    stream = f"BT /F1 16 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
               b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
               b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
               b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _worker(unit: Unit, used: set[int]) -> Worker | None:
    """A demo worker of the unit who went abroad (the same one each time: citizen-ID order)."""
    workers = Worker.objects.filter(full_name__contains=" Demo ", unit__path__startswith=unit.path,
                                    status__in=(WorkerStatus.DEPARTED, WorkerStatus.RETURNED)).exclude(pk__in=used)
    return workers.order_by("citizen_id").first()


def load() -> str:
    users = {user.username: user for user in get_user_model().objects.filter(username__in=("tinh", "ninhson", "bacai"))}
    province_path = tree.build_path(Structure.LEGACY, None, DEMO_PROVINCE)
    units = {unit.code: unit for unit in Unit.objects.filter(structure=Structure.LEGACY, path__startswith=province_path)
             .filter(code__in={case[1] for case in CASES})}
    categories = {category.code: category for category in Category.objects.all()}
    countries = {country.code: country for country in Country.objects.all()}
    enterprises = {e.licence_no: e for e in Enterprise.objects.all()}
    known = set(Case.objects.filter(number__in=[case[0] for case in CASES]).values_list("number", flat=True))
    created = attached = 0
    used_workers: set[int] = set()
    with transaction.atomic():
        for (number, unit_code, username, received, complainant, party, category, country, facts, claimed,
             description, steps) in CASES:
            if number in known or unit_code not in units or username not in users:
                continue
            user = users[username]
            kind, name, phone, address, wants_worker = complainant
            worker = _worker(units[unit_code], used_workers) if wants_worker else None
            if wants_worker and worker is None:
                continue  # the workers' demo is not loaded
            if worker is not None:
                used_workers.add(worker.pk)
            party_kind, party_name, party_phone, party_address, licence = party
            with acting_as(user):
                case = services.case_receive(
                    user=user, number=number, unit=units[unit_code], received_on=received, complainant_kind=kind,
                    worker=worker, complainant_name=name, complainant_phone=phone, complainant_address=address,
                    respondent_kind=party_kind, enterprise=enterprises.get(licence) if licence else None,
                    respondent_name=party_name, respondent_phone=party_phone, respondent_address=party_address,
                    category=categories[category], country=countries.get(country), incident_date=facts,
                    amount_claimed=claimed, description=description, today=DEMO_TODAY)
                for step, on, extra in steps:
                    if step == "extend":
                        services.case_extend(user=user, case=case, on=on, today=DEMO_TODAY, **extra)
                    else:
                        services.case_advance(user=user, case=case, to_status=step, on=on, today=DEMO_TODAY, **extra)
                if number in ATTACHED:
                    filename, what = ATTACHED[number]
                    upload = ContentFile(demo_pdf("Bien nhan 120.000.000 dong - du lieu demo"), name=filename)
                    services.attachment_add(user=user, case=case, upload=upload, description=what)
                    attached += 1
            created += 1
    return f"cases created {created}, attachments {attached}"
