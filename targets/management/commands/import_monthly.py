from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.importing import read_upload_path, rejection_as_command_error
from portal.xlsx import ImportRejected
from targets.importers import import_monthly
from targets.management.commands._common import acting_user, add_common_arguments


class Command(BaseCommand):
    help = "Import and submit monthly figures (columns Mã đơn vị, Tháng, one per indicator). All or nothing."

    def add_arguments(self, parser):
        add_common_arguments(parser)

    def handle(self, *args, **options):
        user = acting_user(options["user"])
        data = read_upload_path(options["file"])
        try:
            result = import_monthly(data, user=user, structure=options["structure"])
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from exc
        self.stdout.write(f"Imported {options['file']}: {result}")
