from __future__ import annotations

from portal.importing import ImportCommand
from training.importers import import_enrolments


class Command(ImportCommand):
    help = ("Import enrolments, results and certificates from an .xlsx sheet (Mã lớp, Số CCCD, Ngày ghi danh, "
            "Kết quả, Chuyên cần (%), Số chứng chỉ, Ngày cấp chứng chỉ, Trình độ, Điểm). All-or-nothing; importing "
            "the same file twice changes nothing.")
    result_label = "Enrolments"

    def run_import(self, data, user, options):
        return import_enrolments(data, user=user)
