"""Accounts in bulk from Excel: one sheet, one row per account, checked whole, created whole.

The upload screen checks the file and keeps its cells (``AccountImport``) for a preview; confirming checks the kept
cells again (a username may have been taken meanwhile) and creates every account in one transaction, or none.
``manage.py import_accounts FILE.xlsx [--dry-run]`` runs the same checks and the same creation. Each row goes
through :func:`accounts.services.account_problems`, the rules of the screen, so an error reads the same on both.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountImport, ImportStatus
from accounts.roles import AccountRole
from accounts.services import AccountData, Delivery, access_deliver, account_create, account_problems, normalise_phone
from portal.unit_codes import UnitCodeError, UnitResolver
from portal.xlsx import Column, ErrorList, ImportRejected, cell_text, normalise_header, read_sheet

User = get_user_model()

COLUMNS = [
    Column("username", "Tên đăng nhập", ("username", "tài khoản", "tên tài khoản")),
    Column("full_name", "Họ và tên", ("full name", "name", "họ tên")),
    Column("email", "Thư điện tử", ("email", "e-mail", "thư điện tử (email)"), required=False),
    Column("phone", "Số điện thoại", ("phone", "điện thoại"), required=False),
    Column("unit_code", "Mã đơn vị", ("unit code", "unit", "mã đv")),
    Column("role", "Vai trò", ("role",)),
]
LABEL = {column.key: column.label for column in COLUMNS}
UNIT_NAME_LABEL = "Tên đơn vị"  # written in the template to help the reader; not read back
MAX_ROWS = 5000

# The Vietnamese names a sheet writes (the screens' labels are translated separately), and a few other spellings.
ROLE_VI = {
    AccountRole.ADMIN: "Quản trị hệ thống",
    AccountRole.PROVINCE_ADMIN: "Quản trị viên cấp tỉnh",
    AccountRole.PROVINCE: "Cán bộ Sở (cấp tỉnh)",
    AccountRole.OFFICIAL: "Cán bộ đơn vị",
    AccountRole.VIEWER: "Lãnh đạo (chỉ xem)",
}
_ROLE_ALIASES = {
    AccountRole.ADMIN: ("National administrator", "Quản trị viên", "Quản trị quốc gia"),
    AccountRole.PROVINCE_ADMIN: ("Provincial administrator", "Quản trị tỉnh", "Quản trị cấp tỉnh"),
    AccountRole.PROVINCE: ("Provincial staff", "Cán bộ tỉnh", "Cán bộ cấp tỉnh", "Cán bộ Sở"),
    AccountRole.OFFICIAL: ("Unit official", "Cán bộ xã", "Cán bộ huyện", "Cán bộ"),
    AccountRole.VIEWER: ("Leadership (read-only)", "Lãnh đạo", "Chỉ xem"),
}
ROLES = {normalise_header(text): role for role in AccountRole.values
         for text in (role, ROLE_VI[role], *_ROLE_ALIASES[role])}
_FIELD_COLUMN = {"username": LABEL["username"], "full_name": LABEL["full_name"], "email": LABEL["email"],
                 "phone": LABEL["phone"], "unit": LABEL["unit_code"], "role": LABEL["role"], NON_FIELD_ERRORS: ""}


@dataclass
class ImportOutcome:
    created: list = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def emailed(self) -> int:
        return sum(1 for d in self.deliveries if d.emailed)

    @property
    def coded(self) -> int:
        return sum(1 for d in self.deliveries if d.code)


def read_account_rows(data: bytes) -> list[dict]:
    """The sheet's rows as text cells, ``{"row": n, "username": …}``: what a preview keeps."""
    sheet = read_sheet(data, COLUMNS)
    if len(sheet.rows) > MAX_ROWS:
        errors = ErrorList()
        errors.add(0, "", _("The sheet has %(rows)s rows: at most %(max)s accounts at a time.") % {
            "rows": len(sheet.rows), "max": MAX_ROWS})
        errors.raise_if_any()
    return [{"row": row, **{column.key: cell_text(values.get(column.key)) for column in COLUMNS}}
            for row, values in sheet.rows]


def check_account_rows(rows: list[dict], *, by) -> list[tuple[int, AccountData]]:
    """Every row turned into an account ``by`` may create, or ``ImportRejected`` with every error by row and column."""
    errors = ErrorList()
    if not rows:
        errors.add(0, "", _("The sheet has no account: fill in one row per account below the headers."))
        errors.raise_if_any()
    resolver = UnitResolver([r["unit_code"] for r in rows], user=by)
    wanted = {r["username"].lower() for r in rows if r["username"]}
    taken = set(User.objects.annotate(key=Lower("username")).filter(key__in=wanted).values_list("key", flat=True))
    seen: dict[str, int] = {}
    checked = []
    for cells in rows:
        row = cells["row"]
        ok = True
        username = cells["username"]
        if not username:
            errors.add(row, LABEL["username"], _("Required."))
            ok = False
        elif username.lower() in seen:
            errors.add(row, LABEL["username"], _("The username %(username)s is also on row %(row)s.") % {
                "username": username, "row": seen[username.lower()]})
            ok = False
        else:
            seen[username.lower()] = row
            if username.lower() in taken:
                errors.add(row, LABEL["username"], _("The username %(username)s is already taken.") % {
                    "username": username})
                ok = False
        try:
            phone = normalise_phone(cells["phone"])
        except ValueError:
            errors.add(row, LABEL["phone"], _("“%(phone)s” is not a phone number (10 or 11 digits, e.g. 0905123456).")
                       % {"phone": cells["phone"]})
            phone, ok = "", False
        role = ROLES.get(normalise_header(cells["role"]))
        if not cells["role"]:
            errors.add(row, LABEL["role"], _("Required."))
            ok = False
        elif role is None:
            errors.add(row, LABEL["role"], _("Unknown role “%(value)s”: write %(choices)s.") % {
                "value": cells["role"], "choices": ", ".join(ROLE_VI.values())})
            ok = False
        unit = None
        if role != AccountRole.ADMIN:
            try:
                unit = resolver.resolve(cells["unit_code"])
            except UnitCodeError as exc:
                errors.add(row, LABEL["unit_code"], str(exc))
                ok = False
        if not ok:
            continue
        data = AccountData(username=username, full_name=" ".join(cells["full_name"].split()),
                           email=cells["email"].strip().lower(), phone=phone, role=role, unit=unit)
        problems = account_problems(by=by, data=data)
        for key, messages in problems.items():
            for message in messages:
                errors.add(row, _FIELD_COLUMN.get(key, ""), message)
        if not problems:
            checked.append((row, data))
    errors.raise_if_any()
    return checked


def create_checked(rows: list[tuple[int, AccountData]], *, by) -> list:
    """Create every account in one transaction, or none (a row that fails now rejects the whole sheet)."""
    created = []
    current = 0
    try:
        with transaction.atomic():
            for row, data in rows:
                current = row
                created.append(account_create(by=by, data=data))
    except ValidationError as exc:
        raise ImportRejected(_as_row_errors(current, exc)) from None
    return created


def _as_row_errors(row: int, exc: ValidationError):
    errors = ErrorList()
    for key, messages in getattr(exc, "message_dict", {NON_FIELD_ERRORS: exc.messages}).items():
        for message in messages:
            errors.add(row, _FIELD_COLUMN.get(key, ""), message)
    return errors.items


def import_preview(data: bytes, *, by, file_name: str = "") -> AccountImport:
    """Check an uploaded sheet whole and keep its cells until the user confirms (``ImportRejected`` otherwise)."""
    rows = read_account_rows(data)
    check_account_rows(rows, by=by)
    return AccountImport.objects.create(created_by=by, file_name=file_name[:255], rows=rows)


class AlreadyImported(Exception):
    """The preview was confirmed before (a second click, a replayed request): nothing is created twice."""


def import_commit(*, by, batch: AccountImport, base_url: str) -> ImportOutcome:
    """Create the accounts of a checked preview, all or none, then give each its link or code."""
    with transaction.atomic():
        locked = AccountImport.objects.select_for_update().get(pk=batch.pk, created_by=by)
        if locked.status != ImportStatus.PREVIEW:
            raise AlreadyImported
        users = create_checked(check_account_rows(locked.rows, by=by), by=by)
        locked.status, locked.done_at = ImportStatus.DONE, timezone.now()
        locked.created_usernames = [user.username for user in users]
        locked.save(update_fields=["status", "done_at", "created_usernames"])
    return ImportOutcome(created=users, deliveries=access_deliver(by=by, users=users, base_url=base_url))


def import_accounts(data: bytes, *, by, base_url: str, dry_run: bool = False) -> ImportOutcome:
    """The command's path: check the file, and unless ``dry_run`` create the accounts and give them access."""
    checked = check_account_rows(read_account_rows(data), by=by)
    if dry_run:
        return ImportOutcome(created=[data for _row, data in checked])
    users = create_checked(checked, by=by)
    return ImportOutcome(created=users, deliveries=access_deliver(by=by, users=users, base_url=base_url))
