"""Reads of the accounts screens: the list with its filters, the inactivity flag, the units still without an
official (the bulk template)."""
from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import InactivityRule
from accounts.roles import AccountRole
from accounts.services import manageable_accounts
from portal import tree
from portal.models import Level, Role, Scope, Unit
from portal.scoping import manages_accounts, visible_units

User = get_user_model()


@dataclass
class AccountFilters:
    q: str = ""
    unit: Unit | None = None
    role: str = ""
    active: str = ""  # "yes" | "no"
    login: str = ""  # "never" | "recent" | "inactive"


def _stale(cutoff: dt.datetime) -> Q:
    """No login since ``cutoff`` (an account that never logged in: created before it)."""
    return Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)


def inactivity_periods() -> list[tuple[list[str], int]]:
    """(unit paths, days) of each province's own period: a 2025 province's also covers the legacy units it
    inherited, whose accounts it manages."""
    periods = []
    for rule in InactivityRule.objects.select_related("province"):
        periods.append(([rule.province.path, *tree.legacy_prefixes(rule.province)], rule.days))
    return periods


def inactive_q(now: dt.datetime | None = None) -> Q:
    """Active accounts without a login for their province's period (else ``settings.ACCOUNT_INACTIVE_DAYS``)."""
    now = now or timezone.now()
    default = _stale(now - dt.timedelta(days=settings.ACCOUNT_INACTIVE_DAYS))
    periods = inactivity_periods()
    if not periods:
        return Q(is_active=True) & default
    own = [tree.subtree_q("scope__unit", paths) & _stale(now - dt.timedelta(days=days)) for paths, days in periods]
    covered = reduce(operator.or_, (tree.subtree_q("scope__unit", paths) for paths, _days in periods))
    return Q(is_active=True) & (reduce(operator.or_, own) | (~covered & default))


def inactivity_days(unit: Unit | None) -> int:
    """The period that applies to the accounts of ``unit``'s province."""
    if unit is not None:
        for paths, days in inactivity_periods():
            if any(tree.is_within(unit.path, path) for path in paths):
                return days
    return settings.ACCOUNT_INACTIVE_DAYS


def account_list(user, filters: AccountFilters | None = None) -> QuerySet:
    """The accounts ``user`` manages, filtered, each with ``flagged`` (inactive for its province's period)."""
    f = filters or AccountFilters()
    users = manageable_accounts(user)
    if f.q:
        users = users.filter(Q(username__icontains=f.q) | Q(first_name__icontains=f.q) | Q(last_name__icontains=f.q)
                             | Q(email__icontains=f.q))
    if f.unit is not None:
        users = users.filter(scope__unit__path__startswith=f.unit.path)
    if f.role == AccountRole.ADMIN:
        users = users.filter(Q(is_superuser=True) | Q(scope__role=Role.ADMIN))
    elif f.role == AccountRole.PROVINCE_ADMIN:
        users = users.filter(scope__role=Role.PROVINCE, scope__manages_accounts=True, is_superuser=False)
    elif f.role == AccountRole.PROVINCE:
        users = users.filter(scope__role=Role.PROVINCE, scope__manages_accounts=False, is_superuser=False)
    elif f.role in AccountRole.values:
        users = users.filter(scope__role=f.role, is_superuser=False)
    if f.active in ("yes", "no"):
        users = users.filter(is_active=f.active == "yes")
    flagged = inactive_q()
    if f.login == "never":
        users = users.filter(last_login__isnull=True)
    elif f.login == "recent":
        users = users.filter(last_login__gte=timezone.now() - dt.timedelta(days=30))
    elif f.login == "inactive":
        users = users.filter(flagged)
    return (users.annotate(flagged=Case(When(flagged, then=Value(True)), default=Value(False),
                                        output_field=BooleanField()))
            .select_related("scope", "scope__unit", "scope__unit__parent", "account_profile")
            .order_by("scope__unit__path", "username"))


def manageable_units(user) -> QuerySet[Unit]:
    """The units ``user`` may put an account on (provinces, districts, communes of their scope)."""
    units = visible_units(user).filter(level__in=(Level.PROVINCE, Level.DISTRICT, Level.COMMUNE))
    return units if manages_accounts(user) else units.none()


def units_without_official(user, *, root: Unit, level: str) -> QuerySet[Unit]:
    """The units of ``level`` below ``root`` (in ``user``'s scope) that no active unit official covers yet."""
    taken = Scope.objects.filter(unit=OuterRef("pk"), role=Role.OFFICIAL, user__is_active=True)
    return (visible_units(user).filter(path__startswith=root.path, level=level).exclude(Exists(taken))
            .select_related("parent").order_by("path"))


def unit_accounts(user, unit: Unit) -> list:
    """The accounts on ``unit`` itself that ``user`` manages (the unit page's section)."""
    return list(manageable_accounts(user).filter(scope__unit=unit).select_related("scope").order_by("username"))
