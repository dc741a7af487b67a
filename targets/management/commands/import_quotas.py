from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.importing import read_upload_path, rejection_as_command_error
from portal.xlsx import ImportRejected
from targets.importers import import_quotas
from targets.management.commands._common import acting_user, add_common_arguments


class Command(BaseCommand):
    help = "Import quotas (columns Mã đơn vị, Năm, Chỉ tiêu; optional Đơn vị, Phấn đấu (%)). All or nothing."

    def add_arguments(self, parser):
        add_common_arguments(parser)

    def handle(self, *args, **options):
        user = acting_user(options["user"])
        data = read_upload_path(options["file"])
        try:
            result = import_quotas(data, user=user, structure=options["structure"])
        except ImportRejected as exc:
            raise rejection_as_command_error(exc) from exc
        self.stdout.write(f"Imported {options['file']}: {result}")
        for parent, year, total, target in result.summaries:
            target_text = "not set" if target is None else target
            self.stdout.write(f"  {parent.code} {parent.name} {year}: units below sum to {total}, target {target_text}")
