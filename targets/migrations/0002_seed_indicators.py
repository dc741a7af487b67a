"""The indicator catalogue is data: seeded here, edited in the admin afterwards."""
from django.db import migrations

INDICATORS = [
    # code, Vietnamese name, English name, aggregation, order
    ("departed", "Số lao động đã xuất cảnh", "Workers departed", "sum", 10),
    ("departed_female", "Trong đó: lao động nữ", "of which female", "sum", 20),
    ("departed_poor", "Trong đó: thuộc hộ nghèo, cận nghèo", "of which from poor or near-poor households", "sum", 30),
    ("departed_ethnic_minority", "Trong đó: người dân tộc thiểu số", "of which ethnic minority", "sum", 40),
    ("counselled", "Số lượt lao động được tư vấn", "Workers counselled", "sum", 50),
    ("registered", "Số lao động đăng ký tham gia", "Workers registered", "sum", 60),
    ("waiting", "Số lao động đang đào tạo, bồi dưỡng chờ xuất cảnh", "Workers in training or orientation waiting to depart", "latest", 70),
    ("returned", "Số lao động về nước", "Workers returned", "sum", 80),
    ("absconded", "Số lao động bỏ trốn, cư trú bất hợp pháp", "Workers absconding or overstaying", "sum", 90),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("targets", "Indicator")
    for code, name_vi, name_en, aggregation, order in INDICATORS:
        Indicator.objects.update_or_create(
            code=code,
            defaults={"name_vi": name_vi, "name_en": name_en, "aggregation": aggregation, "order": order, "active": True},
        )


def unseed(apps, schema_editor):
    apps.get_model("targets", "Indicator").objects.filter(code__in=[row[0] for row in INDICATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
