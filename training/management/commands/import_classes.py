from __future__ import annotations

from portal.importing import ImportCommand
from training.importers import import_classes


class Command(ImportCommand):
    help = ("Import training classes from an .xlsx sheet (Mã lớp, Tên lớp, Loại lớp, Mã đơn vị, Đơn vị tổ chức, "
            "Ngày khai giảng, Ngày kết thúc, Sĩ số tối đa…). All-or-nothing; importing the same file twice changes "
            "nothing.")
    result_label = "Classes"

    def run_import(self, data, user, options):
        return import_classes(data, user=user)
