"""The one place where "who may see and change what" is decided.

Every model that belongs to a unit exposes ``objects.visible_to(user)``
built on :func:`scope_filter`; single objects come through
:func:`get_visible_or_404`, which answers 404 (not 403) outside the scope so
that an official cannot even learn that another unit's record exists.
"""
from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, Callable

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import Role, Scope, Structure, Unit, UnitSuccession

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def user_scope(user: AbstractBaseUser | None) -> Scope | None:
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.scope
    except Scope.DoesNotExist:
        return None


def user_role(user) -> str | None:
    if user is not None and user.is_authenticated and user.is_superuser:
        return Role.ADMIN
    scope = user_scope(user)
    return scope.role if scope else None


def user_unit(user) -> Unit | None:
    """The top unit of the user's scope (None for admins and users without one)."""
    scope = user_scope(user)
    return scope.unit if scope else None


def sees_everything(user) -> bool:
    return user_role(user) == Role.ADMIN


def can_write(user) -> bool:
    """Admins, provincial staff and unit officials write; viewers only read."""
    role = user_role(user)
    if role == Role.ADMIN:
        return True
    return role in (Role.PROVINCE, Role.OFFICIAL) and user_unit(user) is not None


def can_approve(user) -> bool:
    """Approving figures and allocating quotas is the province's job."""
    role = user_role(user)
    return role == Role.ADMIN or (role == Role.PROVINCE and user_unit(user) is not None)


def legacy_prefixes(unit: Unit) -> list[str]:
    """The paths of the legacy units whose records a 2025-structure ``unit`` inherited (one query, cached
    on the instance): those whose default successor lies in its subtree, without the ones below another.

    For a new province: the old provinces it absorbed; for a new commune: the old communes whose default
    successor it is (a divided commune's records stay with its default successor only).
    """
    if unit.structure != Structure.NEW:
        return []
    cached = getattr(unit, "_legacy_prefixes", None)
    if cached is None:
        paths = sorted(set(UnitSuccession.objects.filter(
            is_default=True, successor__path__startswith=unit.path, legacy__structure=Structure.LEGACY,
        ).values_list("legacy__path", flat=True)), key=lambda path: (len(path), path))
        cached = []
        for path in paths:
            if not any(path.startswith(kept) for kept in cached):
                cached.append(path)
        unit._legacy_prefixes = cached
    return cached


def scope_filter(queryset: models.QuerySet, user, *, field: str | None = "unit") -> models.QuerySet:
    """Restrict ``queryset`` to rows whose unit lies in the user's scope.

    ``field`` is the lookup path from the model to its ``Unit`` (e.g.
    ``"unit"``, ``"worker__unit"``); ``None`` when the queryset is of units.

    A user whose unit is in the 2025 structure also sees the records kept on the legacy units it
    inherited (:func:`legacy_prefixes`): the history of the communes and provinces it took over. The
    units themselves stay out of their scope (``field=None`` and :func:`unit_in_scope`), so nothing new
    is entered on an abolished unit and its figures are read-only to them.
    """
    if sees_everything(user):
        return queryset
    unit = user_unit(user)
    if unit is None:
        return queryset.none()
    lookup = "path__startswith" if field is None else f"{field}__path__startswith"
    condition = models.Q(**{lookup: unit.path})
    if field is not None:
        for prefix in legacy_prefixes(unit):
            condition |= models.Q(**{lookup: prefix})
    return queryset.filter(condition)


def unit_in_scope(user, unit: Unit | None) -> bool:
    if unit is None:
        return sees_everything(user)
    if sees_everything(user):
        return True
    top = user_unit(user)
    return top is not None and unit.is_within(top)


class ScopedQuerySet(models.QuerySet):
    """Queryset for models that belong to a unit.

    The model names the lookup to its unit in ``SCOPE_FIELD`` (default
    ``"unit"``).
    """

    def visible_to(self, user) -> models.QuerySet:
        return scope_filter(self, user, field=getattr(self.model, "SCOPE_FIELD", "unit"))


def get_visible_or_404(model_or_queryset: Any, user, **lookup: Any):
    """Fetch one object the user may see, or answer 404."""
    queryset = model_or_queryset
    if isinstance(model_or_queryset, type) and issubclass(model_or_queryset, models.Model):
        queryset = model_or_queryset._default_manager.all()
    if queryset.model is Unit:
        queryset = scope_filter(queryset, user, field=None)
    elif hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user)
    else:
        raise TypeError(f"{queryset.model.__name__} has no visible_to(); scope it before fetching.")
    return get_object_or_404(queryset, **lookup)


def require_write(view: Callable) -> Callable:
    """Refuse (403) views that change data to read-only users."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_write(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def require_approver(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_approve(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def require_admin(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sees_everything(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
