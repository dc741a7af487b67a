"""The audit log reads in Vietnamese: field labels, choice labels, yes/no, local time, names instead of ids, and the
filter by unit."""
from __future__ import annotations

from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from portal.audit_views import ValueReader, change_rows
from targets import services
from targets.models import MonthlyReport


def rows_of(entry) -> dict[str, tuple]:
    reader = ValueReader()
    reader.prefetch([entry])
    return {label: (before, after) for label, before, after in change_rows(entry, reader)}


class AuditReadableTests:
    def test_choices_yes_no_dates_and_keys_read_as_words(self, users, units, make_worker, reference_data):
        worker = make_worker(sex="female", phone="0912345678")
        rows = rows_of(LogEntry.objects.get_for_object(worker).get())
        assert rows["Giới tính"] == ("—", "Nữ")
        assert rows["Ngày sinh"] == ("—", "12/04/1995")
        assert rows["Đơn vị cư trú"][1] == units.commune_a.name  # the home commune's name, not its id
        assert rows["Ngày tạo"][1] == timezone.localtime(worker.created_at).strftime("%d/%m/%Y %H:%M:%S")  # not UTC
        assert "Dân tộc" not in rows  # empty on creation: no row
        assert not any("None" in f"{before}{after}" for before, after in rows.values())
        assert not any(".None" in label or "Payment" in label for label in rows)  # reverse relations left out

    def test_a_status_change_reads_draft_to_submitted_in_local_time(self, users, units, client_for):
        month = services.today().replace(day=1)
        report = services.figures_save(user=users.official_a, unit=units.a, month=month, values={"departed": 2},
                                       version=None)
        services.figures_submit(user=users.official_a, report=report, version=report.version)
        entry = LogEntry.objects.get_for_object(MonthlyReport.objects.get()).order_by("-pk").first()
        rows = rows_of(entry)
        assert rows["Trạng thái"] == ("Bản nháp", "Đã gửi")
        submitted_at = MonthlyReport.objects.get().submitted_at
        assert rows["Thời điểm gửi"] == ("—", timezone.localtime(submitted_at).strftime("%d/%m/%Y %H:%M:%S"))
        page = client_for(users.admin).get(reverse("audit_list")).content.decode()
        assert "Bản nháp" in page and "Đã gửi" in page

    def test_the_log_filters_by_unit_and_below(self, users, units, client_for):
        month = services.today().replace(day=1)
        for official, unit in ((users.official_a, units.a), (users.official_b, units.b)):
            services.figures_save(user=official, unit=unit, month=month, values={"departed": 1}, version=None)
        client = client_for(users.admin)
        response = client.get(reverse("audit_list"), {"unit": units.a.code})
        reprs = {row["entry"].object_repr for row in response.context["rows"]}
        assert reprs and all("Ninh Sơn" in text for text in reprs if month.strftime("%m/%Y") in text)
        assert not any("Bác Ái" in text for text in reprs)
        bad = client.get(reverse("audit_list"), {"unit": "99999"})
        assert "unit" in bad.context["form"].errors
