from __future__ import annotations

from portal.importing import ImportCommand, add_structure_argument
from targets.importers import import_quotas


class Command(ImportCommand):
    help = "Import quotas (columns Mã đơn vị, Năm, Chỉ tiêu; optional Đơn vị, Phấn đấu (%)). All or nothing."

    def add_import_arguments(self, parser):
        add_structure_argument(parser, date_rule="1 January of the row's year")

    def run_import(self, data, user, options):
        return import_quotas(data, user=user, structure=options["structure"])

    def format_result(self, result) -> str:
        lines = [str(result)]
        for parent, year, total, target in result.summaries:
            target_text = "not set" if target is None else target
            lines.append(f"  {parent.code} {parent.name} {year}: units below sum to {total}, target {target_text}")
        return "\n".join(lines)
