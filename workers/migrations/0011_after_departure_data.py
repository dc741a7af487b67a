"""Existing records keep their meaning after departure:

- a departure whose contract length is known gets its contract end (departure date + the months);
- a return gets its outcome: early as recorded, after overstaying when it came more than 30 days (the default
  grace period) after that end, else on time;
- a worker marked absconded gets a dated absconding on their latest departure, learned on the day of the status
  change (source "other"), open.
"""
from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone

BATCH = 5000
DEFAULT_GRACE_DAYS = 30


def add_months(day: dt.date, months: int) -> dt.date:  # workers.contracts.add_months, frozen here
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _batches(queryset):
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def forwards(apps, schema_editor):
    Departure = apps.get_model("workers", "Departure")
    Return = apps.get_model("workers", "Return")
    Worker = apps.get_model("workers", "Worker")
    StatusChange = apps.get_model("workers", "StatusChange")
    Absconding = apps.get_model("workers", "Absconding")

    for rows in _batches(Departure.objects.filter(contract_months__gt=0, contract_end__isnull=True)
                         .only("pk", "date", "contract_months")):
        for row in rows:
            row.contract_end = add_months(row.date, row.contract_months)
        Departure.objects.bulk_update(rows, ["contract_end"])

    for rows in _batches(Return.objects.select_related("departure").only("pk", "date", "early",
                                                                          "departure__contract_end")):
        for row in rows:
            end = row.departure.contract_end
            row.days_past_contract = (row.date - end).days if end else None
            if row.early:
                row.outcome = "early"
            elif row.days_past_contract is not None and row.days_past_contract > DEFAULT_GRACE_DAYS:
                row.outcome = "after_overstay"
            else:
                row.outcome = "on_time"
        Return.objects.bulk_update(rows, ["days_past_contract", "outcome"])

    zone = timezone.get_default_timezone() if settings.USE_TZ else None
    events = []
    for worker in Worker.objects.filter(status="absconded").only("pk").iterator(chunk_size=BATCH):
        departure = Departure.objects.filter(worker_id=worker.pk).order_by("-date", "-pk").first()
        if departure is None or Absconding.objects.filter(departure=departure, closed_on__isnull=True).exists():
            continue
        change = (StatusChange.objects.filter(worker_id=worker.pk, to_status="absconded").order_by("-at", "-pk")
                  .values_list("at", flat=True).first())
        learned = timezone.localtime(change, zone).date() if change and zone else (change.date() if change else None)
        events.append(Absconding(departure=departure, learned_on=max(learned or departure.date, departure.date),
                                 source="other", note="Ghi nhận từ lịch sử trạng thái"))
        if len(events) >= BATCH:
            Absconding.objects.bulk_create(events)
            events = []
    Absconding.objects.bulk_create(events)


class Migration(migrations.Migration):
    dependencies = [("workers", "0010_after_departure")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
