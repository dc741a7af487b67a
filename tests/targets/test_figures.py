from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from targets import services
from targets.models import MonthlyReport, MonthlyReportEvent, MonthlyValue, ReportStatus
from targets.services import FiguresConflict

MARCH = dt.date(2026, 3, 1)  # deadline 05/04/2026


def values_of(report) -> dict[str, int]:
    return dict(MonthlyValue.objects.filter(report=report).values_list("indicator__code", "value"))


def save(user, unit, values, version=None, month=MARCH):
    return services.figures_save(user=user, unit=unit, month=month, values=values, version=version)


class FiguresCycleTests:
    def test_submit_approve_return_resubmit_lock_and_reopen(self, users, units, clock):
        clock(dt.date(2026, 4, 2))
        official, staff = users.official_a, users.province

        report = save(official, units.a, {"departed": 3, "departed_female": 1})
        assert (report.status, report.version) == (ReportStatus.DRAFT, 1)
        report = save(official, units.a, {"departed": 4}, version=report.version)
        assert report.version == 2 and values_of(report) == {"departed": 4, "departed_female": 1}

        report = services.figures_submit(user=official, report=report, version=report.version)
        assert report.status == ReportStatus.SUBMITTED and report.submitted_by == official
        with pytest.raises(ValidationError, match="đã gửi"):
            save(official, units.a, {"departed": 5}, version=report.version)
        with pytest.raises(ValidationError):
            services.figures_approve(user=official, report=report, version=report.version)

        with pytest.raises(ValidationError):
            services.figures_return(user=staff, report=report, version=report.version, comment="  ")
        report = services.figures_return(user=staff, report=report, version=report.version, comment="Thiếu lao động nữ")
        assert (report.status, report.comment, report.reviewed_by) == (ReportStatus.RETURNED, "Thiếu lao động nữ", staff)

        report = save(official, units.a, {"departed_female": 2}, version=report.version)
        assert report.status == ReportStatus.RETURNED  # still waiting for its resubmission
        report = services.figures_submit(user=official, report=report, version=report.version)
        report = services.figures_approve(user=staff, report=report, version=report.version)
        assert report.status == ReportStatus.APPROVED
        assert values_of(report) == {"departed": 4, "departed_female": 2}
        with pytest.raises(ValidationError, match="đã được duyệt"):
            save(official, units.a, {"departed": 9}, version=report.version)
        assert list(MonthlyReportEvent.objects.filter(report=report).values_list("action", flat=True)) == [
            "saved", "saved", "submitted", "returned", "saved", "submitted", "approved"]

    def test_after_the_deadline_a_unit_is_locked_until_the_province_reopens(self, users, units, clock):
        clock(dt.date(2026, 4, 5))
        report = save(users.official_a, units.a, {"departed": 2})  # the last day is still open
        clock(dt.date(2026, 4, 6))
        with pytest.raises(ValidationError, match="05/04/2026"):
            save(users.official_a, units.a, {"departed": 3}, version=report.version)
        with pytest.raises(ValidationError):
            services.figures_submit(user=users.official_a, report=report, version=report.version)

        with pytest.raises(ValidationError):
            services.figures_reopen(user=users.official_a, unit=units.a, month=MARCH)
        report = services.figures_reopen(user=users.province, unit=units.a, month=MARCH, until=dt.date(2026, 4, 10))
        report = save(users.official_a, units.a, {"departed": 3}, version=report.version)
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        assert report.status == ReportStatus.SUBMITTED and values_of(report) == {"departed": 3}

        # Returned after the deadline: the unit gets a week to correct it.
        report = services.figures_return(user=users.province, report=report, version=report.version, comment="Sửa lại")
        assert report.reopened_until == dt.date(2026, 4, 13)
        clock(dt.date(2026, 4, 14))
        with pytest.raises(ValidationError, match="quá hạn"):
            save(users.official_a, units.a, {"departed": 4}, version=report.version)

    def test_returning_after_the_deadline_reopens_the_month_for_a_week(self, users, units, clock):
        clock(dt.date(2026, 4, 3))
        report = save(users.official_a, units.a, {"departed": 2})
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        clock(dt.date(2026, 4, 20))
        report = services.figures_return(user=users.province, report=report, version=report.version, comment="Sửa")
        assert report.reopened_until == dt.date(2026, 4, 27)
        save(users.official_a, units.a, {"departed": 5}, version=report.version)

    def test_a_province_approver_is_not_bound_by_the_deadline_and_reviews_only_units_below(self, users, units, clock):
        clock(dt.date(2026, 6, 1))
        report = save(users.province, units.a, {"departed": 1})
        assert report.status == ReportStatus.DRAFT
        own = save(users.province, units.province, {"departed": 1}, month=dt.date(2026, 5, 1))
        own = services.figures_submit(user=users.province, report=own, version=own.version)
        with pytest.raises(ValidationError):
            services.figures_approve(user=users.province, report=own, version=own.version)
        approved = services.figures_approve(user=users.admin, report=own, version=own.version)
        assert approved.status == ReportStatus.APPROVED

    def test_a_future_month_cannot_be_entered(self, users, units, clock):
        clock(dt.date(2026, 3, 31))
        with pytest.raises(ValidationError):
            save(users.official_a, units.a, {"departed": 1}, month=dt.date(2026, 4, 1))

    def test_negative_values_are_refused(self, users, units, clock):
        with pytest.raises(ValidationError):
            save(users.official_a, units.a, {"departed": -1})
        assert not MonthlyReport.objects.exists()


class LostUpdateTests:
    def test_the_second_save_with_the_same_version_is_refused_and_the_first_kept(self, users, units, clock):
        report = save(users.official_a, units.a, {"departed": 1})
        loaded_version = report.version
        save(users.official_a, units.a, {"departed": 7}, version=loaded_version)  # first editor
        with pytest.raises(FiguresConflict, match="Someone else|Người khác"):
            save(users.province, units.a, {"departed": 9}, version=loaded_version)  # second editor, stale
        assert values_of(report) == {"departed": 7}
        assert MonthlyReport.objects.get(pk=report.pk).version == loaded_version + 1

    def test_two_first_saves_of_a_new_month_do_not_overwrite_each_other(self, users, units, clock):
        save(users.official_a, units.a, {"departed": 1}, version=None)
        with pytest.raises(FiguresConflict):
            save(users.province, units.a, {"departed": 2}, version=None)
        assert values_of(MonthlyReport.objects.get()) == {"departed": 1}

    def test_the_screen_says_so_and_keeps_the_first_figures(self, users, units, clock, client_for):
        report = save(users.official_a, units.a, {"departed": 1})
        url = reverse("targets:figures", args=[units.a.pk, 2026, 3])
        first, second = client_for(users.official_a), client_for(users.province)
        assert first.post(url, {"version": report.version, "departed": "7", "action": "save"}).status_code == 302
        response = second.post(url, {"version": report.version, "departed": "9", "action": "save"})
        assert response.status_code == 200
        assert "Người khác vừa lưu báo cáo này" in response.content.decode()
        assert values_of(report) == {"departed": 7}


class FiguresScreenTests:
    def test_an_official_saves_a_draft_then_submits(self, users, units, clock, client_for):
        client = client_for(users.official_a)
        url = reverse("targets:figures", args=[units.a.pk, 2026, 3])
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.context["form"].indicators) >= 9
        response = client.post(url, {"version": "", "departed": "1.274", "waiting": "12", "action": "save"})
        assert response.status_code == 302
        report = MonthlyReport.objects.get(unit=units.a, month=MARCH)
        assert report.status == ReportStatus.DRAFT and values_of(report) == {"departed": 1274, "waiting": 12}
        client.post(url, {"version": report.version, "departed": "1.274", "waiting": "12", "action": "submit"})
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED
        body = client.get(url).content.decode()
        assert 'data-testid="report-history"' in body and 'name="departed"' not in body

    def test_a_bad_value_is_shown_beside_its_field_and_nothing_is_saved(self, users, units, clock, client_for):
        url = reverse("targets:figures", args=[units.a.pk, 2026, 3])
        response = client_for(users.official_a).post(url, {"version": "", "departed": "-3", "waiting": "abc", "action": "save"})
        assert response.status_code == 200
        form = response.context["form"]
        assert set(form.errors) == {"departed", "waiting"}
        assert not MonthlyReport.objects.exists()

    def test_the_province_approves_and_returns_on_the_review_screen(self, users, units, clock, client_for):
        report = save(users.official_a, units.a, {"departed": 1})
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        client = client_for(users.province)
        review = reverse("targets:figures_review", args=[report.pk])
        client.post(review, {"action": "return", "comment": "", "version": report.version})
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED  # a return needs its comment
        client.post(review, {"action": "return", "comment": "Kiểm tra lại", "version": report.version})
        report.refresh_from_db()
        assert (report.status, report.comment) == (ReportStatus.RETURNED, "Kiểm tra lại")
        page = client_for(users.official_a).get(reverse("targets:figures", args=[units.a.pk, 2026, 3]))
        assert "Kiểm tra lại" in page.content.decode()

    def test_the_province_reopens_a_month_on_screen(self, users, units, clock, client_for):
        clock(dt.date(2026, 4, 20))
        response = client_for(users.province).post(
            reverse("targets:figures_reopen", args=[units.a.pk, 2026, 3]), {"until": "25/04/2026"})
        assert response.status_code == 302
        assert MonthlyReport.objects.get(unit=units.a, month=MARCH).reopened_until == dt.date(2026, 4, 25)
        page = client_for(users.official_a).get(reverse("targets:figures", args=[units.a.pk, 2026, 3]))
        assert page.context["lock_reason"] is None
