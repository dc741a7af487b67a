from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from outreach.importers import import_events
from outreach.models import Activity
from portal.xlsx import ImportRejected
from tests.conftest import post_and_confirm

pytestmark = pytest.mark.django_db
HEADERS = ["Mã đơn vị", "Ngày", "Loại hoạt động", "Tên", "Số doanh nghiệp", "Số người tham dự",
           "Số người được tư vấn", "Chi phí"]


def workbook(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["585", "10/03/2026", "Phiên giao dịch việc làm", "Phiên tháng 3", 20, "1.274", 300, "25.000.000"],
    ["585", dt.datetime(2026, 4, 2), "Hội nghị", "Hội nghị triển khai", None, 80, 0, 5_000_000],
    ["585", "15/05/2026", "counselling", "Tư vấn tại thôn", 0, 60, 60, 0],
]


class EventImportTests:
    def test_a_good_file_records_every_row(self, users):
        result = import_events(workbook(GOOD), user=users.official_a)
        assert (result.created, result.updated) == (3, 0)
        fair = Activity.objects.get(kind="job_fair")
        assert (fair.attendees, fair.enterprises, fair.counselled, fair.cost) == (1_274, 20, 300, 25_000_000)
        assert Activity.objects.get(kind="conference").date == dt.date(2026, 4, 2)

    def test_importing_the_same_file_twice_changes_nothing(self, users):
        import_events(workbook(GOOD), user=users.official_a)
        result = import_events(workbook(GOOD), user=users.official_a)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert Activity.objects.count() == 3

    def test_a_changed_figure_updates_the_same_activity(self, users):
        import_events(workbook(GOOD), user=users.official_a)
        changed = [list(GOOD[0])]
        changed[0][5] = 1_300
        result = import_events(workbook(changed), user=users.official_a)
        assert (result.created, result.updated) == (0, 1)
        assert Activity.objects.get(kind="job_fair").attendees == 1_300

    def test_every_error_is_reported_by_row_and_column_and_nothing_is_saved(self, users):
        rows = [
            GOOD[0],
            ["999", "10/03/2026", "Hội nghị", "A", 0, 0, 0, 0],  # unknown unit
            ["584", "10/03/2026", "Hội nghị", "B", 0, 0, 0, 0],  # Bác Ái: outside Ninh Sơn's scope
            ["585", "03/13/2026", "Hội nghị", "C", 0, 0, 0, 0],  # US-style date
            ["585", "10/03/2026", "Lễ hội", "D", 0, 0, 0, 0],  # unknown type
            ["585", "10/03/2026", "Hội nghị", "E", -1, 2.5, "nhiều", 0],  # negative, not whole, not a number
            ["585", "10/03/2026", "Phiên giao dịch việc làm", "Phiên tháng 3", 20, 1274, 300, 0],  # duplicate of row 2
        ]
        with pytest.raises(ImportRejected) as exc:
            import_events(workbook(rows), user=users.official_a)
        found = {(e.row, e.column) for e in exc.value.errors}
        assert {(3, "Mã đơn vị"), (4, "Mã đơn vị"), (5, "Ngày"), (6, "Loại hoạt động"), (7, "Số doanh nghiệp"),
                (7, "Số người tham dự"), (7, "Số người được tư vấn"), (8, "")} <= found
        assert len(exc.value.errors) == 8
        assert not Activity.objects.exists()

    def test_a_missing_column_is_reported(self, users):
        with pytest.raises(ImportRejected) as exc:
            import_events(workbook([["585", "10/03/2026", "Hội nghị", 0]], headers=HEADERS[:3] + ["Chi phí"]),
                          user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(1, "Tên")]

    def test_media_rows_need_a_channel_and_count_people_as_reach(self, users):
        headers = HEADERS + ["Kênh"]
        rows = [["585", "01/04/2026", "Truyền thông", "Bài Zalo", 0, 3_000, 0, 500_000, "Zalo"]]
        import_events(workbook(rows, headers), user=users.official_a)
        item = Activity.objects.get()
        assert (item.kind, item.channel, item.reach, item.attendees) == ("media", "zalo", 3_000, 0)
        with pytest.raises(ImportRejected) as exc:
            import_events(workbook([["585", "01/04/2026", "Truyền thông", "Bài khác", 0, 1, 0, 0, ""]], headers),
                          user=users.official_a)
        assert exc.value.errors[0].column == "Kênh"


class ImportCommandTests:
    def test_the_command_imports_into_a_campaign(self, users, campaigns, tmp_path):
        path = tmp_path / "events.xlsx"
        path.write_bytes(workbook(GOOD))
        call_command("import_events", str(path), "--user", users.official_a.username,
                     "--campaign", str(campaigns.province.pk))
        assert Activity.objects.filter(campaign=campaigns.province).count() == 3

    def test_the_command_exits_non_zero_with_the_list(self, users, tmp_path):
        path = tmp_path / "events.xlsx"
        path.write_bytes(workbook([GOOD[0], ["584", "10/03/2026", "Hội nghị", "B", 0, 0, 0, 0]]))
        with pytest.raises(CommandError) as exc:
            call_command("import_events", str(path), "--user", users.official_a.username)
        assert "3" in str(exc.value) and "Mã đơn vị" in str(exc.value)
        assert not Activity.objects.exists()

    def test_a_campaign_not_open_to_the_user_is_refused(self, users, campaigns, tmp_path):
        path = tmp_path / "events.xlsx"
        path.write_bytes(workbook(GOOD))
        with pytest.raises(CommandError):
            call_command("import_events", str(path), "--user", users.official_a.username,
                         "--campaign", str(campaigns.b.pk))


class ImportScreenTests:
    def test_the_upload_shows_every_error_and_saves_nothing(self, users, client_for):
        data = workbook([GOOD[0], ["585", "xx", "Hội nghị", "B", 0, 0, 0, 0]])
        upload = io.BytesIO(data)
        upload.name = "events.xlsx"
        response = client_for(users.official_a).post(reverse("outreach:event_import"), {"file": upload})
        assert response.status_code == 200
        assert [(e.row, e.column) for e in response.context["import_errors"]] == [(3, "Ngày")]
        assert 'data-testid="import-errors"' in response.content.decode()
        assert not Activity.objects.exists()

    def test_a_good_upload_redirects_to_the_list(self, users, client_for):
        upload = io.BytesIO(workbook(GOOD))
        upload.name = "events.xlsx"
        response = post_and_confirm(client_for(users.official_a), reverse("outreach:event_import"), {"file": upload})
        assert response.status_code == 302
        assert Activity.objects.count() == 3
