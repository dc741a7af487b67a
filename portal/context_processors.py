from __future__ import annotations

from portal.scoping import can_approve, can_write, sees_everything, user_role, user_unit


def scope(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "scope_role": user_role(user),
        "scope_unit": user_unit(user),
        "scope_can_write": can_write(user),
        "scope_can_approve": can_approve(user),
        "scope_is_admin": sees_everything(user),
    }
