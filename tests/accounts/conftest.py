"""Fixtures of the accounts tests: provincial administrators of Ninh Thuận (58, legacy structure) and of Khánh Hòa
(56, 2025 structure, which absorbed it), and a commune official of Khánh Hòa."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

from portal.demo import load_demo_units
from portal.models import Role, Scope, Structure, Unit
from tests.conftest import make_user


def province_admin(username: str, unit: Unit):
    user = make_user(username, Role.PROVINCE, unit)
    Scope.objects.filter(user=user).update(manages_accounts=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def khanh_hoa(units):
    load_demo_units()  # Khánh Hòa (56) in the 2025 structure, linked to Ninh Thuận's legacy units
    get = lambda code: Unit.objects.get(structure=Structure.NEW, code=code)  # noqa: E731
    return SimpleNamespace(province=get("56"), nha_trang=get("22366"), bac_nha_trang=get("22333"))


@pytest.fixture
def admins(users, units, khanh_hoa):
    return SimpleNamespace(
        qt58=province_admin("t_qt58", units.province),
        qt56=province_admin("t_qt56", khanh_hoa.province),
        official56=make_user("t_nhatrang", Role.OFFICIAL, khanh_hoa.nha_trang),
    )


def sheet(rows, headers=("Tên đăng nhập", "Họ và tên", "Thư điện tử", "Số điện thoại", "Mã đơn vị", "Vai trò")) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
