"""Demo accounts of the accounts screens: Khánh Hòa's provincial administrator, its own inactivity period, and a
commune official who has not logged in for months (flagged on the list). Idempotent."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import InactivityRule
from portal.demo import demo_password_hash
from portal.models import Role, Scope, Structure, Unit

# username, full name, role, manages accounts, unit code (2025 structure), days since the last login (None: recent)
ACCOUNTS = [
    ("qtkhanhhoa", "Quản trị tài khoản tỉnh Khánh Hòa", Role.PROVINCE, True, "56", None),
    ("nhatrang", "Cán bộ phường Nha Trang (nghỉ lâu không đăng nhập)", Role.OFFICIAL, False, "22366", 200),
]
KHANH_HOA_INACTIVE_DAYS = 60


@transaction.atomic
def load() -> str:
    User = get_user_model()
    created = []
    now = timezone.now()
    for username, full_name, role, manages, code, idle_days in ACCOUNTS:
        unit = Unit.objects.filter(structure=Structure.NEW, code=code).first()
        if unit is None:
            return "Khánh Hòa (2025) is not loaded: no demo accounts"
        user, was_created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
        if was_created:
            user.password = demo_password_hash()
            if idle_days is not None:
                user.last_login = now - dt.timedelta(days=idle_days)
                user.date_joined = now - dt.timedelta(days=idle_days + 200)
            user.save()
            created.append(username)
        Scope.objects.get_or_create(user=user, defaults={"role": role, "unit": unit, "manages_accounts": manages})
    province = Unit.objects.get(structure=Structure.NEW, code="56")
    InactivityRule.objects.get_or_create(province=province, defaults={"days": KHANH_HOA_INACTIVE_DAYS})
    return f"accounts created {len(created)}" + (f" ({', '.join(created)})" if created else "")
