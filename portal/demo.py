"""The demo province: Ninh Thuận (58) in the legacy structure, with one account per role."""
from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from portal.models import Role, Scope, Structure, Unit
from portal.units_loader import link_structures, load_units, provinces_in_both

DEMO_PROVINCE = "58"
DEMO_PASSWORD = "Demo@2026!"  # at least 10 characters (AUTH_PASSWORD_VALIDATORS)
# Earlier demo passwords, too short for today's policy: a demo account still using one is moved to DEMO_PASSWORD
# when the demo is loaded again (an account whose password someone changed is left alone).
RETIRED_DEMO_PASSWORDS = ("Demo@2026",)

# username, full name, role, unit code (None: whole country for the administrator); legacy structure
# unless the account is listed in NEW_STRUCTURE_ACCOUNTS.
DEMO_ACCOUNTS = [
    ("admin", "Quản trị hệ thống", Role.ADMIN, None),
    ("tinh", "Cán bộ Sở Nội vụ", Role.PROVINCE, "58"),
    ("ninhson", "Cán bộ huyện Ninh Sơn", Role.OFFICIAL, "585"),
    ("bacai", "Cán bộ huyện Bác Ái", Role.OFFICIAL, "584"),
    ("lanhdao", "Lãnh đạo UBND tỉnh", Role.VIEWER, "58"),
    ("khanhhoa", "Cán bộ Sở Nội vụ Khánh Hòa", Role.PROVINCE, "56"),
    # Commune officials of the 2025 structure: this year's figures and workers (the successors of Ninh Sơn's and
    # Bác Ái's seats).
    ("xaninhson", "Cán bộ xã Ninh Sơn", Role.OFFICIAL, "22810"),
    ("xabacai", "Cán bộ xã Bác Ái", Role.OFFICIAL, "22795"),
]
# Since 1 July 2025: new Khánh Hòa (56), which absorbed Ninh Thuận.
NEW_STRUCTURE_ACCOUNTS = {"khanhhoa", "xaninhson", "xabacai"}


T = TypeVar("T")
# Set by ``load_demo`` while it runs: wraps a long step's iterable in a progress bar (tqdm). Elsewhere (tests,
# a loader called on its own) the iterable is returned as it is.
_progress_bar: ContextVar[Callable[..., Iterable] | None] = ContextVar("demo_progress_bar", default=None)


def demo_progress(iterable: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterable[T]:
    """``iterable``, shown as a progress bar while ``load_demo`` runs (a long step of a loader)."""
    bar = _progress_bar.get()
    return iterable if bar is None else bar(iterable, total=total, desc=desc)


@contextmanager
def progress_bars(bar: Callable[..., Iterable]) -> Iterator[None]:
    token = _progress_bar.set(bar)
    try:
        yield
    finally:
        _progress_bar.reset(token)


@functools.lru_cache(maxsize=1)
def demo_password_hash() -> str:
    """The demo password, hashed once per process: hashing is slow on purpose (about 0.4 s each), and every demo
    account has the same known password anyway."""
    return make_password(DEMO_PASSWORD)


def load_demo_units() -> str:
    """Ninh Thuận in the legacy structure, and since the 2025 reform Khánh Hòa
    (which absorbed it) in the new one, with the official mapping between them."""
    legacy, new = provinces_in_both([DEMO_PROVINCE])
    with transaction.atomic():
        results = [
            f"legacy {load_units(structure=Structure.LEGACY, province_codes=legacy)}",
            f"2025 {load_units(structure=Structure.NEW, province_codes=new)}",
            str(link_structures()),
        ]
    return "; ".join(results)


@transaction.atomic
def load_demo_accounts() -> list[str]:
    User = get_user_model()
    created = []
    for username, full_name, role, unit_code in DEMO_ACCOUNTS:
        structure = Structure.NEW if username in NEW_STRUCTURE_ACCOUNTS else Structure.LEGACY
        unit = Unit.objects.get(structure=structure, code=unit_code) if unit_code else None
        user, was_created = User.objects.get_or_create(username=username)
        if was_created:
            user.password = demo_password_hash()
            created.append(username)
        elif any(user.check_password(retired) for retired in RETIRED_DEMO_PASSWORDS):
            user.set_password(DEMO_PASSWORD)
        user.first_name, user.last_name = full_name, ""
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
        Scope.objects.update_or_create(user=user, defaults={"role": role, "unit": unit})
    return created
