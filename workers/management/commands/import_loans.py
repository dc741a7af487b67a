from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from portal.importing import command_user, read_upload_path, rejection_as_command_error
from portal.scoping import can_write
from portal.xlsx import ImportRejected
from workers.support_importers import import_loans


class Command(BaseCommand):
    help = ("Import VBSP loans from an .xlsx sheet (Số CCCD, Số tiền, Ngày giải ngân, Thời hạn (tháng), "
            "Trạng thái). All-or-nothing; importing the same file twice changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")

    def handle(self, *args, **options):
        user = command_user(options["user"])
        if not can_write(user):
            raise CommandError(f"The user {user.username} may not change data.")
        data = read_upload_path(options["file"])
        try:
            result = import_loans(data, user=user)
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from None
        self.stdout.write(f"Loans: {result}")
