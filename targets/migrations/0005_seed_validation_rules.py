"""The rules every province starts with: the "of whom" lines cannot exceed the departures (errors)."""
from django.db import migrations

RULES = [
    ("departed_female", "<=", "departed", "Số lao động nữ không được lớn hơn tổng số lao động đã xuất cảnh."),
    ("departed_poor", "<=", "departed",
     "Số lao động thuộc hộ nghèo, cận nghèo không được lớn hơn tổng số lao động đã xuất cảnh."),
    ("departed_ethnic_minority", "<=", "departed",
     "Số lao động người dân tộc thiểu số không được lớn hơn tổng số lao động đã xuất cảnh."),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("targets", "ValidationRule")
    for left, operator, right, message in RULES:
        Rule.objects.get_or_create(left=left, operator=operator, right=right,
                                   defaults={"message": message, "severity": "error", "active": True})


def unseed(apps, schema_editor):
    Rule = apps.get_model("targets", "ValidationRule")
    for left, operator, right, _message in RULES:
        Rule.objects.filter(left=left, operator=operator, right=right).delete()


class Migration(migrations.Migration):
    dependencies = [("targets", "0004_validation_rules_and_ranges")]
    operations = [migrations.RunPython(seed, unseed)]
