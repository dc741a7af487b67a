"""Writes on accounts: create, change, deactivate (never delete), give access, flag the inactive.

Every rule an account must keep is checked in :func:`account_problems`, which the screen, the bulk import and the
command share; nothing is saved unless it finds nothing. Every write names its author in the audit trail
(``acting_as``). A new account has no password: it receives a one-time link by e-mail (Django's password-reset
token: it expires after ``PASSWORD_RESET_TIMEOUT`` and works once, since it depends on the password and the last
login) or, without e-mail, a printed one-time code (stored hashed, expiring, single use), and must choose its own
password before it can do anything else.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import AccountProfile, InactivityRule, OneTimeCode
from accounts.roles import LEVELS, AccountRole, rank, role_of, scope_values
from portal.audit import acting_as
from portal.formats import format_date
from portal.models import Level, Role, Scope, Unit
from portal.scoping import accounts_q, can_manage_accounts

User = get_user_model()

USERNAME_RE = re.compile(r"^[A-Za-z0-9._@+-]{3,150}$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper without doubt
CODE_LENGTH = 10
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
CODE_MAX_FAILURES = 5


@dataclass(frozen=True)
class AccountData:
    """An account as typed on the screen or read from a sheet, turned into domain values."""

    username: str
    full_name: str
    email: str
    phone: str
    role: str
    unit: Unit | None


@dataclass
class Delivery:
    """How a person receives access to their account: a link by e-mail, or a printed code."""

    user: object
    emailed: bool = False
    code: str = ""
    expires_at: dt.datetime | None = None
    email_error: str = ""


# --- Checks ---------------------------------------------------------------------------------------------------


def normalise_phone(text: str) -> str:
    """``+84 905 123 456`` → ``0905123456``; raises ValueError when it is not a Vietnamese phone number."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if not digits:
        return ""
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not digits.isdigit() or not digits.startswith("0") or not 10 <= len(digits) <= 11:
        raise ValueError(text)
    return digits


def active_admins() -> int:
    return User.objects.filter(Q(is_superuser=True) | Q(scope__role=Role.ADMIN), is_active=True).distinct().count()


def manageable_accounts(by):
    """The accounts ``by`` may see and change on the accounts screens."""
    condition = accounts_q(by)
    users = User.objects.all()
    return users if condition is None else users.filter(condition)


def account_problems(*, by, data: AccountData, user=None) -> dict[str, list[str]]:
    """Every reason ``by`` may not save ``data`` (a new account when ``user`` is None), by field."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if user is None:
        if not USERNAME_RE.match(data.username):
            add("username", _("Use 3 to 150 letters without accents, digits or . _ - @ +, without spaces."))
        elif User.objects.filter(username__iexact=data.username).exists():
            add("username", _("The username %(username)s is already taken.") % {"username": data.username})
    if not data.full_name:
        add("full_name", _("Enter the full name."))
    elif len(data.full_name) > 150:
        add("full_name", _("At most 150 characters."))
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            add("email", _("“%(email)s” is not a valid e-mail address.") % {"email": data.email})
    own = role_of(by)
    if data.role not in AccountRole.values:
        add("role", _("Unknown role."))
        return problems
    if rank(data.role) > rank(own):
        add("role", _("You cannot give a role above your own (%(role)s).") % {
            "role": AccountRole(own).label if own else "—"})
    current_role = role_of(user) if user is not None else None
    current_unit = getattr(getattr(user, "scope", None), "unit", None) if user is not None else None
    if user is not None and user.pk == by.pk and (data.role != current_role or data.unit != current_unit):
        add(NON_FIELD_ERRORS, _("You cannot change your own role or unit: ask another administrator."))
    if current_role == AccountRole.ADMIN and data.role != AccountRole.ADMIN and user.is_active and active_admins() <= 1:
        add("role", _("This is the last national administrator: give another account that role first."))
    levels = LEVELS[data.role]
    if not levels:
        if data.unit is not None:
            add("unit", _("A national administrator covers the whole country: leave the unit empty."))
    elif data.unit is None:
        add("unit", _("Choose the unit of the account."))
    else:
        if data.unit.level not in levels:
            add("unit", _("A “%(role)s” account sits on a unit of level: %(levels)s.") % {
                "role": AccountRole(data.role).label, "levels": ", ".join(str(Level(level).label) for level in levels)})
        if data.unit != current_unit and not can_manage_accounts(by, data.unit):
            add("unit", _("The unit %(unit)s is outside your scope.") % {"unit": data.unit.name})
    return problems


def _clean(data: AccountData) -> AccountData:
    return AccountData(username=data.username.strip(), full_name=" ".join(data.full_name.split()),
                       email=data.email.strip().lower(), phone=data.phone, role=data.role, unit=data.unit)


def _save_scope(user, data: AccountData) -> None:
    role, manages = scope_values(data.role)
    admin = data.role == AccountRole.ADMIN  # /admin/ (emergencies) for the national administrator only
    if (user.is_superuser, user.is_staff) != (admin, admin):
        user.is_superuser = user.is_staff = admin
        user.save(update_fields=["is_superuser", "is_staff"])
    scope = Scope.objects.filter(user=user).first()
    if scope is None:
        Scope.objects.create(user=user, role=role, unit=data.unit, manages_accounts=manages)
    elif (scope.role, scope.unit_id, scope.manages_accounts) != (role, getattr(data.unit, "pk", None), manages):
        scope.role, scope.unit, scope.manages_accounts = role, data.unit, manages
        scope.save(update_fields=["role", "unit", "manages_accounts"])


# --- Create, change, deactivate -----------------------------------------------------------------------------------


def account_create(*, by, data: AccountData):
    """A new account with no password yet, which must choose its own at first login (see :func:`access_deliver`)."""
    data = _clean(data)
    problems = account_problems(by=by, data=data)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(by):
        user = User(username=data.username, first_name=data.full_name, email=data.email)
        user.set_unusable_password()
        user.save()
        _save_scope(user, data)
        AccountProfile.objects.create(user=user, phone=data.phone, must_change_password=True, created_by=by)
    return user


def account_update(*, by, user, data: AccountData):
    """Change an account's name, e-mail, phone, role and unit (not its username)."""
    data = _clean(AccountData(username=user.username, full_name=data.full_name, email=data.email, phone=data.phone,
                              role=data.role, unit=data.unit))
    if not manageable_accounts(by).filter(pk=user.pk).exists():
        raise ValidationError({NON_FIELD_ERRORS: [_("This account is outside your scope.")]})
    problems = account_problems(by=by, data=data, user=user)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(by):
        user = User.objects.select_for_update().get(pk=user.pk)
        if (user.first_name, user.last_name, user.email) != (data.full_name, "", data.email):
            user.first_name, user.last_name, user.email = data.full_name, "", data.email
            user.save(update_fields=["first_name", "last_name", "email"])
        _save_scope(user, data)
        profile, _created = AccountProfile.objects.get_or_create(user=user)
        if profile.phone != data.phone:
            profile.phone = data.phone
            profile.save(update_fields=["phone"])
    return user


def _deactivation_problems(*, by, users: Sequence) -> list[str]:
    problems = []
    if any(user.pk == by.pk for user in users):
        problems.append(_("You cannot deactivate your own account."))
    admins = [user for user in users if user.is_active and role_of(user) == AccountRole.ADMIN]
    if admins and active_admins() - len(admins) < 1:
        problems.append(_("%(username)s is the last national administrator: the portal would have none.") % {
            "username": admins[-1].username})
    outside = [user.username for user in users if not manageable_accounts(by).filter(pk=user.pk).exists()]
    if outside:
        problems.append(_("Outside your scope: %(usernames)s.") % {"usernames": ", ".join(outside)})
    return problems


def accounts_deactivate(*, by, users: Sequence) -> int:
    """Deactivate accounts (never delete them: the audit trail keeps their names); all or none."""
    users = list(users)
    problems = _deactivation_problems(by=by, users=users)
    if problems:
        raise ValidationError(problems)
    changed = 0
    with transaction.atomic(), acting_as(by):
        for user in users:
            if user.is_active:
                user.is_active = False
                user.save(update_fields=["is_active"])  # a deactivated account is logged out at its next request
                changed += 1
    return changed


def account_deactivate(*, by, user) -> None:
    accounts_deactivate(by=by, users=[user])


def account_activate(*, by, user) -> None:
    if not manageable_accounts(by).filter(pk=user.pk).exists():
        raise ValidationError(_("This account is outside your scope."))
    with transaction.atomic(), acting_as(by):
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])


# --- Access: one-time links and codes ---------------------------------------------------------------------------


def password_link(user, base_url: str) -> str:
    """The one-time link with which ``user`` sets their password (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.removesuffix("/") + reverse("accounts:set_password", kwargs={"uidb64": uid, "token": token})


def normalise_code(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "").upper()


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def one_time_code_issue(*, by, user) -> tuple[str, dt.datetime]:
    """A new printed code for ``user`` (earlier unused codes stop working); returns it once, shown on paper."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.ACCOUNT_CODE_DAYS)
    with transaction.atomic():
        OneTimeCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        OneTimeCode.objects.create(user=user, code_hash=make_password(code), expires_at=expires,
                                   created_by=by if getattr(by, "is_authenticated", False) else None)
    return format_code(code), expires


def one_time_code_redeem(*, user, code: str) -> bool:
    """Whether ``code`` is a live code of ``user``; if so it is used up (once, even under concurrent tries) and the
    account must choose a new password. Wrong tries count: after five, the live codes stop working."""
    code = normalise_code(code)
    if not CODE_RE.match(code):
        return False
    now = timezone.now()
    live = list(OneTimeCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now))
    for candidate in live:
        if check_password(code, candidate.code_hash):
            with transaction.atomic():
                if not OneTimeCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(used_at=now):
                    return False  # used meanwhile by another request
                profile, _created = AccountProfile.objects.get_or_create(user=user)
                if not profile.must_change_password:
                    profile.must_change_password = True
                    profile.save(update_fields=["must_change_password"])
            return True
    if live:
        OneTimeCode.objects.filter(pk__in=[c.pk for c in live]).update(failed_attempts=F("failed_attempts") + 1)
        OneTimeCode.objects.filter(pk__in=[c.pk for c in live], failed_attempts__gte=CODE_MAX_FAILURES).update(
            expires_at=now)
    return False


def password_set_by_owner(user) -> None:
    """The person chose their own password: no forced change any more, and their printed codes stop working."""
    now = timezone.now()
    AccountProfile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
    OneTimeCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)


def _link_message(user, link: str, connection) -> EmailMessage:
    expires = timezone.localtime(timezone.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
    context = {"user": user, "link": link, "expires": expires, "expires_date": format_date(expires.date())}
    with translation.override("vi"):
        subject = " ".join(render_to_string("accounts/email/password_link_subject.txt", context).split())
        body = render_to_string("accounts/email/password_link.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection)


def access_deliver(*, by, users: Iterable, base_url: str) -> list[Delivery]:
    """Give each account a way in: a one-time link by e-mail when it has an address, else a printed code (also when
    the e-mail could not be sent: the error is kept to show)."""
    deliveries = []
    connection = None
    for user in users:
        delivery = Delivery(user=user)
        if user.email:
            try:
                if connection is None:
                    connection = get_connection()
                    connection.open()
                sent = connection.send_messages([_link_message(user, password_link(user, base_url), connection)])
                delivery.emailed = bool(sent)
            except OSError as exc:  # SMTP errors are OSErrors
                delivery.email_error = str(exc) or exc.__class__.__name__
        if not delivery.emailed:
            delivery.code, delivery.expires_at = one_time_code_issue(by=by, user=user)
        deliveries.append(delivery)
    if connection is not None:
        connection.close()
    return deliveries


def password_reset(*, by, user, base_url: str, block_current: bool = True) -> Delivery:
    """Send the account a new one-time link (or print a code); ``block_current``: the current password stops working
    at once (a password someone else may know)."""
    if not manageable_accounts(by).filter(pk=user.pk).exists():
        raise ValidationError(_("This account is outside your scope."))
    if not user.is_active:
        raise ValidationError(_("The account is deactivated: activate it first."))
    with transaction.atomic(), acting_as(by):
        if block_current:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        AccountProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    return access_deliver(by=by, users=[user], base_url=base_url)[0]


# --- Inactivity ----------------------------------------------------------------------------------------------------


def inactivity_rule_set(*, by, province: Unit, days: int | None) -> None:
    """The province's own period (None: back to the national default)."""
    if province.level != Level.PROVINCE or not can_manage_accounts(by, province):
        raise ValidationError(_("The unit %(unit)s is outside your scope.") % {"unit": province.name})
    if days is not None and not 7 <= days <= 3650:
        raise ValidationError({"days": _("Between 7 and 3650 days.")})
    with transaction.atomic(), acting_as(by):
        if days is None:
            InactivityRule.objects.filter(province=province).delete()
        else:
            InactivityRule.objects.update_or_create(province=province, defaults={"days": days})
