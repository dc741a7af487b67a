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
from django.utils.translation import gettext as _

from portal import tree
from portal.models import ReportJob, Role, Scope, Unit
from portal.tree import legacy_prefixes

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


def manages_accounts(user) -> bool:
    """Whether the user manages accounts at all: the national administrator, and provincial staff given the
    right (``Scope.manages_accounts``, the provincial administrator)."""
    if sees_everything(user):
        return True
    scope = user_scope(user)
    return bool(scope and scope.manages_accounts and scope.role == Role.PROVINCE and scope.unit_id)


def can_manage_accounts(user, unit: Unit | None) -> bool:
    """Whether the user may give an account a scope on ``unit`` (None: the whole country, for administrators):
    the national administrator everywhere, a provincial administrator on the units of their province."""
    if sees_everything(user):
        return True
    return unit is not None and manages_accounts(user) and unit_in_scope(user, unit)


def accounts_q(user, field: str = "scope__unit") -> models.Q | None:
    """The condition on users whose accounts ``user`` manages (None: all of them, for administrators).

    A provincial administrator manages the accounts of their province's units and, in the 2025 structure,
    those still on the legacy units it inherited (to move them onto a new unit); nothing for anyone else.
    """
    if sees_everything(user):
        return None
    if not manages_accounts(user):
        return models.Q(pk__in=[])
    return scope_q(user, field)


def scope_q(user, field: str | None = "unit", *, above: bool = False, inherited: bool = True) -> models.Q | None:
    """The condition on rows whose unit (reached by ``field``: ``"unit"``, ``"worker__unit"``…; ``None`` for a
    queryset of units) lies in the user's scope; ``None`` when the user sees everything.

    A user whose unit is in the 2025 structure also sees the records kept on the legacy units it inherited
    (:func:`portal.tree.legacy_prefixes`): the history of the communes and provinces it took over. The units
    themselves stay out of their scope (``field=None`` and :func:`unit_in_scope`), so nothing new is entered
    on an abolished unit and its figures are read-only to them; ``inherited=False`` leaves the inherited
    records out too (what a user may attach new records to).

    ``above``: also the rows of the units above those (what a unit works under: the province's campaigns and
    support policies).
    """
    if sees_everything(user):
        return None
    unit = user_unit(user)
    if unit is None:
        return models.Q(pk__in=[])
    paths = [unit.path, *legacy_prefixes(unit)] if field is not None and inherited else [unit.path]
    condition = tree.subtree_q(field, paths)
    if above:
        condition |= tree.ancestors_q(field, paths)
    return condition


def scope_filter(queryset: models.QuerySet, user, *, field: str | None = "unit", above: bool = False,
                 inherited: bool = True) -> models.QuerySet:
    """Restrict ``queryset`` to rows whose unit lies in the user's scope (:func:`scope_q`)."""
    condition = scope_q(user, field, above=above, inherited=inherited)
    return queryset if condition is None else queryset.filter(condition)


def unit_in_scope(user, unit: Unit | None, *, inherited: bool = False) -> bool:
    """Whether ``unit`` lies in the user's scope; ``inherited``: also the legacy units a 2025 user inherited
    (what history brought in may name: the records of the units they took over)."""
    if unit is None:
        return sees_everything(user)
    if sees_everything(user):
        return True
    top = user_unit(user)
    if top is None:
        return False
    if tree.is_within(unit.path, top.path):
        return True
    return inherited and any(tree.is_within(unit.path, path) for path in legacy_prefixes(top))


class ScopedQuerySet(models.QuerySet):
    """Queryset for models that belong to a unit.

    The model names the lookup to its unit in ``SCOPE_FIELD`` (default
    ``"unit"``).
    """

    def visible_to(self, user) -> models.QuerySet:
        return scope_filter(self, user, field=getattr(self.model, "SCOPE_FIELD", "unit"))


def visible_to(model_or_queryset: Any, user) -> models.QuerySet:
    """The rows of ``model_or_queryset`` the user may see: the one door for every model.

    A model that belongs to a unit scopes itself (``objects.visible_to(user)``, a :class:`ScopedQuerySet`); the
    core's own models are scoped here, as ``portal.models`` imports nothing above it: units (those in the
    user's scope, not the legacy units a 2025 user inherited: nothing new is entered on those) and report jobs
    (of units in scope, and outside administrators only those the user started: a job's parameters and file
    are that person's working output). A model with no scoping is a ``TypeError``: it cannot pass silently.
    """
    queryset = model_or_queryset
    if isinstance(model_or_queryset, type) and issubclass(model_or_queryset, models.Model):
        queryset = model_or_queryset._default_manager.all()
    if queryset.model is Unit:
        return scope_filter(queryset, user, field=None)
    if queryset.model is ReportJob:
        queryset = scope_filter(queryset, user, field="unit")
        return queryset if sees_everything(user) else queryset.filter(user=user)
    if hasattr(queryset, "visible_to"):
        return queryset.visible_to(user)
    raise TypeError(f"{queryset.model.__name__} has no visible_to(); scope it before fetching.")


def visible_units(user) -> models.QuerySet[Unit]:
    """The units in the user's scope: their unit and every unit below it (all of them for administrators)."""
    return visible_to(Unit, user)


def get_visible_or_404(model_or_queryset: Any, user, **lookup: Any):
    """Fetch one object the user may see, or answer 404."""
    return get_object_or_404(visible_to(model_or_queryset, user), **lookup)


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


def require_account_manager(view: Callable) -> Callable:
    """Views of the accounts screens: 404 for anyone who manages no account (as for administrators' pages)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not manages_accounts(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def require_admin(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not sees_everything(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def not_found_in_scope(user, reason: str) -> str:
    """The message about a CCCD, phone or other key that exists only outside the user's units.

    An official is told exactly what they would be told for a key that does not exist anywhere ("not found in
    your units"), so no form or import becomes an oracle of who is registered in another unit. Administrators, who
    see every unit, get the real ``reason``.
    """
    if sees_everything(user):
        return reason
    return _("Not found in your units.")

