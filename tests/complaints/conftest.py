"""Fixtures of the complaints tests.

The categories and the statutory deadlines are seeded again (a transactional test elsewhere flushes the tables
the data migration filled); attachments go to a temporary folder (tests/conftest.py). ``make_case`` records a case through the
intake service on a fixed calendar: received on 02/03/2026 by Ninh Sơn (unit A) unless told otherwise, about
a broker, "fraud", with a named complainant; ``TODAY`` is 30/11/2026.
"""
from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest

from complaints import services
from complaints.models import Category, ComplainantKind, PartyKind

TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def complaint_reference(db):
    from django.apps import apps

    importlib.import_module("complaints.migrations.0002_seed_categories_and_deadlines").seed(apps, None)
    return SimpleNamespace(**{category.code: category for category in Category.objects.all()})


@pytest.fixture
def categories(complaint_reference):
    return complaint_reference


@pytest.fixture
def make_case(units, users, categories):
    def make(unit=None, *, user=None, received_on=dt.date(2026, 3, 2), today=TODAY, **extra):
        kwargs = {
            "complainant_kind": ComplainantKind.PERSON, "complainant_name": "Trần Thị Khiếu Nại",
            "complainant_phone": "0977 111 222", "complainant_address": "Thôn 1",
            "respondent_kind": PartyKind.BROKER, "respondent_name": "Nguyễn Văn Môi Giới",
            "respondent_phone": "0912 345 678", "category": categories.fraud,
            "description": "Nhận tiền hứa đưa đi Nhật Bản rồi không đưa đi.", "amount_claimed": 50_000_000,
        }
        kwargs.update(extra)
        return services.case_receive(user=user or users.admin, unit=unit or units.a, received_on=received_on,
                                     today=today, **kwargs)

    return make


@pytest.fixture
def english():
    """Messages in English, to match them below (the screens are Vietnamese first)."""
    from django.utils import translation

    with translation.override("en"):
        yield
