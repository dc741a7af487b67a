from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.xlsx import ImportRejected
from targets import services
from targets.importers import import_monthly
from targets.models import MonthlyReport, MonthlyValue, ReportStatus
from tests.conftest import post_and_confirm
from tests.targets.conftest import upload, xlsx

HEADER = ["Mã đơn vị", "Tháng", "departed", "Trong đó: lao động nữ", "Số lao động đang đào tạo, bồi dưỡng chờ xuất cảnh"]


@pytest.fixture(autouse=True)
def early_february(clock):
    clock(dt.date(2026, 2, 3))


def all_values():
    return sorted(MonthlyValue.objects.values_list("report__unit__code", "report__month", "indicator__code", "value"))


class MonthlyImportTests:
    def test_figures_are_saved_and_submitted_with_codes_or_vietnamese_names_as_headers(self, users, clock):
        data = xlsx([HEADER, ["585", "02/2026", 4, 2, 10], [585, dt.datetime(2026, 1, 1), 3, 1, None]])
        result = import_monthly(data, user=users.official_a)
        assert (result.submitted, result.unchanged) == (2, 0)
        assert all_values() == [
            ("585", dt.date(2026, 1, 1), "departed", 3), ("585", dt.date(2026, 1, 1), "departed_female", 1),
            ("585", dt.date(2026, 2, 1), "departed", 4), ("585", dt.date(2026, 2, 1), "departed_female", 2),
            ("585", dt.date(2026, 2, 1), "waiting", 10),
        ]
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.SUBMITTED}

    def test_importing_the_same_file_twice_leaves_the_same_data(self, users, clock):
        data = xlsx([HEADER, ["585", "01/2026", 4, 2, 10], ["584", "01/2026", 1, 0, 3]])
        import_monthly(data, user=users.province)
        before = (all_values(), list(MonthlyReport.objects.values_list("unit__code", "status", "version")))
        result = import_monthly(data, user=users.province)
        assert (result.submitted, result.unchanged) == (0, 2)
        assert (all_values(), list(MonthlyReport.objects.values_list("unit__code", "status", "version"))) == before

    def test_approved_months_are_refused(self, users, units, clock):
        report = services.figures_save(user=users.official_a, unit=units.a, month=dt.date(2026, 2, 1),
                                       values={"departed": 1}, version=None)
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        services.figures_approve(user=users.province, report=report, version=report.version)
        with pytest.raises(ImportRejected) as exc:
            import_monthly(xlsx([HEADER, ["585", "02/2026", 9, 0, 0]]), user=users.province)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Tháng")]
        assert all_values() == [("585", dt.date(2026, 2, 1), "departed", 1)]

    def test_months_past_their_deadline_are_refused_unless_reopened(self, users, units, clock):
        clock(dt.date(2026, 3, 10))  # February's deadline was 05/03/2026
        data = xlsx([HEADER, ["585", "02/2026", 2, 1, 0], ["585", "03/2026", 2, 1, 0]])
        with pytest.raises(ImportRejected) as exc:
            import_monthly(data, user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Tháng")]
        assert not MonthlyValue.objects.exists()
        services.figures_reopen(user=users.province, unit=units.a, month=dt.date(2026, 2, 1))
        assert import_monthly(data, user=users.official_a).submitted == 2


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (["999", "02/2026", 1, 0, 0], "Mã đơn vị"),  # unknown unit
        (["584", "02/2026", 1, 0, 0], "Mã đơn vị"),  # outside the official's scope
        (["585", "02/2026", -1, 0, 0], "departed"),  # negative
        (["585", "02/2026", 1.5, 0, 0], "departed"),  # not whole
        (["585", "13/2026", 1, 0, 0], "Tháng"),  # bad month
        (["585", "2026-02", 1, 0, 0], "Tháng"),  # not mm/yyyy
        (["585", "03/2026", 1, 0, 0], "Tháng"),  # a future month
        (["585", "01/2026", 1, 0, 0], "Mã đơn vị"),  # duplicate of row 2
    ],
    ids=["unknown-unit", "out-of-scope", "negative", "fraction", "month-13", "iso-month", "future", "duplicate"],
)
class MonthlyImportErrorTests:
    def test_a_bad_row_rejects_the_whole_file_with_its_row_and_column(self, users, clock, bad_row, column):
        data = xlsx([HEADER, ["585", "01/2026", 1, 0, 0], bad_row])
        with pytest.raises(ImportRejected) as exc:
            import_monthly(data, user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(3, column)]
        assert not MonthlyReport.objects.exists()


class MonthlyImportFileErrorTests:
    def test_an_unknown_column_and_a_missing_column_are_named(self, users, clock):
        with pytest.raises(ImportRejected) as exc:
            import_monthly(xlsx([["Mã đơn vị", "Tháng", "departed", "Số tiền"], ["585", "01/2026", 1, 2]]), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(1, "Số tiền")]
        with pytest.raises(ImportRejected) as exc:
            import_monthly(xlsx([["Mã đơn vị", "departed"], ["585", 1]]), user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [(1, "Tháng")]
        assert not MonthlyReport.objects.exists()

    def test_every_error_is_listed(self, users, clock):
        data = xlsx([HEADER, ["585", "01/2026", -1, "x", 0], ["999", "00/2026", 1, 0, 0]])
        with pytest.raises(ImportRejected) as exc:
            import_monthly(data, user=users.official_a)
        assert [(e.row, e.column) for e in exc.value.errors] == [
            (2, "Trong đó: lao động nữ"), (2, "departed"), (3, "Mã đơn vị"), (3, "Tháng")]

    def test_the_upload_screen_imports_and_lists_errors(self, users, clock, client_for):
        client = client_for(users.official_a)
        bad = client.post(reverse("targets:monthly_import"), {"file": upload(xlsx([HEADER, ["584", "01/2026", 1, 0, 0]]))})
        assert [(e.row, e.column) for e in bad.context["import_errors"]] == [(2, "Mã đơn vị")]
        good = post_and_confirm(client, reverse("targets:monthly_import"),
                                {"file": upload(xlsx([HEADER, ["585", "01/2026", 1, 0, 0]]))})
        assert good.context["result"].submitted == 1
        assert MonthlyReport.objects.get().status == ReportStatus.SUBMITTED

    def test_a_viewer_cannot_upload(self, users, clock, client_for):
        response = client_for(users.viewer).post(
            reverse("targets:monthly_import"), {"file": upload(xlsx([HEADER, ["585", "01/2026", 1, 0, 0]]))})
        assert response.status_code == 403
        assert not MonthlyReport.objects.exists()


class ImportMonthlyCommandTests:
    def test_the_command_imports_and_a_bad_file_exits_non_zero(self, users, clock, tmp_path, capsys):
        good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
        good.write_bytes(xlsx([HEADER, ["585", "01/2026", 1, 0, 0]]))
        bad.write_bytes(xlsx([HEADER, ["585", "02/2026", -1, 0, 0]]))
        call_command("import_monthly", str(good), "--user", users.official_a.username)
        assert "submitted 1" in capsys.readouterr().out
        with pytest.raises(CommandError) as exc:
            call_command("import_monthly", str(bad), "--user", users.official_a.username)
        assert str(exc.value).splitlines()[0].startswith("dòng 2, cột “departed”")
        assert MonthlyReport.objects.count() == 1

    def test_the_template_downloads_with_the_indicator_headers(self, users, clock, client_for):
        import io

        from openpyxl import load_workbook

        response = client_for(users.official_a).get(reverse("targets:monthly_template"))
        rows = list(load_workbook(io.BytesIO(response.content)).active.values)
        assert rows[0][:3] == ("Mã đơn vị", "Đơn vị", "Tháng") and "Số lao động đã xuất cảnh" in rows[0]
        assert rows[1][0] == "585" and rows[1][2] == "02/2026"
        assert client_for(users.viewer).get(reverse("targets:monthly_template")).status_code == 403
