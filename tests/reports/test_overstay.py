"""The suspension rule per district: on a fixed dataset one district reaches both thresholds, one only the number
of workers staying illegally, one only the rate; only the first is at risk. The page, the workbook, the command,
the dashboard's warning, scope, and flat query counts."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from portal.models import Structure, Unit
from reports.aftercare.overstay import overstay_report, overstay_warnings
from reports.dashboard import dashboard_data
from tests.export_helpers import export_response, run_export
from workers import services
from workers.models import OverstayRule
from workers.overstay import Thresholds

AS_OF = dt.date(2026, 6, 30)
WINDOW = (dt.date(2025, 1, 1), dt.date(2026, 6, 30))


def commune(code: str, index: int = 0) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code).children.order_by("code")[index]


class Registry:
    """Departures built through the services: ``eps(district, departed, months)`` and what happens after."""

    def __init__(self, make_worker, users, reference):
        self.make_worker, self.admin, self.reference = make_worker, users.admin, reference

    def eps(self, district: str, departed: dt.date, months: int = 58, *, programme=None):
        worker = self.make_worker(commune(district))
        programme = programme or self.reference.eps
        return services.departure_record(user=self.admin, worker=worker, date=departed, country=programme.country,
                                         programme=programme, contract_months=months)

    def ended(self, district: str, end: dt.date, **kwargs):
        """A contract that ends on ``end`` (12 months)."""
        return self.eps(district, dt.date(end.year - 1, end.month, end.day), 12, **kwargs)

    def abscond(self, departure, learned: dt.date):
        return services.absconding_record(user=self.admin, departure=departure, learned_on=learned, source="family")

    def back(self, departure, day: dt.date):
        return services.return_record(user=self.admin, departure=departure, date=day)


@pytest.fixture
def registry(make_worker, users, reference):
    return Registry(make_worker, users, reference)


@pytest.fixture
def rule(reference) -> OverstayRule:
    return OverstayRule.objects.create(programme=reference.eps, year=2026, min_stayers=3, min_rate=Decimal(40),
                                       window_from=WINDOW[0], window_to=WINDOW[1], as_of=AS_OF)


@pytest.fixture
def dataset(registry, reference, users):
    """Ninh Sơn (585): both thresholds; Bác Ái (584): the number only; Ninh Hải (586): the rate only.

    585: absconded ×2 (open) + contracts ended in the window and not back ×2 → 4 stayers; ended 3 (the third came
    back on time) → 2 of 3 late (66,7 %). Around them what must NOT count: another programme's overstayer, a
    contract extended out of the window, an absconder found, one learned after the day, one who came home.
    584: absconded ×3 → 3 stayers; ended 4, all back on time → 0 %.
    586: ended 2: one back 45 days after the end (late), one on time → 50 %; no stayer.
    """
    r = registry
    for day in (dt.date(2024, 5, 1), dt.date(2025, 8, 1)):
        r.abscond(r.eps("585", dt.date(2023, 1, 10)), day)
    r.eps("585", dt.date(2024, 3, 1), 12)
    r.ended("585", dt.date(2025, 11, 1))
    r.back(r.ended("585", dt.date(2025, 6, 1)), dt.date(2025, 6, 20))
    r.ended("585", dt.date(2025, 3, 1), programme=reference.titp)  # Japan: another programme
    extended = r.ended("585", dt.date(2025, 9, 1))
    services.contract_extend(user=users.admin, departure=extended, new_end=dt.date(2027, 9, 1),
                             approved_on=dt.date(2025, 8, 1))
    found = r.abscond(r.eps("585", dt.date(2023, 2, 1)), dt.date(2024, 1, 1))
    services.absconding_close(user=users.admin, event=found, closed_on=dt.date(2024, 3, 1))
    r.abscond(r.eps("585", dt.date(2023, 2, 2)), dt.date(2026, 7, 15))  # learned after the day
    r.back(r.abscond(r.eps("585", dt.date(2023, 2, 3)), dt.date(2024, 1, 1)).departure, dt.date(2025, 1, 5))
    for _n in range(3):
        r.abscond(r.eps("584", dt.date(2023, 4, 1)), dt.date(2024, 6, 1))
    for month in (2, 4, 6, 8):
        r.back(r.ended("584", dt.date(2025, month, 10)), dt.date(2025, month, 20))
    r.back(r.ended("586", dt.date(2025, 5, 1)), dt.date(2025, 6, 15))
    r.back(r.ended("586", dt.date(2025, 7, 1)), dt.date(2025, 7, 2))


def report_for(unit, rule, as_of=AS_OF):
    return overstay_report(unit=unit, programme=rule.programme, thresholds=Thresholds.of(rule), as_of=as_of, rule=rule)


class OverstayRuleTests:
    def test_only_the_district_reaching_both_thresholds_is_at_risk(self, dataset, rule, units):
        report = report_for(units.province, rule)
        rows = {row.code: row for row in report.rows}
        assert [(r.code, r.stayers, r.ended, r.late, r.risk) for r in report.rows[:3]] == [
            ("585", 4, 3, 2, "at_risk"), ("586", 0, 2, 1, "close"), ("584", 3, 4, 0, "close")]
        assert rows["585"].count_reached and rows["585"].rate_reached
        assert rows["584"].count_reached and not rows["584"].rate_reached
        assert rows["586"].rate_reached and not rows["586"].count_reached and rows["586"].rate == 0.5
        assert [row.code for row in report.at_risk] == ["585"]
        assert {row.code for row in report.close} == {"584", "586"}
        assert all(row.risk == "clear" and row.stayers == row.ended == 0 for row in report.rows[3:])
        assert (report.total.stayers, report.total.ended, report.total.late) == (7, 9, 3)

    def test_strict_thresholds_are_not_reached_at_the_threshold(self, dataset, rule, units):
        rule.min_stayers, rule.stayers_inclusive = 4, False
        rows = {row.code: row for row in report_for(units.province, rule).rows}
        assert not rows["585"].count_reached and rows["585"].risk == "close"

    def test_the_grace_period_is_the_provinces(self, dataset, rule, units):
        from workers.models import AftercareSettings

        AftercareSettings.objects.create(unit=units.province, grace_days=60)
        rows = {row.code: row for row in report_for(units.province, rule).rows}
        assert (rows["586"].late, rows["586"].risk) == (0, "clear")  # 45 days late is within 60

    def test_an_earlier_day_counts_what_was_known_then(self, dataset, rule, units):
        rows = {row.code: row for row in report_for(units.province, rule, as_of=dt.date(2025, 6, 1)).rows}
        # 585 on 01/06/2025: one absconder known (the other learned in August), the contract ended on 01/03/2025
        # overstaying; the window cut at that day holds it and the one ending on 01/06/2025 (not late yet).
        assert (rows["585"].stayers, rows["585"].ended, rows["585"].late) == (2, 2, 1)

    def test_a_districts_report_is_its_own_row(self, dataset, rule, units):
        report = report_for(units.a, rule)
        assert report.total is None and [(r.code, r.stayers, r.risk) for r in report.rows] == [("585", 4, "at_risk")]

    def test_the_query_count_does_not_grow_with_the_data(self, dataset, rule, units, registry,
                                                          django_assert_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            report_for(units.province, rule)
        for code in ("582", "587", "588", "589"):
            registry.abscond(registry.eps(code, dt.date(2023, 5, 1)), dt.date(2024, 2, 1))
            registry.ended(code, dt.date(2025, 10, 1))
        with django_assert_num_queries(len(first.captured_queries)):
            report = report_for(units.province, rule)
        assert report.total.stayers == 7 + 8


class OverstayPageTests:
    def test_the_province_sees_every_district_sorted_by_risk(self, dataset, rule, users, units, client_for,
                                                              django_assert_max_num_queries):
        client = client_for(users.province)
        with django_assert_max_num_queries(16):  # a fixed number: session, scope, form, rule, tree, counts
            response = client.get(reverse("aftercare:overstay"), {"rule": rule.pk, "unit": units.province.pk})
        html = response.content.decode()
        assert response.status_code == 200
        assert html.index('data-testid="overstay-row-585"') < html.index('data-testid="overstay-row-586"')
        assert "66,7%" in html and "Có nguy cơ" in html and "Gần ngưỡng: đạt ngưỡng tỷ lệ" in html

    def test_an_official_sees_their_district_and_another_unit_is_404(self, dataset, rule, users, units, client_for):
        client = client_for(users.official_b)
        html = client.get(reverse("aftercare:overstay")).content.decode()
        assert 'data-testid="overstay-row-584"' in html and 'data-testid="overstay-row-585"' not in html
        assert client.get(reverse("aftercare:overstay"), {"rule": rule.pk, "unit": units.a.pk}).status_code == 404
        assert client.get(reverse("aftercare:overstay_export"), {"unit": units.province.pk}).status_code == 404

    def test_the_workbook_lists_the_units_sorted_by_risk(self, dataset, rule, users, units, client_for):
        response = export_response(client_for(users.province), reverse("aftercare:overstay_export"),
                                   {"rule": rule.pk, "unit": units.province.pk})
        assert re.search(r'nguy-co-tam-dung-KR-EPS-58-\d{8}\.xlsx"$', response["Content-Disposition"])
        sheet = load_workbook(io.BytesIO(response.content_bytes)).active
        rows = [row for row in sheet.iter_rows(values_only=True) if row[0] in ("585", "584", "586", "58")]
        assert [r[0] for r in rows] == ["585", "586", "584", "58"]
        assert rows[0][2:6] == (4, 3, 2, pytest.approx(2 / 3)) and rows[0][8] == "Nguy cơ bị tạm dừng"
        assert rows[3][1] == "Tổng cộng Tỉnh Ninh Thuận"

    def test_the_export_answers_with_its_job_which_holds_the_users_units_only(self, dataset, rule, users, units,
                                                                              client_for):
        from portal.models import ReportJob

        client = client_for(users.official_b)
        response = client.get(reverse("aftercare:overstay_export"), {"rule": rule.pk, "unit": units.b.pk})
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.params["export"], job.unit) == ("overstay", units.b)
        download = export_response(client, reverse("aftercare:overstay_export"), {"rule": rule.pk, "unit": units.b.pk})
        assert re.search(r'nguy-co-tam-dung-KR-EPS-584-\d{8}\.xlsx"$', download["Content-Disposition"])
        codes = [row[0] for row in load_workbook(io.BytesIO(download.content_bytes)).active.iter_rows(
            values_only=True)]
        assert "584" in codes and "585" not in codes and "58" not in codes
        # A job naming the province for Bác Ái's official (scope taken away since, query tampered with): no file.
        job = run_export(users.official_b, units.b, "overstay", {"rule": [str(rule.pk)],
                                                                 "unit": [str(units.province.pk)]})
        assert (job.status, job.file.name) == ("failed", "") and "phạm vi" in job.error

    def test_without_a_rule_the_page_says_so(self, users, client_for, units):
        html = client_for(users.province).get(reverse("aftercare:overstay")).content.decode()
        assert "Chưa nhập ngưỡng tạm dừng tuyển chọn nào" in html


class OverstayCommandTests:
    def run(self, *args) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        with translation.override("en"):
            call_command("overstay_report", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_it_prints_the_units_at_risk_and_writes_the_workbook(self, dataset, rule, users, units, tmp_path):
        target = tmp_path / "nguy-co.xlsx"
        out, err = self.run("--programme", "KR-EPS", "--as-of", "30/06/2026", "--unit", "58", "--out", str(target))
        assert out.splitlines() == ["585\t4\t66,7%\tHuyện Ninh Sơn"]
        assert "1 unit(s) at risk, 2 close" in err
        assert load_workbook(target).active.title == "Nguy cơ tạm dừng"

    def test_the_rule_can_be_given_on_the_command_line(self, dataset, users, units):
        out, _err = self.run("--programme", "KR-EPS", "--as-of", "30/06/2026", "--unit", "58", "--min-stayers", "3",
                             "--min-rate", "50", "--window-from", "01/01/2025")
        assert out.splitlines() == ["585\t4\t66,7%\tHuyện Ninh Sơn"]
        out, _err = self.run("--programme", "KR-EPS", "--as-of", "30/06/2026", "--unit", "58", "--min-stayers", "3",
                             "--min-rate", "66,7", "--window-from", "01/01/2025")
        assert out == ""

    @pytest.mark.parametrize("args, message", [
        (["--as-of", "06/31/2026"], "dd/mm/yyyy"),
        (["--as-of", "30/06/2026", "--min-stayers", "3"], "together"),
        (["--as-of", "30/06/2026", "--min-stayers", "3", "--min-rate", "101", "--window-from", "01/01/2025"],
         "between 0 and 100"),
        (["--as-of", "30/06/2026", "--unit", "584", "--user", "t_ninhson"], "outside the scope"),
        (["--as-of", "30/06/2019"], "No rule"),
    ])
    def test_bad_input_is_a_clear_message(self, dataset, rule, users, units, args, message):
        with pytest.raises(CommandError, match=message):
            self.run("--programme", "KR-EPS", *args)


class DashboardWarningTests:
    def test_the_provinces_dashboard_warns_and_a_districts_does_not(self, dataset, rule, users, units, client_for):
        from django.utils import timezone

        rule.year = timezone.localdate().year  # the home page reads today's rules
        rule.save()
        today = dt.date(rule.year, 11, 30)
        warnings = overstay_warnings(units.province, today=today)
        assert [[row.code for row in report.at_risk] for report in warnings] == [["585"]]
        assert dashboard_data(users.official_a, today=today)["overstay"] == []
        html = client_for(users.province).get(reverse("home")).content.decode()
        assert 'data-testid="overstay-warning"' in html and "Huyện Ninh Sơn (4 lao động cư trú bất hợp pháp, 66,7% không về nước đúng hạn)" in html

    def test_a_rule_of_long_ago_does_not_warn(self, dataset, rule, units):
        rule.year = 2020
        rule.save()
        assert overstay_warnings(units.province, today=dt.date(2026, 11, 30)) == []
