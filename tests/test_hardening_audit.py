"""Every write to quotas, figures, workers, departures, returns, users and scopes lands in the audit log
(who, when, before and after), and administrators read it on /audit/ with filters."""
from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from portal.audit import acting_as
from portal.models import Scope
from targets.models import MonthlyReport, MonthlyValue, Quota
from targets.services import today as targets_today
from tests.workers.fixtures import cccd
from workers.models import Departure, Return, Worker

pytestmark = pytest.mark.django_db


def entries_for(obj, action=None):
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk))
    if action is not None:
        entries = entries.filter(action=action)
    return entries.order_by("timestamp", "pk")


def last_entry(obj, action=None) -> LogEntry:
    entry = entries_for(obj, action).last()
    assert entry is not None, f"no audit entry for {obj!r}"
    assert entry.timestamp is not None and timezone.now() - entry.timestamp < dt.timedelta(minutes=5)
    return entry


@pytest.fixture
def worker_a(users, units):
    from workers import services

    with acting_as(users.official_a):
        return services.worker_register(user=users.official_a, citizen_id=cccd(dt.date(1995, 4, 12), serial=901),
                                        full_name="Phạm Thị Kiểm Tra", date_of_birth=dt.date(1995, 4, 12), sex="male",
                                        unit=units.commune_a, phone="0905000001")


@pytest.fixture
def japan():
    from workers.models import Country

    return Country.objects.get(code="JP")


class AuditCoverageTests:
    def test_a_quota_set_on_the_quota_table_is_logged_with_who_and_the_old_and_new_target(self, users, units,
                                                                                        client_for):
        client = client_for(users.province)
        url = reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021"
        assert client.post(url, {f"u{units.a.pk}": "25"}).status_code == 302
        quota = Quota.objects.get(unit=units.a, year=2021)
        created = last_entry(quota, LogEntry.Action.CREATE)
        assert created.actor == users.province and created.changes_dict["target"][1] == "25"
        assert client.post(url, {f"u{units.a.pk}": "30"}).status_code == 302
        changed = last_entry(quota, LogEntry.Action.UPDATE)
        assert (changed.actor, changed.changes_dict["target"]) == (users.province, ["25", "30"])

    def test_monthly_figures_saved_on_the_screen_are_logged_value_by_value(self, users, units, client_for):
        month = targets_today().replace(day=1)
        url = reverse("targets:figures", args=[units.a.pk, month.year, month.month])
        client = client_for(users.official_a)
        assert client.post(url, {"version": "", "departed": "9", "action": "save"}).status_code == 302
        report = MonthlyReport.objects.get(unit=units.a, month=month)
        value = MonthlyValue.objects.get(report=report, indicator__code="departed")
        assert last_entry(report, LogEntry.Action.CREATE).actor == users.official_a
        assert last_entry(value, LogEntry.Action.CREATE).changes_dict["value"] == ["None", "9"]
        assert client.post(url, {"version": report.version, "departed": "12", "action": "save"}).status_code == 302
        changed = last_entry(value, LogEntry.Action.UPDATE)
        assert (changed.actor, changed.changes_dict["value"]) == (users.official_a, ["9", "12"])

    def test_a_worker_registered_and_edited_on_the_screens_is_logged_with_before_and_after(
            self, users, units, client_for):
        client = client_for(users.official_a)
        data = {"full_name": "Đinh Văn Nhật Ký", "citizen_id": cccd(dt.date(1996, 1, 2), serial=902),
                "date_of_birth": "02/01/1996", "sex": "male", "unit": units.commune_a.pk, "phone": "0905000002"}
        assert client.post(reverse("workers:worker_create"), data).status_code == 302
        worker = Worker.objects.get(full_name="Đinh Văn Nhật Ký")
        assert last_entry(worker, LogEntry.Action.CREATE).actor == users.official_a
        response = client.post(reverse("workers:worker_edit", args=[worker.pk]),
                               {**data, "phone": "0905999999", "version": worker.version})
        assert response.status_code == 302
        changed = last_entry(worker, LogEntry.Action.UPDATE)
        assert (changed.actor, changed.changes_dict["phone"]) == (users.official_a, ["0905000002", "0905999999"])

    def test_a_departure_and_a_return_recorded_on_the_screens_are_logged(self, users, worker_a, japan, client_for):
        client = client_for(users.official_a)
        response = client.post(reverse("workers:departure_create", args=[worker_a.pk]),
                               {"date": "02/05/2025", "country": japan.pk, "contract_months": "36"})
        assert response.status_code == 302
        departure = Departure.objects.get(worker=worker_a)
        created = last_entry(departure, LogEntry.Action.CREATE)
        assert created.actor == users.official_a and created.changes_dict["date"][1] == "2025-05-02"
        assert last_entry(worker_a, LogEntry.Action.UPDATE).changes_dict["status"][1] == "departed"
        response = client.post(reverse("workers:return_create", args=[departure.pk]),
                               {"date": "10/10/2025", "early": "on", "reason": "ốm"})
        assert response.status_code == 302
        returned = last_entry(Return.objects.get(departure=departure), LogEntry.Action.CREATE)
        assert returned.actor == users.official_a and returned.changes_dict["reason"][1] == "ốm"

    def test_moving_a_users_scope_is_logged_with_the_old_and_new_unit(self, users, units):
        from portal.services import scope_reassign

        scope_reassign(by=users.admin, user=users.official_b, unit=units.a)
        scope = Scope.objects.get(user=users.official_b)
        entry = last_entry(scope, LogEntry.Action.UPDATE)
        assert (entry.actor, entry.changes_dict["unit"]) == (users.admin, [str(units.b.pk), str(units.a.pk)])

    def test_a_user_account_change_is_logged_but_never_its_password_hash(self, users, client_for):
        with acting_as(users.admin):
            users.viewer.email = "lanhdao@example.vn"
            users.viewer.save()
        entry = last_entry(users.viewer, LogEntry.Action.UPDATE)
        assert (entry.actor, entry.changes_dict["email"]) == (users.admin, ["", "lanhdao@example.vn"])
        response = client_for(users.viewer).post(reverse("password_change"), {
            "old_password": "Test-pass-2026!", "new_password1": "Khong-de-doan-2026!",
            "new_password2": "Khong-de-doan-2026!"})
        assert response.status_code == 302
        assert not any("password" in (e.changes_dict or {}) for e in entries_for(users.viewer))
        assert not LogEntry.objects.filter(changes_text__contains="md5$").exists()

    def test_every_model_holding_quotas_figures_workers_or_accounts_is_registered(self):
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        for model in (Quota, MonthlyReport, MonthlyValue, Worker, Departure, Return, Scope, get_user_model()):
            assert auditlog.contains(model), model

    def test_support_payments_and_loans_are_registered_once_they_exist(self):
        from auditlog.registry import auditlog

        from workers import models

        present = [getattr(models, name) for name in ("Payment", "PaymentLine", "Loan") if hasattr(models, name)]
        assert all(auditlog.contains(model) for model in present), present


class AuditScreenTests:
    @pytest.fixture
    def log(self, users, units, worker_a):
        from workers import services

        with acting_as(users.official_a):
            services.worker_update(user=users.official_a, worker=worker_a, version=worker_a.version,
                                   phone="0905777777")
        with acting_as(users.province):
            Quota.objects.create(unit=units.b, year=2021, target=30)
        return worker_a

    def test_an_administrator_sees_who_changed_what_with_before_and_after(self, log, users, client_for):
        response = client_for(users.admin).get(reverse("audit_list"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "0905000001" in html and "0905777777" in html and "t_ninhson" in html and "t_tinh" in html
        assert "Phạm Thị Kiểm Tra" in html
        assert "Sửa" in html and "Tạo mới" in html, "the action in Vietnamese"

    @pytest.mark.parametrize("role", ["province", "official_a", "official_b", "viewer", "nobody"])
    def test_anyone_but_an_administrator_gets_404(self, log, users, client_for, role):
        assert client_for(getattr(users, role)).get(reverse("audit_list")).status_code == 404

    def test_it_filters_by_record_type_actor_dates_and_text(self, log, users, client_for):
        client = client_for(users.admin)
        url = reverse("audit_list")
        worker_type = ContentType.objects.get_for_model(Worker)
        quota_type = ContentType.objects.get_for_model(Quota)

        def shown(**params):
            return {(row["entry"].content_type_id, row["entry"].actor_id)
                    for row in client.get(url, params).context["rows"]}

        assert shown(model=worker_type.pk) == {(worker_type.pk, users.official_a.pk)}
        assert shown(actor=users.province.pk) == {(quota_type.pk, users.province.pk)}
        assert shown(q="Kiểm Tra") == {(worker_type.pk, users.official_a.pk)}
        assert shown(q=str(log.pk), model=worker_type.pk) == {(worker_type.pk, users.official_a.pk)}
        today = timezone.localdate().strftime("%d/%m/%Y")
        assert len(shown(date_from=today, date_to=today)) >= 2
        assert shown(date_from="01/01/2020", date_to="31/12/2020") == set()

    def test_a_bad_date_is_shown_beside_its_field_and_lists_nothing(self, log, users, client_for):
        response = client_for(users.admin).get(reverse("audit_list"), {"date_from": "2025-13-45"})
        assert response.status_code == 200
        assert "date_from" in response.context["form"].errors and response.context["rows"] == []
        response = client_for(users.admin).get(reverse("audit_list"), {"date_from": "02/01/2025",
                                                                       "date_to": "01/01/2025"})
        assert "date_to" in response.context["form"].errors

    def test_the_list_is_paginated_and_runs_a_fixed_number_of_queries(self, users, units, client_for,
                                                                      django_assert_max_num_queries):
        with acting_as(users.province):
            for year in range(2000, 2070):
                Quota.objects.create(unit=units.a, year=year, target=year - 1990)
        client = client_for(users.admin)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("audit_list"))
        assert len(response.context["rows"]) == 50 and response.context["page"].paginator.num_pages >= 2
        assert len(client.get(reverse("audit_list"), {"page": 2}).context["rows"]) >= 20

    def test_the_administration_menu_links_to_the_audit_log_for_administrators_only(self, users, client_for):
        link = f'href="{reverse("audit_list")}"'
        assert link in client_for(users.admin).get(reverse("home")).content.decode()
        assert link not in client_for(users.province).get(reverse("home")).content.decode()
