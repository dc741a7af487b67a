from __future__ import annotations

from portal.importing import ImportCommand
from support.importers import import_loans


class Command(ImportCommand):
    help = ("Import VBSP loans from an .xlsx sheet (Số CCCD, Số tiền, Ngày giải ngân, Thời hạn (tháng), "
            "Trạng thái). All-or-nothing; importing the same file twice changes nothing.")
    result_label = "Loans"

    def run_import(self, data, user, options):
        return import_loans(data, user=user)
