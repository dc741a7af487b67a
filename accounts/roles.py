"""The roles as the accounts screens offer them, and their order.

The portal stores a role on ``portal.Scope`` and the right to manage a province's accounts beside it
(``Scope.manages_accounts``); people think of the provincial administrator as a role of its own, so the screens
offer five: ``AccountRole``. An editor may give no role above their own, and a role sits on units of given levels.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Level, Role
from portal.scoping import user_scope


class AccountRole(models.TextChoices):
    ADMIN = "admin", _("National administrator")
    PROVINCE_ADMIN = "province_admin", _("Provincial administrator")
    PROVINCE = "province", _("Provincial staff")
    OFFICIAL = "official", _("Unit official")
    VIEWER = "viewer", _("Leadership (read-only)")


# How far a role reaches: an editor gives no role above their own.
RANK = {AccountRole.ADMIN: 5, AccountRole.PROVINCE_ADMIN: 4, AccountRole.PROVINCE: 3, AccountRole.OFFICIAL: 2,
        AccountRole.VIEWER: 1}

# The levels of unit each role sits on (the national administrator on none: the whole country).
LEVELS = {
    AccountRole.ADMIN: (),
    AccountRole.PROVINCE_ADMIN: (Level.PROVINCE,),
    AccountRole.PROVINCE: (Level.PROVINCE,),
    AccountRole.OFFICIAL: (Level.DISTRICT, Level.COMMUNE),
    AccountRole.VIEWER: (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE),
}


def role_of(user) -> str | None:
    """The account role of ``user`` (None: no scope, the account sees nothing)."""
    if user.is_superuser:
        return AccountRole.ADMIN
    scope = user_scope(user)
    if scope is None:
        return None
    if scope.role == Role.PROVINCE and scope.manages_accounts:
        return AccountRole.PROVINCE_ADMIN
    return scope.role


def rank(role: str | None) -> int:
    return RANK.get(role, 0)


def scope_values(role: str) -> tuple[str, bool]:
    """(``Scope.role``, ``Scope.manages_accounts``) of an account role."""
    if role == AccountRole.PROVINCE_ADMIN:
        return Role.PROVINCE, True
    return Role(role).value, False


def roles_given_by(editor) -> list[tuple[str, str]]:
    """The choices of role an editor may give: their own and those below."""
    own = rank(role_of(editor))
    return [(value, label) for value, label in AccountRole.choices if RANK[value] <= own]
