"""The monthly chase: each month's state around its deadline, the board, the inbox of every role, the approval
queue and its bulk review (tests/targets/conftest.py's clock fixes the day)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.models import Structure, Unit
from targets import chase, services
from targets.models import MonthlyReport, MonthlyReportEvent, ReportStatus
from tests.export_helpers import export_response

User = get_user_model()
JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _deadline(settings):
    settings.MONTHLY_DEADLINE_DAY = 5


@pytest.fixture
def taking_part(users, units):
    """Ninh Sơn (A) and Bác Ái (B) have a quota for 2026; the other districts take no part."""
    services.quota_set(user=users.province, unit=units.province, year=2026, target=100)
    services.quota_allocate(user=users.province, parent=units.province, year=2026,
                            targets={units.a.pk: 40, units.b.pk: 60})


def submit(user, unit, month, *, at: dt.datetime | None = None, value: int = 3, comment: str = "") -> MonthlyReport:
    """``user`` saves and submits; past the deadline only the province may (``services.figures_lock_reason``)."""
    if services.figures_lock_reason(user=user, unit=unit, month=month, report=None):
        user = User.objects.get(username="t_tinh")
    report = services.figures_save(user=user, unit=unit, month=month, values={"departed": value}, version=None)
    report = services.figures_submit(user=user, report=report, version=report.version, comment=comment)
    if at is not None:  # when it was submitted (the services stamp the real clock)
        MonthlyReportEvent.objects.filter(report=report).update(at=at)
        MonthlyReport.objects.filter(pk=report.pk).update(submitted_at=at)
        report.refresh_from_db()
    return report


def local(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def board_cells(client, **params) -> dict[str, list[str]]:
    board = client.get(reverse("targets:due_board"), {"year": 2026, **params}).context["board"]
    return {row.unit.code: [cell.label for cell in row.cells] for row in board.rows}


class MonthStateTests:
    """February's figures are due by 5 March: the day before, the day itself, the day after."""

    @pytest.mark.parametrize(("today", "label", "days_left", "days_late"), [
        (dt.date(2026, 2, 27), "Chưa đến hạn", 6, 0),  # February still running
        (dt.date(2026, 3, 4), "Đến hạn", 1, 0),
        (dt.date(2026, 3, 5), "Đến hạn", 0, 0),  # the deadline day is still on time
        (dt.date(2026, 3, 6), "Quá hạn 1 ngày", None, 1),
        (dt.date(2026, 3, 30), "Quá hạn 25 ngày", None, 25),
    ])
    def test_an_empty_month_around_its_deadline(self, users, units, taking_part, clock, client_for, today, label,
                                               days_left, days_late):
        clock(today)
        board = client_for(users.province).get(reverse("targets:due_board"), {"year": 2026}).context["board"]
        february = next(row for row in board.rows if row.unit == units.a).cells[1]
        assert (february.label, february.days_left, february.days_late) == (label, days_left, days_late)
        assert february.deadline == dt.date(2026, 3, 5)

    def test_a_draft_is_a_draft_until_the_deadline_then_overdue(self, users, units, taking_part, clock, client_for):
        clock(dt.date(2026, 3, 5))
        services.figures_save(user=users.official_a, unit=units.a, month=FEB, values={"departed": 2}, version=None)
        client = client_for(users.province)
        assert board_cells(client)["585"][1] == "Bản nháp"
        clock(dt.date(2026, 3, 6))
        board = client.get(reverse("targets:due_board"), {"year": 2026}).context["board"]
        cell = next(row for row in board.rows if row.unit == units.a).cells[1]
        assert (cell.status, cell.has_draft, cell.days_late) == ("overdue", True, 1)

    def test_submitted_sent_back_and_approved_months_show_their_status(self, users, units, taking_part, clock,
                                                                       client_for):
        clock(dt.date(2026, 3, 3))
        jan = submit(users.official_a, units.a, JAN)
        services.figures_approve(user=users.province, report=jan, version=jan.version)
        feb = submit(users.official_a, units.a, FEB)
        services.figures_return(user=users.province, report=feb, version=feb.version, comment="Thiếu số liệu nữ")
        submit(users.official_b, units.b, FEB)
        cells = board_cells(client_for(users.province))
        assert cells["585"][:2] == ["Đã duyệt", "Trả lại"]
        assert cells["584"][:2] == ["Quá hạn 26 ngày", "Đã gửi"]

    def test_a_reopened_month_is_due_until_its_new_day(self, users, units, taking_part, clock, client_for):
        clock(dt.date(2026, 3, 10))
        services.figures_reopen(user=users.province, unit=units.a, month=FEB, until=dt.date(2026, 3, 12))
        client = client_for(users.province)
        assert board_cells(client)["585"][1] == "Đến hạn"
        clock(dt.date(2026, 3, 13))
        assert board_cells(client)["585"][1] == "Quá hạn 1 ngày"

    def test_a_deadline_day_beyond_the_months_length_is_its_last_day(self, users, units, taking_part, clock,
                                                                     client_for, settings):
        settings.MONTHLY_DEADLINE_DAY = 31  # January's figures: by 28 February 2026
        client = client_for(users.province)
        clock(dt.date(2026, 2, 28))
        assert board_cells(client)["585"][0] == "Đến hạn"
        clock(dt.date(2026, 3, 1))
        assert board_cells(client)["585"][0] == "Quá hạn 1 ngày"

    def test_a_unit_without_a_quota_or_a_report_that_year_is_not_chased(self, users, units, taking_part, clock,
                                                                        client_for):
        clock(dt.date(2026, 3, 10))
        cells = board_cells(client_for(users.province))
        assert set(cells) == {"585", "584"}
        ninh_hai = Unit.objects.get(structure=Structure.LEGACY, code="586")
        submit(users.province, ninh_hai, FEB)  # reporting a month of 2026 makes it take part from that month on
        assert board_cells(client_for(users.province))["586"] == ["Không bắt buộc", "Đã gửi", "Chưa đến hạn"]


class BoardTests:
    def test_timeliness_counts_months_first_submitted_by_the_original_deadline(self, users, units, taking_part,
                                                                             clock, client_for):
        clock(dt.date(2026, 2, 20))
        submit(users.official_a, units.a, JAN, at=local(dt.date(2026, 2, 5), 23))  # the last evening: on time
        clock(dt.date(2026, 3, 20))
        feb = submit(users.official_a, units.a, FEB, at=local(dt.date(2026, 3, 6)))  # a day late
        services.figures_return(user=users.province, report=feb, version=feb.version, comment="Sửa")
        clock(dt.date(2026, 4, 10))  # March's deadline (5 April) passed with nothing
        board = client_for(users.province).get(reverse("targets:due_board"), {"year": 2026}).context["board"]
        row = next(r for r in board.rows if r.unit == units.a)
        assert (row.expected, row.submitted, row.on_time) == (3, 2, 1)
        assert row.completeness == pytest.approx(2 / 3) and row.timeliness == pytest.approx(1 / 3)
        body = client_for(users.province).get(reverse("targets:due_board"), {"year": 2026}).content.decode()
        assert "66,7%" in body and "33,3%" in body

    def test_the_board_filters_by_status_and_level(self, users, units, taking_part, clock, client_for):
        clock(dt.date(2026, 3, 10))
        submit(users.official_b, units.b, JAN)
        submit(users.official_b, units.b, FEB)
        commune = units.commune_a
        services.quota_set(user=users.official_a, unit=commune, year=2026, target=5)
        client = client_for(users.province)
        assert set(board_cells(client, status="overdue")) == {"585", commune.code}
        assert set(board_cells(client, status="submitted")) == {"584"}
        assert set(board_cells(client, level="commune")) == {commune.code}
        assert set(board_cells(client, level="district")) == {"585", "584"}

    def test_an_official_sees_only_their_units(self, users, units, taking_part, clock, client_for):
        clock(dt.date(2026, 3, 10))
        assert set(board_cells(client_for(users.official_a))) == {"585"}
        assert set(board_cells(client_for(users.official_b))) == {"584"}
        assert board_cells(client_for(users.nobody)) == {}

    def test_the_board_exports_to_excel_with_words_and_colours(self, users, units, taking_part, clock, client_for):
        clock(dt.date(2026, 3, 10))
        submit(users.official_b, units.b, FEB)
        response = export_response(client_for(users.province), reverse("targets:due_board_export"), {"year": 2026})
        assert response.status_code == 200 and response["Content-Disposition"].endswith('han-nop-so-lieu-2026.xlsx"')
        ws = load_workbook(io.BytesIO(response.content_bytes)).active
        rows = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
        assert rows["585"][3:6] == ("⚠ Quá hạn 33 ngày", "⚠ Quá hạn 5 ngày", "· Chưa đến hạn")
        assert rows["584"][4] == "↑ Đã gửi"
        assert ws.cell(row=2, column=4).fill.fgColor.rgb.endswith("D55E00")  # overdue: hatched vermilion

    def test_the_export_answers_with_its_job_and_the_job_holds_the_users_units_only(
            self, users, units, taking_part, clock, client_for):
        from portal.models import ReportJob

        clock(dt.date(2026, 3, 10))
        response = client_for(users.official_b).get(reverse("targets:due_board_export"), {"year": 2026})
        job = ReportJob.objects.get()
        assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
        assert (job.kind, job.params["export"], job.status, job.unit) == ("export", "due_board", "pending", units.b)
        assert client_for(users.official_a).get(reverse("jobs:download", args=[job.pk])).status_code == 404
        # The job builds the board under its user: Bác Ái's official gets Bác Ái's row, nothing of Ninh Sơn.
        download = export_response(client_for(users.official_b), reverse("targets:due_board_export"), {"year": 2026})
        ws = load_workbook(io.BytesIO(download.content_bytes)).active
        assert [row[0] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]] == ["584"]

    def test_the_board_runs_a_fixed_number_of_queries(self, users, units, taking_part, clock, client_for,
                                                      django_assert_max_num_queries):
        clock(dt.date(2026, 11, 30))
        for code in ("586", "587", "588", "589", "582"):
            services.quota_set(user=users.province, unit=Unit.objects.get(structure=Structure.LEGACY, code=code),
                               year=2026, target=10)
        for month in (JAN, FEB, MAR):
            submit(users.official_a, units.a, month)
        client = client_for(users.province)
        client.get(reverse("targets:due_board"))
        with django_assert_max_num_queries(10):
            response = client.get(reverse("targets:due_board"), {"year": 2026})
        assert len(response.context["board"].rows) == 7 and len(response.context["board"].months) == 11


class InboxTests:
    """10 March 2026: February's figures were due on 5 March, March's are due on 5 April."""

    @pytest.fixture
    def calendar(self, users, units, taking_part, clock):
        clock(dt.date(2026, 2, 20))
        dec = submit(users.official_a, units.a, dt.date(2025, 12, 1))
        services.figures_approve(user=users.province, report=dec, version=dec.version)
        jan = submit(users.official_a, units.a, JAN)
        clock(dt.date(2026, 3, 10))
        services.figures_return(user=users.province, report=jan, version=jan.version,
                                comment="Số lao động nữ chưa khớp")  # after its deadline: reopened for a week
        services.figures_save(user=users.province, unit=units.b, month=JAN, values={"departed": 1}, version=None)
        submit(users.official_b, units.b, FEB)

    def test_an_official_sees_what_is_due_overdue_sent_back_and_approved(self, users, units, calendar, client_for):
        box = chase.inbox(users.official_a)
        assert [(c.month, c.status, c.days_left) for c in box.due] == [(MAR, "not_due", 26)]
        assert [(c.month, c.days_late) for c in box.overdue] == [(FEB, 5)]
        assert [(c.month, c.comment, c.deadline) for c in box.returned] == [
            (JAN, "Số lao động nữ chưa khớp", dt.date(2026, 3, 17))]
        assert box.count == 2  # overdue February, sent-back January (March is not due yet)
        body = client_for(users.official_a).get(reverse("home")).content.decode()
        assert 'data-testid="inbox-targets"' in body
        assert "Quá hạn 5 ngày" in body and "Số lao động nữ chưa khớp" in body and "còn 26 ngày" in body
        assert "Số liệu tháng 12/2025 của Huyện Ninh Sơn đã được duyệt" in body  # approved since the last visit
        assert reverse("targets:figures", args=[units.a.pk, 2026, 2]) in body
        assert 'data-testid="inbox-count"' in body and "Việc cần làm" in body
        assert client_for(users.official_a).get(reverse("notifications:counts")).json() == {"inbox": 2, "unread": 2}  # approved December, sent-back January

    def test_another_official_sees_only_their_own_unit(self, users, units, calendar):
        box = chase.inbox(users.official_b)
        assert {c.unit for c in box.due + box.overdue + box.returned} == {units.b}
        assert [(c.month, c.has_draft) for c in box.overdue] == [(JAN, True)]
        assert box.returned == [] and box.count == 1

    def test_the_province_sees_the_queue_the_overdue_units_and_the_reopened_months(self, users, units, calendar,
                                                                                   client_for):
        box = chase.inbox(users.province)
        assert [(item.report.unit, item.report.month) for item in box.queue] == [(units.b, FEB)]
        assert [(unit, [c.month for c in cells]) for unit, cells in box.overdue_units] == [
            (units.b, [JAN]), (units.a, [FEB])]  # the longest overdue first
        assert [(c.unit, c.month, c.report.reopened_until) for c in box.reopened] == [
            (units.a, JAN, dt.date(2026, 3, 17))]
        assert box.count == 3
        body = client_for(users.province).get(reverse("home")).content.decode()
        assert 'data-testid="inbox-queue"' in body and reverse("targets:queue") in body

    def test_a_viewer_and_a_user_without_a_unit_have_nothing_to_act_on(self, users, calendar, client_for):
        assert chase.inbox(users.viewer) is None and chase.inbox(users.nobody) is None
        body = client_for(users.viewer).get(reverse("home")).content.decode()
        assert 'data-testid="inbox-targets"' not in body
        assert client_for(users.viewer).get(reverse("notifications:counts")).json() == {"inbox": 0, "unread": 0}

    def test_the_queue_is_oldest_first_with_outlier_warnings(self, users, units, taking_part, clock):
        clock(dt.date(2026, 8, 1))
        for month in range(1, 7):
            report = submit(users.official_a, units.a, dt.date(2026, month, 1), value=10)
            services.figures_approve(user=users.province, report=report, version=report.version)
        late = submit(users.official_a, units.a, dt.date(2026, 7, 1), value=60, at=local(dt.date(2026, 7, 31)),
                      comment="Ngày hội việc làm")
        early = submit(users.official_b, units.b, dt.date(2026, 7, 1), value=5, at=local(dt.date(2026, 7, 30)))
        items = chase.approval_queue(users.province)
        assert [item.report for item in items] == [early, late]
        assert items[0].warnings == []
        assert items[1].warnings == [
            "Số lao động đã xuất cảnh: 60 khác xa số liệu thường thấy của đơn vị (7–13 trong 24 tháng gần nhất)."]

    def test_the_home_page_with_the_inbox_runs_a_fixed_number_of_queries(self, users, calendar, client_for,
                                                                        django_assert_max_num_queries):
        client = client_for(users.province)
        client.get(reverse("home"))
        with django_assert_max_num_queries(25):
            client.get(reverse("home"))


class BulkReviewTests:
    @pytest.fixture
    def waiting(self, users, units, taking_part, clock):
        clock(dt.date(2026, 3, 3))
        return [submit(users.official_a, units.a, JAN), submit(users.official_a, units.a, FEB),
                submit(users.official_b, units.b, FEB)]

    def test_approving_several_months_skips_the_one_changed_meanwhile(self, users, units, waiting, client_for):
        client = client_for(users.province)
        page = client.get(reverse("targets:queue"))
        seen = {item.report.pk: item.report.version for item in page.context["items"]}
        assert list(seen) == [r.pk for r in waiting]
        stale = waiting[1]
        MonthlyReport.objects.filter(pk=stale.pk).update(version=F("version") + 1)  # someone saved it meanwhile
        data = {"action": "approve", "report": list(seen), **{f"version_{pk}": v for pk, v in seen.items()}}
        response = client.post(reverse("targets:queue"), data, follow=True)
        statuses = dict(MonthlyReport.objects.values_list("pk", "status"))
        assert statuses == {waiting[0].pk: "approved", stale.pk: "submitted", waiting[2].pk: "approved"}
        texts = [str(m) for m in response.context["messages"]]
        assert texts[0] == "Đã duyệt 2 báo cáo."
        assert texts[1].startswith("Bỏ qua Huyện Ninh Sơn 02/2026:")
        assert [item.report.pk for item in response.context["items"]] == [stale.pk]

    def test_sending_back_several_months_takes_one_comment(self, users, waiting, client_for):
        data = {"action": "return", "comment": "Bổ sung số người được tư vấn", "report": [waiting[0].pk, waiting[2].pk],
                f"version_{waiting[0].pk}": waiting[0].version, f"version_{waiting[2].pk}": waiting[2].version}
        assert client_for(users.province).post(reverse("targets:queue"), data).status_code == 302
        returned = MonthlyReport.objects.filter(status=ReportStatus.RETURNED).order_by("pk")
        assert [(r.pk, r.comment) for r in returned] == [(waiting[0].pk, "Bổ sung số người được tư vấn"),
                                                          (waiting[2].pk, "Bổ sung số người được tư vấn")]

    def test_sending_back_without_a_comment_changes_nothing(self, users, waiting, client_for):
        data = {"action": "return", "comment": " ", "report": [waiting[0].pk], f"version_{waiting[0].pk}": 2}
        response = client_for(users.province).post(reverse("targets:queue"), data)
        assert response.status_code == 200 and "comment" in response.context["form"].errors
        assert MonthlyReport.objects.filter(status=ReportStatus.SUBMITTED).count() == 3

    def test_only_approvers_reach_the_queue_and_a_refusal_is_a_readable_page(self, users, waiting, client_for):
        for user in (users.official_a, users.viewer):
            response = client_for(user).get(reverse("targets:queue"))
            assert response.status_code == 403 and "Bạn không có quyền" in response.content.decode()
        data = {"action": "approve", "report": [waiting[2].pk], f"version_{waiting[2].pk}": waiting[2].version}
        assert client_for(users.official_a).post(reverse("targets:queue"), data).status_code == 403
        assert MonthlyReport.objects.get(pk=waiting[2].pk).status == ReportStatus.SUBMITTED
