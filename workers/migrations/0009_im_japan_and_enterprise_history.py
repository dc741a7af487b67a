"""IM Japan, missing from the programmes until now, after Japan's technical intern training; and every sending
enterprise's status as its first history row (dated by its licence, else today)."""
import datetime as dt

from django.db import migrations
from django.db.models import F

IM_JAPAN = ("JP-IM", "Thực tập sinh kỹ năng Nhật Bản – chương trình IM Japan", "Japan technical intern training – IM Japan")


def forward(apps, schema_editor):
    Country = apps.get_model("workers", "Country")
    Programme = apps.get_model("workers", "Programme")
    Enterprise = apps.get_model("workers", "Enterprise")
    EnterpriseStatusChange = apps.get_model("workers", "EnterpriseStatusChange")
    japan = Country.objects.filter(code="JP").first()
    if japan is not None and not Programme.objects.filter(code=IM_JAPAN[0]).exists():
        titp = Programme.objects.filter(code="JP-TITP").first()
        order = titp.order + 1 if titp else 0
        Programme.objects.filter(order__gte=order).exclude(pk=getattr(titp, "pk", None)).update(
            order=F("order") + 1)
        Programme.objects.create(code=IM_JAPAN[0], name_vi=IM_JAPAN[1], name_en=IM_JAPAN[2], country=japan, order=order)
    today = dt.date.today()
    EnterpriseStatusChange.objects.bulk_create([
        EnterpriseStatusChange(enterprise=enterprise, from_status="", to_status=enterprise.status,
                               date=enterprise.licence_date or today)
        for enterprise in Enterprise.objects.filter(status_changes__isnull=True)])


class Migration(migrations.Migration):
    dependencies = [("workers", "0008_country_order_enterprise_status_changes")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
