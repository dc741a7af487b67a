"""send_reminders: the day's due and overdue months become notifications once, and one e-mail digest per person per
day; a mail server that is down or refuses loses nothing."""
from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.mail import digests_send
from notifications.models import Digest, DigestStatus, MailState, Notification, Preference, ReminderRun
from targets import services
from tests.notifications import backends

FEB = dt.date(2026, 2, 1)


@pytest.fixture(autouse=True)
def _calendar(settings):
    settings.MONTHLY_DEADLINE_DAY = 5
    settings.REMINDER_DAYS_BEFORE = 3
    settings.REMINDER_OVERDUE_REPEAT_DAYS = 7
    settings.PORTAL_BASE_URL = "https://xkld.example.vn"


@pytest.fixture
def chase(users, units, clock):
    """Ninh Sơn and Bác Ái have 2026 quotas and nothing reported; their officials have e-mail addresses."""
    clock(dt.date(2026, 1, 10))
    services.quota_set(user=users.province, unit=units.province, year=2026, target=100)
    services.quota_allocate(user=users.province, parent=units.province, year=2026,
                            targets={units.a.pk: 40, units.b.pk: 60})
    for user in (users.official_a, users.official_b):
        user.email = f"{user.username}@ninhthuan.example.vn"
        user.save()
    return users


def run(day: str, *extra) -> str:
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", "--today", day, *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


class SendRemindersTests:
    def test_the_day_before_the_window_nobody_is_reminded(self, chase):
        # January's figures are due on 5 February: three days before is 2 February.
        assert run("01/02/2026").splitlines()[0] == "0 reminders to 0 users"
        assert Notification.objects.count() == 0

    def test_a_deadline_approaching_is_told_once_by_notification_and_one_digest(self, chase, users):
        assert run("02/02/2026").splitlines()[0] == "2 reminders to 2 users"
        titles = sorted(Notification.objects.values_list("user__username", "kind", "title"))
        assert titles == [
            ("t_bacai", "targets.due", "Số liệu tháng 01/2026 của Huyện Bác Ái phải nộp trước hết ngày 05/02/2026"),
            ("t_ninhson", "targets.due", "Số liệu tháng 01/2026 của Huyện Ninh Sơn phải nộp trước hết ngày 05/02/2026"),
        ]
        assert len(mail.outbox) == 2
        message = next(m for m in mail.outbox if m.to == ["t_ninhson@ninhthuan.example.vn"])
        assert message.subject == "[Cổng XKLĐ] 1 thông báo mới, ngày 02/02/2026"
        assert "Kính gửi t_ninhson," in message.body
        assert "Số liệu tháng 01/2026 của Huyện Ninh Sơn phải nộp trước hết ngày 05/02/2026" in message.body
        assert f"https://xkld.example.vn/targets/figures/{chase.official_a.scope.unit_id}/2026/1/" in message.body
        assert "https://xkld.example.vn/notifications/settings/" in message.body

    def test_running_twice_the_same_day_sends_nothing_new(self, chase):
        run("02/02/2026")
        assert run("02/02/2026").splitlines()[0] == "0 reminders to 0 users"
        assert run("04/02/2026").splitlines()[0] == "0 reminders to 0 users"  # the same deadline: told already
        assert Notification.objects.count() == 2 and len(mail.outbox) == 2

    def test_an_overdue_month_is_told_on_its_first_late_day_then_weekly(self, chase, units):
        run("02/02/2026")
        assert run("06/02/2026").splitlines()[0] == "2 reminders to 2 users"
        overdue = Notification.objects.get(kind="targets.overdue", user__username="t_ninhson")
        assert overdue.title == "Số liệu tháng 01/2026 của Huyện Ninh Sơn đã quá hạn 1 ngày"
        assert overdue.body == "Hạn nộp là ngày 05/02/2026."
        assert run("12/02/2026").splitlines()[0] == "0 reminders to 0 users"
        assert run("13/02/2026").splitlines()[0] == "2 reminders to 2 users"  # 8 days late: the second week
        # One digest per person per day: 2 (2 Feb) + 2 (6 Feb) + 2 (13 Feb).
        assert len(mail.outbox) == 6 and Digest.objects.filter(status=DigestStatus.SENT).count() == 6

    def test_a_submitted_month_is_not_chased(self, chase, users, units, clock):
        clock(dt.date(2026, 2, 3))
        report = services.figures_save(user=users.official_a, unit=units.a, month=dt.date(2026, 1, 1),
                                       values={"departed": 1}, version=None)
        services.figures_submit(user=users.official_a, report=report, version=report.version)
        out = run("06/02/2026")
        assert out.splitlines()[0] == "2 reminders to 2 users"  # Bác Ái's overdue; the province's queue
        assert sorted(Notification.objects.values_list("user__username", "kind")) == [
            ("t_bacai", "targets.overdue"), ("t_tinh", "targets.queue")]
        assert Notification.objects.get(kind="targets.queue").title == "1 báo cáo tháng đang chờ anh/chị duyệt"

    def test_a_dry_run_counts_and_saves_nothing(self, chase):
        out = run("02/02/2026", "--dry-run")
        assert out.splitlines() == ["2 reminders to 2 users", "Dry run: nothing was saved or sent."]
        assert Notification.objects.count() == 0 and len(mail.outbox) == 0 and not ReminderRun.objects.exists()

    def test_a_bad_day_is_refused(self, chase):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="DD/MM/YYYY"):
            run("2026-02-02")

    def test_each_person_chooses_how_many_days_before(self, chase, users):
        Preference.objects.create(user=users.official_a, days_before=5)
        assert run("31/01/2026").splitlines()[0] == "1 reminders to 1 users"  # 5 days before 5 February
        assert Notification.objects.get().user == users.official_a

    def test_without_an_address_or_with_e_mail_off_the_notification_stays_in_the_portal(self, chase, users):
        users.official_a.email = ""
        users.official_a.save()
        Preference.objects.create(user=users.official_b, email_enabled=False)
        assert run("02/02/2026").splitlines()[0] == "2 reminders to 2 users"
        assert len(mail.outbox) == 0 and not Digest.objects.exists()
        assert set(Notification.objects.values_list("mail", flat=True)) == {MailState.NONE}

    def test_two_runs_at_once_one_sends(self, chase):
        other = ReminderRun.objects.create(day=dt.date(2026, 2, 2))  # a run under way
        from io import StringIO

        out, err = StringIO(), StringIO()
        call_command("send_reminders", "--today", "02/02/2026", stdout=out, stderr=err)
        assert out.getvalue().splitlines()[0] == "0 reminders to 0 users"
        assert "under way" in err.getvalue()
        assert Notification.objects.count() == 0 and len(mail.outbox) == 0
        with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses a second running run
            ReminderRun.objects.create(day=dt.date(2026, 2, 2))
        ReminderRun.objects.filter(pk=other.pk).update(started_at=timezone.now() - dt.timedelta(hours=2))
        assert run("02/02/2026").splitlines()[0] == "2 reminders to 2 users"  # a run that died does not block
        assert ReminderRun.objects.get(pk=other.pk).error.startswith("abandoned")

    def test_a_daily_beat_entry_runs_it(self, settings):
        from portal.celery import app

        entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
        assert entry["task"] == "notifications.tasks.send_reminders" and entry["task"] in app.tasks
        assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {30})
        assert settings.CELERY_BEAT_SCHEDULE["retry-notification-digests"]["task"] in app.tasks


class MailFailureTests:
    def test_a_server_that_is_down_loses_nothing_and_is_logged_once(self, chase, settings, caplog):
        settings.EMAIL_BACKEND = "tests.notifications.backends.DownBackend"
        backends.calls.clear()
        with caplog.at_level(logging.ERROR, logger="notifications.mail"):
            out = run("02/02/2026")
        assert out.splitlines() == ["2 reminders to 2 users", "E-mail digests: 0 sent, 1 failed, 1 left for the next run"]
        assert backends.calls == ["down"]  # the run stopped at the first refusal: not one try per person
        assert len([r for r in caplog.records if r.name == "notifications.mail"]) == 1
        assert "Connection refused" in caplog.records[0].getMessage()
        assert Notification.objects.count() == 2  # the portal still tells them
        digests = {d.user.username: d for d in Digest.objects.select_related("user")}
        assert sorted((d.status, d.attempts) for d in digests.values()) == [("failed", 1), ("pending", 0)]
        assert "ConnectionRefusedError" in next(d for d in digests.values() if d.status == "failed").last_error

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
        result = digests_send(prepare=False)  # the hourly retry
        assert (result.sent, result.failed) == (2, 0) and len(mail.outbox) == 2
        assert set(Digest.objects.values_list("status", flat=True)) == {"sent"}
        assert run("02/02/2026").splitlines()[0] == "0 reminders to 0 users" and len(mail.outbox) == 2

    def test_a_refused_address_fails_its_digest_only(self, chase, settings, caplog):
        settings.EMAIL_BACKEND = "tests.notifications.backends.RefusingBackend"
        backends.RefusingBackend.sent = []
        with caplog.at_level(logging.ERROR, logger="notifications.mail"):
            run("02/02/2026")
        assert [m.to for m in backends.RefusingBackend.sent] == [["t_ninhson@ninhthuan.example.vn"]]
        assert dict(Digest.objects.values_list("user__username", "status")) == {"t_ninhson": "sent", "t_bacai": "failed"}
        assert len([r for r in caplog.records if r.name == "notifications.mail"]) == 1

    def test_a_digest_is_given_up_after_the_last_attempt_but_the_notification_stays(self, chase, settings):
        settings.EMAIL_BACKEND = "tests.notifications.backends.DownBackend"
        settings.NOTIFICATION_MAIL_MAX_ATTEMPTS = 2
        run("02/02/2026")  # a server error stops a run at its first digest: the others wait for the next
        for _retry in range(3):
            digests_send(prepare=False)
        assert sorted(Digest.objects.values_list("attempts", flat=True)) == [2, 2]
        assert digests_send(prepare=False).failed == 0  # nothing left to try
        assert Notification.objects.count() == 2


class JobNotificationTests:
    def test_a_failed_report_job_tells_the_person_who_started_it(self, users, units, settings):
        from portal.jobs import job_create, job_run

        settings.REPORT_JOB_KINDS = {**settings.REPORT_JOB_KINDS, "broken": "tests.notifications.test_reminders.broken"}
        job = job_create(user=users.official_a, unit=units.a, kind="broken", params={"label": "Tiến độ 6 tháng"},
                         enqueue=False)
        job_run(job.pk)
        notification = Notification.objects.get(user=users.official_a)
        assert (notification.kind, notification.title) == ("jobs.failed", "Báo cáo “Tiến độ 6 tháng” của bạn bị lỗi")
        assert notification.url == f"/jobs/{job.pk}/"

    def test_a_quick_job_that_the_person_watched_finish_tells_nothing(self, users, units, settings):
        from portal.jobs import job_create, job_run

        settings.REPORT_JOB_KINDS = {**settings.REPORT_JOB_KINDS, "quick": "tests.notifications.test_reminders.quick"}
        job_run(job_create(user=users.official_a, unit=units.a, kind="quick", enqueue=False).pk)
        assert not Notification.objects.exists()
        settings.JOB_NOTIFY_AFTER_SECONDS = 0
        job_run(job_create(user=users.official_a, unit=units.a, kind="quick", enqueue=False).pk)
        assert Notification.objects.get().kind == "jobs.done"


def broken(job):
    raise RuntimeError("the disk is full")


def quick(job):
    return {"ok": True}


class MailSettingsTests:
    def test_a_bad_mail_setting_or_deadline_day_stops_start_up_with_one_line(self, monkeypatch):
        from django.core.exceptions import ImproperlyConfigured

        from portal.env import env_int

        monkeypatch.setenv("EMAIL_PORT", "70000")
        with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT=70000 must be at most 65535"):
            env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
        monkeypatch.setenv("MONTHLY_DEADLINE_DAY", "31")
        assert env_int("MONTHLY_DEADLINE_DAY", 5, minimum=1, maximum=31) == 31

    def test_the_default_backend_prints_on_the_console(self):
        from portal import settings as project_settings

        assert project_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"
