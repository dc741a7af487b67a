"""What every import command shares: read the file whole, print every error, exit non-zero; ``--dry-run``
prints what the file would do and saves nothing (``portal.uploads.dry_run``)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

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


def add_structure_argument(parser, *, date_rule: str) -> None:
    """``--structure legacy|2025``; without it a code found in both is read by ``date_rule``."""
    from portal.models import Structure

    parser.add_argument(
        "--structure", choices=Structure.values,
        help=f"the structure of the unit codes (default: a code found in both is read in the structure in force "
             f"on {date_rule})",
    )


class ImportCommand(BaseCommand):
    """An ``import_*`` command: FILE and ``--user``; the file is read with the screen's
    upload checks and every rejection is printed by row and column (exit status 1).

    Subclasses add their own options in ``add_import_arguments`` and implement
    ``run_import(data, user, options)``, returning the result to print.
    """

    result_label = "Imported"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and print “N to create, M to update, K unchanged, E errors”; save "
                                 "nothing (exit status 0 when the file is valid, 1 otherwise)")
        self.add_import_arguments(parser)

    def add_import_arguments(self, parser) -> None:
        """Options of one command beyond FILE and --user."""

    def run_import(self, data: bytes, user, options: dict):
        raise NotImplementedError

    def user_may_import(self, user) -> bool:
        """Whether ``user`` may run this import (default: whoever may change data)."""
        from portal.scoping import can_write

        return can_write(user)

    def handle(self, *args, **options) -> None:
        user = command_user(options["user"])
        if not self.user_may_import(user):
            raise CommandError(f"The user {user.username} may not change data.")
        data = read_upload_path(options["file"])
        if options.get("dry_run"):
            from portal.uploads import dry_run, summary_line

            counts, errors = dry_run(lambda: self.run_import(data, user, options))
            for error in errors:
                self.stderr.write(str(error))
            self.stdout.write(summary_line(counts, len(errors)))
            if errors:
                raise SystemExit(1)
            return
        try:
            result = self.run_import(data, user, options)
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from None
        self.stdout.write(f"{self.result_label}: {self.format_result(result)}")

    def format_result(self, result) -> str:
        """The line printed after a saved import (default: the result's ``str``)."""
        return str(result)
