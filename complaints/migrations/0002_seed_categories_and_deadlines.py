"""The categories of complaints and the statutory deadlines of the steps (both edited later in /admin/).

Deadlines, in calendar days from the day a step starts: 10 days to accept a complaint (Law on Complaints
2011, art. 27); 30 days to settle it once accepted, extendable once to 45 (art. 28); a referral is followed
up within 30 days, extendable once by 30 (the province's practice: the body it went to answers).
"""
from django.db import migrations

CATEGORIES = [
    ("fraud", "Lừa đảo, hứa hẹn việc làm giả", "Fraud, fake job offer"),
    ("excess_fee", "Thu tiền dịch vụ, chi phí vượt mức trần", "Fees above the legal ceiling"),
    ("deposit", "Không trả lại tiền ký quỹ, tiền đặt cọc", "Deposit not returned"),
    ("contract", "Không thực hiện đúng hợp đồng ở nước ngoài", "Contract not honoured abroad"),
    ("abuse", "Bị ngược đãi, xâm hại ở nước ngoài", "Abuse abroad"),
    ("unlicensed", "Môi giới, tuyển dụng không có giấy phép", "Unlicensed brokerage"),
    ("other", "Khác", "Other"),
]
DEADLINES = [
    ("received", 10, 0, "Luật Khiếu nại 2011, Điều 27: thụ lý trong 10 ngày kể từ ngày nhận đơn"),
    ("verifying", 30, 15, "Luật Khiếu nại 2011, Điều 28: giải quyết trong 30 ngày kể từ ngày thụ lý, "
                          "vụ việc phức tạp không quá 45 ngày"),
    ("referred", 30, 30, "Theo dõi kết quả xử lý của cơ quan được chuyển đơn (quy định của tỉnh)"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    StepDeadline = apps.get_model("complaints", "StepDeadline")
    for order, (code, name_vi, name_en) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(code=code, defaults={"name_vi": name_vi, "name_en": name_en,
                                                               "order": order * 10})
    for status, days, extension_days, basis in DEADLINES:
        StepDeadline.objects.update_or_create(status=status, defaults={
            "days": days, "extension_days": extension_days, "legal_basis": basis})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
