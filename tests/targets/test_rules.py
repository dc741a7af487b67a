"""Validation rules (parsed, on save, submit and import, the report) and outlier flags (MAD and ranges)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.xlsx import ImportRejected
from targets import rules, selectors, services
from targets.importers import import_monthly
from targets.models import Indicator, IndicatorRange, MonthlyReport, ReportStatus, Severity, ValidationRule
from tests.targets.conftest import xlsx

MONTH = dt.date(2026, 2, 1)


@pytest.fixture(autouse=True)
def early_march(clock, reference_data):
    clock(dt.date(2026, 3, 3))


def save(user, unit, month, values, *, submit=False, comment=""):
    report = MonthlyReport.objects.filter(unit=unit, month=month).first()
    report = services.figures_save(user=user, unit=unit, month=month, values=values,
                                   version=report.version if report else None)
    if submit:
        report = services.figures_submit(user=user, report=report, version=report.version, comment=comment)
    return report


def history(users, units, values_by_month: list[int], *, unit=None, code="departed"):
    """Approved months of ``unit`` before ``MONTH`` with these values of ``code``, oldest first."""
    unit = unit or units.a
    month = MONTH
    months = []
    for _ in values_by_month:
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    for month, value in zip(reversed(months), values_by_month, strict=True):
        report = save(users.province, unit, month, {code: value}, submit=True, comment="lịch sử")
        services.figures_approve(user=users.province, report=report, version=report.version)


class ParserTests:
    def test_it_reads_names_numbers_and_the_three_operators_with_precedence(self):
        expression = rules.parse_expression("departed - 2 * (departed_female + 1)")
        assert expression.names == {"departed", "departed_female"}
        assert expression.evaluate({"departed": 10, "departed_female": 3}) == 2
        assert expression.evaluate({}) == -2  # blank counts as 0

    @pytest.mark.parametrize("text", ["", "departed +", "(departed", "departed ) ", "departed / 2", "2 3",
                                      "__import__('os')", "departed; drop"])
    def test_it_refuses_what_it_cannot_read(self, text):
        with pytest.raises(rules.RuleSyntaxError):
            rules.parse_expression(text)

    def test_a_rule_naming_an_unknown_indicator_or_with_a_syntax_error_is_refused_on_save(self, users):
        with pytest.raises(ValidationError) as exc:
            services.rule_save(user=users.admin, left="women", operator="<=", right="departed +", message="x",
                               severity=Severity.ERROR)
        assert exc.value.message_dict == {"left": ["Chỉ số không xác định: women."],
                                          "right": ["Biểu thức kết thúc quá sớm."]}
        assert ValidationRule.objects.count() == 3  # the seeded ones only

    def test_only_an_administrator_changes_rules(self, users):
        with pytest.raises(ValidationError):
            services.rule_save(user=users.province, left="departed", operator="<=", right="registered",
                               message="x", severity=Severity.WARNING)


class RuleTests:
    def test_the_three_seeded_rules_are_errors(self):
        assert sorted(ValidationRule.objects.values_list("left", "operator", "right", "severity")) == [
            ("departed_ethnic_minority", "<=", "departed", "error"),
            ("departed_female", "<=", "departed", "error"),
            ("departed_poor", "<=", "departed", "error"),
        ]

    def test_an_error_rule_lets_a_draft_be_saved_but_not_submitted(self, users, units, client_for):
        values = {"departed": 3, "departed_female": 7, "departed_poor": 9, "departed_ethnic_minority": 8}
        report = save(users.official_a, units.a, MONTH, values)
        with pytest.raises(ValidationError) as exc:
            services.figures_submit(user=users.official_a, report=report, version=report.version, comment="x")
        assert len(exc.value.messages) == 3
        assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
        page = client_for(users.official_a).get(reverse("targets:figures", args=[units.a.pk, 2026, 2]))
        assert page.content.decode().count("không được lớn hơn tổng số lao động đã xuất cảnh") == 3

    def test_the_screen_refuses_the_submission_and_keeps_nothing_half_saved(self, users, units, client_for):
        url = reverse("targets:figures", args=[units.a.pk, 2026, 2])
        page = client_for(users.official_a).post(url, {"departed": "3", "departed_female": "7", "action": "submit"})
        assert page.status_code == 200
        assert not MonthlyReport.objects.filter(unit=units.a, month=MONTH).exists()

    def test_a_warning_rule_needs_a_comment_that_the_approver_reads(self, users, units):
        services.rule_save(user=users.admin, left="counselled", operator=">=", right="departed",
                           message="Số được tư vấn thường không ít hơn số xuất cảnh.", severity=Severity.WARNING)
        report = save(users.official_a, units.a, MONTH, {"departed": 5, "counselled": 2})
        with pytest.raises(ValidationError) as exc:
            services.figures_submit(user=users.official_a, report=report, version=report.version)
        assert "comment" in exc.value.message_dict
        report = services.figures_submit(user=users.official_a, report=report, version=report.version,
                                         comment="Tư vấn theo nhóm, ghi một lượt")
        assert report.status == ReportStatus.SUBMITTED
        assert report.events.get(action="submitted").comment == "Tư vấn theo nhóm, ghi một lượt"

    def test_an_inactive_or_deleted_rule_no_longer_applies(self, users, units):
        ValidationRule.objects.update(active=False)
        report = save(users.official_a, units.a, MONTH, {"departed": 1, "departed_female": 2}, submit=True)
        assert report.status == ReportStatus.SUBMITTED

    def test_every_import_row_is_checked_and_listed_by_row_and_column(self, users):
        header = ["Mã đơn vị", "Tháng", "departed", "Trong đó: lao động nữ", "departed_poor"]
        with pytest.raises(ImportRejected) as exc:
            import_monthly(xlsx([header, ["585", "02/2026", 3, 7, 1], ["584", "02/2026", 3, 1, 9]]),
                           user=users.province)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "Trong đó: lao động nữ"), (3, "departed_poor")]
        assert not MonthlyReport.objects.exists()

    def test_an_import_row_with_a_warning_passes_with_a_note(self, users):
        services.rule_save(user=users.admin, left="counselled", operator=">=", right="departed",
                           message="Số được tư vấn thường không ít hơn số xuất cảnh.", severity=Severity.WARNING)
        header = ["Mã đơn vị", "Tháng", "departed", "counselled", "Ghi chú"]
        with pytest.raises(ImportRejected) as exc:
            import_monthly(xlsx([header, ["585", "02/2026", 3, 1, None]]), user=users.province)
        assert [(e.row, e.column) for e in exc.value.errors] == [(2, "counselled")]
        result = import_monthly(xlsx([header, ["585", "02/2026", 3, 1, "Tư vấn theo nhóm"]]), user=users.province)
        assert result.submitted == 1
        assert MonthlyReport.objects.get().events.get(action="imported").comment == "Tư vấn theo nhóm"

    def test_the_province_report_counts_violations_this_year_by_unit(self, users, units, client_for):
        save(users.official_a, units.a, MONTH, {"departed": 3, "departed_female": 7, "departed_poor": 9})
        save(users.province, units.a, dt.date(2026, 1, 1), {"departed": 1, "departed_female": 2})
        save(users.official_b, units.b, MONTH, {"departed": 3, "departed_female": 1})
        save(users.province, units.b, dt.date(2025, 12, 1), {"departed": 0, "departed_female": 2})
        rows = selectors.rule_violations_by_unit(user=users.province, year=2026)
        assert [(r.unit.code, r.count, [m for m, _f, _r in r.months]) for r in rows] == [
            ("585", 3, [dt.date(2026, 1, 1), MONTH])]
        assert selectors.rule_violations_by_unit(user=users.official_b, year=2026) == []
        page = client_for(users.province).get(reverse("targets:rule_violations") + "?year=2026")
        assert page.status_code == 200 and "Ninh Sơn" in page.content.decode()
        assert client_for(users.official_a).get(reverse("targets:rule_violations")).status_code == 403


class RuleScreenTests:
    def test_an_administrator_creates_edits_and_deletes_a_rule_with_a_confirmation(self, users, client_for):
        client = client_for(users.admin)
        page = client.post(reverse("targets:rule_create"), {
            "left": "departed_female", "operator": "<=", "right": "departd", "message": "Sai", "severity": "error",
            "active": "on"})
        assert page.status_code == 200 and "departd" in page.content.decode()
        assert ValidationRule.objects.count() == 3
        client.post(reverse("targets:rule_create"), {
            "left": "returned", "operator": "<=", "right": "departed + waiting", "message": "Kiểm tra số về nước",
            "severity": "warning", "active": "on"})
        rule = ValidationRule.objects.get(left="returned")
        assert (rule.right, rule.severity) == ("departed + waiting", "warning")
        client.post(reverse("targets:rule_edit", args=[rule.pk]), {
            "left": "returned", "operator": "<", "right": "departed", "message": "Mới", "severity": "error"})
        rule.refresh_from_db()
        assert (rule.operator, rule.message, rule.active) == ("<", "Mới", False)
        confirm = client.get(reverse("targets:rule_delete", args=[rule.pk]))
        assert confirm.status_code == 200 and ValidationRule.objects.filter(pk=rule.pk).exists()
        client.post(reverse("targets:rule_delete", args=[rule.pk]))
        assert not ValidationRule.objects.filter(pk=rule.pk).exists()

    def test_provincial_staff_read_the_rules_but_do_not_edit_them(self, users, client_for):
        client = client_for(users.province)
        assert client.get(reverse("targets:rule_list")).status_code == 200
        rule = ValidationRule.objects.first()
        assert client.post(reverse("targets:rule_delete", args=[rule.pk])).status_code in (403, 404)
        assert ValidationRule.objects.filter(pk=rule.pk).exists()


class OutlierTests:
    def test_the_statistic_on_a_known_series(self):
        series = [10, 12, 9, 11, 10, 30, 10, 8]  # median 10, |deviations| 0 2 1 1 0 20 0 2 → MAD 1
        bounds = rules.mad_bounds(series)
        assert (bounds.low, bounds.high) == (7, 13)
        assert rules.mad_bounds([10, 12, 9, 11, 10]) is None  # five months: too little history
        assert (rules.mad_bounds([5] * 8).low, rules.mad_bounds([5] * 8).high) == (2, 8)  # MAD 0 counts as 1

    def test_a_value_far_from_the_units_history_is_flagged_and_needs_a_comment(self, users, units, client_for):
        history(users, units, [10, 12, 9, 11, 10, 30, 10, 8])
        report = save(users.official_a, units.a, MONTH, {"departed": 100})
        page = client_for(users.official_a).get(reverse("targets:figures", args=[units.a.pk, 2026, 2])).content.decode()
        assert 'data-testid="outlier-flag"' in page and "7–13" in page
        with pytest.raises(ValidationError):
            services.figures_submit(user=users.official_a, report=report, version=report.version)
        services.figures_submit(user=users.official_a, report=report, version=report.version, comment="Đơn hàng lớn")
        reviewer = client_for(users.province).get(reverse("targets:figures", args=[units.a.pk, 2026, 2])).content.decode()
        assert 'data-testid="outlier-flag"' in reviewer and "Đơn hàng lớn" in reviewer
        queue = client_for(users.province).get(reverse("targets:queue")).content.decode()
        assert "7–13" in queue

    def test_the_screen_asks_the_comment_and_submits_with_it(self, users, units, client_for):
        history(users, units, [10, 12, 9, 11, 10, 30, 10, 8])
        client, url = client_for(users.official_a), reverse("targets:figures", args=[units.a.pk, 2026, 2])
        page = client.post(url, {"departed": "100", "action": "submit"})
        assert page.status_code == 200 and 'name="comment"' in page.content.decode()
        assert page.context["form"].errors["comment"]
        assert not MonthlyReport.objects.filter(unit=units.a, month=MONTH).exists()  # nothing half-saved
        page = client.post(url, {"departed": "100", "action": "submit", "comment": "Đơn hàng lớn của Nhật"})
        assert page.status_code == 302
        report = MonthlyReport.objects.get(unit=units.a, month=MONTH)
        assert (report.status, report.events.get(action="submitted").comment) == ("submitted", "Đơn hàng lớn của Nhật")

    def test_a_unit_with_little_history_is_not_flagged(self, users, units):
        history(users, units, [10, 12, 9, 11, 10])
        report = save(users.official_a, units.a, MONTH, {"departed": 100}, submit=True)
        assert report.status == ReportStatus.SUBMITTED

    def test_the_provinces_range_takes_the_place_of_the_history(self, users, units):
        departed = Indicator.objects.get(code="departed")
        services.range_set(user=users.province, unit=units.province, indicator=departed, minimum=0, maximum=50)
        assert [f.code for f in rules.outlier_flags(units.a, MONTH, {"departed": 60, "registered": 1})] == ["departed"]
        assert rules.outlier_flags(units.a, MONTH, {"departed": 50}) == []
        services.range_set(user=users.province, unit=units.a, indicator=departed, minimum=0, maximum=80)
        assert rules.outlier_flags(units.a, MONTH, {"departed": 60}) == []  # the nearest range wins

    def test_a_range_with_min_above_max_is_refused(self, users, units, client_for):
        departed = Indicator.objects.get(code="departed")
        with pytest.raises(ValidationError):
            services.range_set(user=users.province, unit=units.a, indicator=departed, minimum=9, maximum=3)
        page = client_for(users.province).post(reverse("targets:range_list"), {
            "unit": units.a.pk, "indicator": departed.pk, "minimum": "9", "maximum": "3"})
        assert page.status_code == 200 and not IndicatorRange.objects.exists()

    def test_another_units_range_is_404(self, users, units, client_for, django_user_model):
        from portal.models import Role, Scope

        departed = Indicator.objects.get(code="departed")
        item = services.range_set(user=users.province, unit=units.b, indicator=departed, minimum=0, maximum=9)
        other = django_user_model.objects.create_user("t_tinh_khac", password="x")
        Scope.objects.create(user=other, role=Role.PROVINCE, unit=units.a)  # staff of another subtree
        client = client_for(other)
        assert client.get(reverse("targets:range_delete", args=[item.pk])).status_code == 404
        assert client.post(reverse("targets:range_delete", args=[item.pk])).status_code == 404
        assert IndicatorRange.objects.filter(pk=item.pk).exists()
        assert client.get(reverse("targets:figures", args=[units.b.pk, 2026, 2])).status_code == 404


class RulesDemoTests:
    def test_the_demo_shows_a_broken_rule_a_warning_and_an_outlier_and_loads_twice_the_same(self, db, clock):
        from django.utils import timezone

        from portal.demo import load_demo_accounts, load_demo_units
        from reports import figures_demo
        from targets import demo, reform_demo, rules_demo
        from workers import demo as workers_demo
        from workers.aftercare import demo as aftercare_demo

        clock(timezone.localdate())  # the demo is loaded on the real day

        load_demo_units()
        load_demo_accounts()
        reform_demo.load()
        workers_demo.load()
        aftercare_demo.load()
        demo.load()
        figures_demo.load()  # this year's months (2025 structure): the latest sent back and draft are there
        rules_demo.load()
        province = get_user_model().objects.get(username="khanhhoa")
        rows = selectors.rule_violations_by_unit(user=province, year=timezone.localdate().year)
        kinds = sorted(ValidationRule.objects.get(pk=v.rule_id).severity
                       for row in rows for _month, _found, report_id in row.months
                       for v in rules.rule_violations(services.report_values(MonthlyReport.objects.get(pk=report_id))))
        assert kinds == ["error", "warning"]
        draft = MonthlyReport.objects.filter(status=ReportStatus.DRAFT).order_by("-month", "unit__path").first()
        assert [f.code for f in rules.outlier_flags(draft.unit, draft.month, services.report_values(draft))] == [
            "departed"]
        assert IndicatorRange.objects.count() == 1
        assert rules_demo.load() == "already there"


def test_the_violations_report_writes_the_year_as_a_year(users, client_for):
    page = client_for(users.province).get(reverse("targets:rule_violations") + "?year=2026").content.decode()
    assert "năm 2026 theo đơn vị" in page and "2.026" not in page
