from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.importing import command_user, read_upload_path, rejection_as_command_error
from portal.models import Structure
from portal.scoping import can_write
from portal.xlsx import ImportRejected
from workers.importers import import_workers


class Command(BaseCommand):
    help = ("Import workers from an .xlsx sheet (headers: see README, “Worker import sheet”). "
            "All-or-nothing; importing the same file twice changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
        parser.add_argument("--structure", choices=[Structure.LEGACY.value, Structure.NEW.value],
                            help="the structure of the unit codes (default: a code found in both is read in the "
                                 "structure in force on the row's departure date, else today)")
        parser.add_argument("--accept-duplicates", action="store_true",
                            help="save likely duplicates (same name, date of birth and unit, another citizen ID)")

    def handle(self, *args, **options):
        user = command_user(options["user"])
        if not can_write(user):
            raise CommandError(f"The user {user.username} may not change data.")
        data = read_upload_path(options["file"])
        try:
            result = import_workers(data, user=user, accept_duplicates=options["accept_duplicates"],
                                    structure=options["structure"])
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from None
        self.stdout.write(f"Workers: {result}")
