from __future__ import annotations

from complaints.importers import import_cases
from portal.importing import ImportCommand


class Command(ImportCommand):
    help = ("Import a province's list of complaint cases from an .xlsx sheet (Số hồ sơ, Mã đơn vị thụ lý, Ngày tiếp "
            "nhận, Người khiếu nại là, Đối tượng bị khiếu nại là, Loại vụ việc, Nội dung; the step dates take each "
            "case through its workflow). All-or-nothing; idempotent by case number.")
    result_label = "Cases"

    def run_import(self, data, user, options):
        return import_cases(data, user=user)
