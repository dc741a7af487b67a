"""Helpers of the training tests: classes at dates relative to today (the services compare with today), and sheets."""
from __future__ import annotations

import datetime as dt
import io
import itertools

from django.utils import timezone
from openpyxl import Workbook

from training import services
from training.models import ClassKind, Language, OrganiserKind, TrainingClass

_serial = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    """``n`` days from today (negative: ago)."""
    return today() + dt.timedelta(days=n)


def class_input(unit, **overrides) -> services.ClassInput:
    values = {
        "code": f"T-{next(_serial):04d}", "name": "Tiếng Nhật sơ cấp", "kind": ClassKind.LANGUAGE, "unit": unit,
        "organiser_kind": OrganiserKind.EMPLOYMENT_CENTRE, "organiser_name": "Trung tâm Dịch vụ việc làm tỉnh",
        "language": Language.JAPANESE, "start_date": days(-90), "end_date": days(-10), "capacity": 10,
    }
    values.update(overrides)
    return services.ClassInput(**values)


def make_class(user, unit, **overrides) -> TrainingClass:
    return services.class_save(user=user, data=class_input(unit, **overrides))


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")
