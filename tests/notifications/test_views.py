"""The bell, the list, marking read, the settings; a notification of another person answers 404."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from notifications.models import Notification, Preference
from notifications.services import notify, silenced
from targets import services


@pytest.fixture
def told(users):
    notify(users=[users.official_a], kind="test", title="Số liệu tháng 01/2026 đã được duyệt", url="/targets/")
    notify(users=[users.official_a], kind="test", title="Tháng 02/2026 quá hạn", url="/targets/completeness/")
    notify(users=[users.official_b], kind="test", title="Của Bác Ái", url="/")
    return {n.title: n for n in Notification.objects.all()}


class BellTests:
    def test_the_bell_counts_the_unread_and_follows_every_change(self, users, told, client_for):
        client = client_for(users.official_a)
        assert 'data-testid="bell"' in client.get(reverse("home")).content.decode()
        counts = lambda: client.get(reverse("notifications:counts")).json()  # noqa: E731  (what the page fetches)
        assert counts()["unread"] == 2
        client.get(reverse("notifications:open", args=[told["Tháng 02/2026 quá hạn"].pk]))
        assert counts()["unread"] == 1
        client.post(reverse("notifications:read_all"))
        assert counts()["unread"] == 0
        assert client_for(users.official_b).get(reverse("notifications:counts")).json()["unread"] == 1

    def test_the_navigation_bar_costs_a_page_no_query(self, users, told, client_for, django_assert_max_num_queries):
        client = client_for(users.official_a)
        with django_assert_max_num_queries(5):  # session, user, preference, scope, unit: no count
            client.get(reverse("notifications:preferences"))
        client.get(reverse("notifications:counts"))
        with django_assert_max_num_queries(4):  # session, user, scope, unit: both counts come from the cache
            assert client.get(reverse("notifications:counts")).json() == {"inbox": 0, "unread": 2}


class ListTests:
    def test_the_list_shows_ones_own_notifications_newest_first(self, users, told, client_for):
        response = client_for(users.official_a).get(reverse("notifications:list"))
        assert [n.title for n in response.context["page"]] == ["Tháng 02/2026 quá hạn",
                                                                "Số liệu tháng 01/2026 đã được duyệt"]
        assert "Của Bác Ái" not in response.content.decode()

    def test_opening_one_marks_it_read_and_goes_to_its_page(self, users, told, client_for):
        notification = told["Tháng 02/2026 quá hạn"]
        response = client_for(users.official_a).get(reverse("notifications:open", args=[notification.pk]))
        assert response.status_code == 302 and response["Location"] == "/targets/completeness/"
        notification.refresh_from_db()
        assert notification.read_at is not None

    def test_another_persons_notification_answers_404(self, users, told, client_for):
        theirs = told["Của Bác Ái"]
        client = client_for(users.official_a)
        assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
        assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
        assert client_for(users.admin).get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
        theirs.refresh_from_db()
        assert theirs.read_at is None

    def test_an_outside_link_is_never_followed(self, users, client_for):
        notify(users=[users.official_a], kind="test", title="x", url="https://evil.example.com/")
        notification = Notification.objects.get()
        response = client_for(users.official_a).get(reverse("notifications:open", args=[notification.pk]))
        assert response["Location"] == reverse("notifications:list")


class PreferenceTests:
    def test_a_person_switches_e_mail_off_and_chooses_the_days_before(self, users, client_for):
        client = client_for(users.viewer)
        assert "chưa có địa chỉ thư điện tử" in client.get(reverse("notifications:preferences")).content.decode()
        response = client.post(reverse("notifications:preferences"), {"days_before": "7"})
        assert response.status_code == 302
        preference = Preference.objects.get(user=users.viewer)
        assert (preference.email_enabled, preference.days_before) == (False, 7)
        bad = client.post(reverse("notifications:preferences"), {"email_enabled": "on", "days_before": "90"})
        assert bad.status_code == 200 and "days_before" in bad.context["form"].errors


class ReviewNotificationTests:
    def test_approving_and_sending_back_tell_the_units_officials_in_vietnamese(self, users, units, clock):
        clock(dt.date(2026, 2, 3))
        report = services.figures_save(user=users.official_a, unit=units.a, month=dt.date(2026, 1, 1),
                                       values={"departed": 2}, version=None)
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        clock(dt.date(2026, 2, 10))
        report = services.figures_return(user=users.province, report=report, version=report.version,
                                         comment="Thiếu số lao động nữ")
        sent_back = Notification.objects.get(kind="targets.returned")
        assert sent_back.user == users.official_a
        assert sent_back.title == "Số liệu tháng 01/2026 của Huyện Ninh Sơn bị trả lại để sửa"
        assert sent_back.body == "Nội dung cần sửa: Thiếu số lao động nữ\nNộp lại trước hết ngày 17/02/2026."
        assert sent_back.url == reverse("targets:figures", args=[units.a.pk, 2026, 1])
        report = services.figures_submit(user=users.official_a, report=report, version=report.version)
        services.figures_approve(user=users.province, report=report, version=report.version)
        approved = Notification.objects.get(kind="targets.approved")
        assert (approved.user, approved.title) == (users.official_a,
                                                   "Số liệu tháng 01/2026 của Huyện Ninh Sơn đã được duyệt")
        assert not Notification.objects.filter(user__in=[users.province, users.official_b]).exists()

    def test_history_loaded_silenced_tells_nobody(self, users, units, clock):
        clock(dt.date(2026, 2, 3))
        with silenced():
            report = services.figures_save(user=users.official_a, unit=units.a, month=dt.date(2026, 1, 1),
                                           values={"departed": 2}, version=None)
            report = services.figures_submit(user=users.official_a, report=report, version=report.version)
            services.figures_approve(user=users.province, report=report, version=report.version)
        assert not Notification.objects.exists()
