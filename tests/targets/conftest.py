"""Fixtures of the targets tests: a clock to travel in time and .xlsx files built with openpyxl."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from targets import services

# The 2021 allocation of Ninh Thuận (total 150), by district code.
QUOTAS_2021 = {"585": 25, "586": 20, "587": 26, "589": 15, "588": 14, "584": 30, "582": 20}
NAMES_2021 = {
    "585": "Huyện Ninh Sơn", "586": "Ninh Hải", "587": "huyen ninh phuoc", "589": "Thuận Nam", "588": "Thuận Bắc",
    "584": "Bác Ái", "582": "Phan Rang – Tháp Chàm",
}


@pytest.fixture
def clock(monkeypatch):
    """``clock(date)`` fixes ``targets.services.today()``; it starts on 10/03/2026."""
    state = {"today": dt.date(2026, 3, 10)}
    monkeypatch.setattr(services, "today", lambda: state["today"])

    def set_today(day: dt.date) -> dt.date:
        state["today"] = day
        return day

    set_today.today = lambda: state["today"]
    return set_today


def xlsx(rows: list[list]) -> bytes:
    """A workbook whose first sheet holds ``rows`` (the first row is the header)."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def quotas_2021_file() -> bytes:
    rows = [["Mã đơn vị", "Đơn vị", "Năm", "Chỉ tiêu"], ["58", "Tỉnh Ninh Thuận", 2021, 150]]
    rows += [[code, NAMES_2021[code], 2021, target] for code, target in QUOTAS_2021.items()]
    return xlsx(rows)


def upload(data: bytes, name: str = "file.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def districts(units):
    from portal.models import Structure, Unit

    return {u.code: u for u in Unit.objects.filter(structure=Structure.LEGACY, code__in=list(QUOTAS_2021))}
