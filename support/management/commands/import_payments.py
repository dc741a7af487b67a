from __future__ import annotations

from portal.importing import ImportCommand
from support.importers import import_payments


class Command(ImportCommand):
    help = ("Import support payments from an .xlsx sheet (Số CCCD, Chính sách, Khoản hỗ trợ, Số tiền, Ngày, "
            "Số quyết định). All-or-nothing; importing the same file twice changes nothing.")
    result_label = "Payments"

    def run_import(self, data, user, options):
        return import_payments(data, user=user)
