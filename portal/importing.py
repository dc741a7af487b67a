"""What every import command shares: read the file whole, print every error, exit non-zero."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from portal.xlsx import ImportRejected


def read_upload_path(path: str) -> bytes:
    """The bytes of a file named on the command line, with the upload checks of the screen."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"No such file: {path}")
    if file.suffix.lower() != ".xlsx":
        raise CommandError(f"Only .xlsx files are accepted: {path}")
    if file.stat().st_size > settings.UPLOAD_MAX_BYTES:
        raise CommandError(f"The file is too large (at most {settings.UPLOAD_MAX_BYTES} bytes): {path}")
    return file.read_bytes()


def rejection_as_command_error(exc: ImportRejected) -> CommandError:
    """One line per error ("row 3, column “Năm”: …"), then a count; exit status 1."""
    lines = [str(error) for error in exc.errors]
    lines.append(f"{len(exc.errors)} error(s): the file was rejected and nothing was saved.")
    return CommandError("\n".join(lines))


def command_user(username: str | None):
    """The user a command acts as: the named active user, or the first administrator.

    Their scope applies to everything the command reads or writes.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("There is no administrator: name a user with --user.")
    return user
