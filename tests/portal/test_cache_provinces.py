"""Cached figures are versioned per province: a write drops the figures of the scopes it affects, and only those.

Units: Ninh Thuận (legacy 58, district Ninh Sơn 585) and old Khánh Hòa (legacy 56) became Khánh Hòa (2025 56);
Tiền Giang (legacy 82) and old Đồng Tháp (legacy 87) became Đồng Tháp (2025 82).
"""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.management import call_command
from django.core.paginator import Paginator
from django.urls import reverse

from portal import cache_version
from portal.audit import acting_as
from portal.invalidation import progress_changed
from portal.models import Role, Structure, Unit
from reports.dashboard import dashboard_cached, dashboard_data
from targets.models import Indicator, MonthlyReport, MonthlyValue, Quota
from tests.conftest import make_user
from workers import selectors, services
from workers.models import Country, Departure, Return, Sex, StatusChange, Worker

pytestmark = pytest.mark.django_db

_serial = itertools.count(500)
DOB = dt.date(1995, 4, 12)


def legacy(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.LEGACY, code=code)


def new(code: str) -> Unit:
    return Unit.objects.get(structure=Structure.NEW, code=code)


@pytest.fixture
def country(reform):
    return Country.objects.get(code="JP")


@pytest.fixture
def reform(capsys):
    for province in ("58", "82"):
        call_command("load_admin_units", "--structure", "both", "--province", province)
    capsys.readouterr()
    return {
        "admin": make_user("p_admin", Role.ADMIN, None, is_staff=True, is_superuser=True),
        "ninh_son": make_user("p_ninhson", Role.OFFICIAL, legacy("585")),  # province/district A
        "bac_ai": make_user("p_bacai", Role.OFFICIAL, legacy("584")),  # same province, another district
        "tien_giang": make_user("p_tiengiang", Role.PROVINCE, legacy("82")),  # province B
        "khanh_hoa": make_user("p_khanhhoa", Role.PROVINCE, new("56")),  # 2025: took over legacy 58 and 56
        "xa_ninh_son": make_user("p_xa_ninhson", Role.OFFICIAL, new("22810")),  # a 2025 commune of it
        "dong_thap": make_user("p_dongthap", Role.PROVINCE, new("82")),  # 2025: took over legacy 82 and 87
        "nobody": make_user("p_nobody", None, None),
    }


def register(unit: Unit, *, admin) -> Worker:
    return services.worker_register(
        user=admin, citizen_id=f"0580{DOB.year % 100:02d}{next(_serial):06d}", full_name=f"Người Thử {next(_serial)}",
        date_of_birth=DOB, sex=Sex.MALE, unit=unit)


def commune(district: str) -> Unit:
    return Unit.objects.filter(parent=legacy(district)).order_by("code").first()


def probe(user) -> bool:
    """Whether a value cached under the user's scope (as the worker list's count and pages are) is a hit."""
    computed = []
    cache_version.cached(f"probe:{user.pk}", lambda: computed.append(True) or 1,
                         reads=cache_version.user_counters(user))
    return not computed


def hits(users: dict, names) -> dict[str, bool]:
    return {name: probe(users[name]) for name in names}


def warm(users: dict) -> None:
    for user in users.values():
        probe(user)


class ProvinceVersionTests:
    def test_a_departure_elsewhere_keeps_the_official_s_cache_and_one_in_their_province_drops_it(
            self, reform, country):
        users = reform
        in_a, in_b = register(commune("585"), admin=users["admin"]), register(legacy("28249"), admin=users["admin"])
        warm(users)
        assert dashboard_cached(users["ninh_son"])["from_cache"] is False
        assert dashboard_cached(users["ninh_son"])["from_cache"] is True

        services.departure_record(user=users["admin"], worker=in_b, date=dt.date(2024, 5, 1), country=country)
        assert hits(users, users) == {
            "admin": False, "ninh_son": True, "bac_ai": True, "tien_giang": False, "khanh_hoa": True,
            "xa_ninh_son": True, "dong_thap": False, "nobody": True}
        assert dashboard_cached(users["ninh_son"])["from_cache"] is True

        services.departure_record(user=users["admin"], worker=in_a, date=dt.date(2024, 5, 1), country=country)
        # Legacy 58's writes reach the 2025 province that took it over; not Tiền Giang nor Đồng Tháp.
        assert hits(users, users) == {
            "admin": False, "ninh_son": False, "bac_ai": False, "tien_giang": True, "khanh_hoa": False,
            "xa_ninh_son": False, "dong_thap": True, "nobody": True}
        assert dashboard_cached(users["ninh_son"])["from_cache"] is False

    def test_a_2025_user_misses_after_a_write_on_a_legacy_unit_they_took_over(self, reform):
        users = reform
        warm(users)
        register(legacy("22435"), admin=users["admin"])  # a commune of old Khánh Hòa (legacy 56)
        assert hits(users, ("khanh_hoa", "xa_ninh_son", "ninh_son", "dong_thap", "tien_giang")) == {
            "khanh_hoa": False, "xa_ninh_son": True, "ninh_son": True, "dong_thap": True, "tien_giang": True}
        warm(users)
        register(legacy("22810"), admin=users["admin"])  # Thị trấn Tân Sơn (legacy 58) → Xã Ninh Sơn (2025)
        assert hits(users, ("khanh_hoa", "xa_ninh_son", "ninh_son", "dong_thap", "tien_giang")) == {
            "khanh_hoa": False, "xa_ninh_son": False, "ninh_son": False, "dong_thap": True, "tien_giang": True}

    def test_a_write_on_a_2025_unit_reaches_the_legacy_dashboards_counting_it(self, reform):
        users = reform
        warm(users)
        for name in ("ninh_son", "tien_giang", "khanh_hoa"):
            dashboard_cached(users[name])
        register(new("22810"), admin=users["admin"])
        # The legacy official's list shows legacy records only; their report counts this 2025 commune's.
        assert hits(users, ("khanh_hoa", "ninh_son", "dong_thap", "tien_giang")) == {
            "khanh_hoa": False, "ninh_son": True, "dong_thap": True, "tien_giang": True}
        assert {name: dashboard_cached(users[name])["from_cache"] for name in ("ninh_son", "tien_giang", "khanh_hoa")
                } == {"ninh_son": False, "tien_giang": True, "khanh_hoa": False}

    def test_a_worker_moved_to_another_province_drops_both(self, reform):
        users = reform
        worker = register(commune("585"), admin=users["admin"])
        warm(users)
        services.worker_update(user=users["admin"], worker=worker, version=worker.version, unit=legacy("28249"))
        assert hits(users, ("ninh_son", "tien_giang", "khanh_hoa", "dong_thap")) == {
            "ninh_son": False, "tien_giang": False, "khanh_hoa": False, "dong_thap": False}
        warm(users)
        worker.save()  # a plain save (update_fields=None) reads the unit it leaves too: here none
        assert hits(users, ("ninh_son", "tien_giang")) == {"ninh_son": True, "tien_giang": False}

    def test_status_changes_returns_and_monthly_values_bump_their_province(self, reform, country):
        users = reform
        worker = register(commune("585"), admin=users["admin"])
        departure = services.departure_record(user=users["admin"], worker=worker, date=dt.date(2024, 5, 1),
                                              country=country)
        waiting = register(commune("584"), admin=users["admin"])
        report = MonthlyReport.objects.create(unit=legacy("82"), month=dt.date(2025, 5, 1), status="approved")
        indicator = Indicator.objects.get(code="departed")
        writes = [
            (lambda: StatusChange.objects.create(worker_id=worker.pk, from_status="departed", to_status="departed"),
             "ninh_son"),  # the worker not loaded: one query finds its unit
            (lambda: Return.objects.create(departure_id=departure.pk, date=dt.date(2025, 1, 1)), "ninh_son"),
            (lambda: MonthlyValue.objects.create(report_id=report.pk, indicator=indicator, value=3), "tien_giang"),
            (lambda: services.worker_change_status(user=users["admin"], worker=Worker.objects.get(pk=waiting.pk),
                                                   to_status="training"), "ninh_son"),
        ]
        for write, touched in writes:
            warm(users)
            write()
            other = {"ninh_son": "tien_giang", "tien_giang": "ninh_son"}[touched]
            assert hits(users, (touched, other, "admin")) == {touched: False, other: True, "admin": False}

    def test_a_bump_costs_no_query_when_the_objects_are_loaded(self, reform, country, django_assert_num_queries):
        users = reform
        worker = register(commune("585"), admin=users["admin"])
        change = StatusChange(worker=worker, from_status="registered", to_status="training")
        departure = Departure(worker=worker, unit=worker.unit, date=dt.date(2024, 1, 1), country=country)
        with django_assert_num_queries(0):
            progress_changed(sender=StatusChange, instance=change)
            progress_changed(sender=Departure, instance=departure)
            progress_changed(sender=Return, instance=Return(departure=departure, date=dt.date(2025, 1, 1)))
            progress_changed(sender=Quota, instance=Quota(unit=worker.unit, year=2025, target=1))

    def test_the_bulk_registration_bumps_only_the_imported_workers_provinces(self, reform):
        users = reform
        warm(users)
        with acting_as(users["admin"]):  # as the import does (outside a request)
            services.workers_register_bulk(user=users["admin"], workers=[
                services.NewWorker(citizen_id=f"0820{DOB.year % 100:02d}{next(_serial):06d}", full_name="Lê Văn Một",
                                   date_of_birth=DOB, sex=Sex.MALE, unit=legacy("28249"))])
        assert hits(users, users) == {
            "admin": False, "ninh_son": True, "bac_ai": True, "tien_giang": False, "khanh_hoa": True,
            "xa_ninh_son": True, "dong_thap": False, "nobody": True}

    def test_an_unknown_unit_a_units_load_or_reference_data_drop_everything(self, reform):
        users = reform
        for write in (lambda: cache_version.bump([10 ** 9]), progress_changed,
                      lambda: call_command("load_admin_units", "--structure", "legacy", "--province", "04"),
                      lambda: Unit.objects.filter(code="58").first().save(),
                      lambda: Country.objects.get(code="JP").save()):
            warm(users)
            write()
            assert not any(hits(users, users).values()), write

    def test_national_reference_data_survives_a_worker_s_write(self, reform):
        users = reform
        computed = []
        for _ in range(2):
            cache_version.cached("countries", lambda: computed.append(True) or "options", reads=cache_version.NATIONAL)
            register(commune("585"), admin=users["admin"])
        assert computed == [True]


@pytest.mark.usefixtures("celery_eager")  # the administrator's dashboard (the country's) is a task's
class GoldenRuleTests:
    """No user ever sees figures older than a write that affects their scope: after each kind of write, every
    user's cached worker list and dashboard equal the ones computed afresh."""

    def check(self, users: dict, client_for, label: str) -> None:
        for name, user in users.items():
            if name == "nobody":
                continue
            response = client_for(user).get(reverse("workers:worker_list"))
            page = response.context["page"]
            plain = Paginator(selectors.worker_list(user, selectors.WorkerFilters()), page.paginator.per_page)
            assert page.paginator.count == plain.count, (label, name)
            assert [w.pk for w in page] == [w.pk for w in plain.page(1)], (label, name)
            assert [w.status for w in page] == [w.status for w in plain.page(1)], (label, name)
            cached, fresh = dashboard_cached(user), dashboard_data(user)
            assert cached["total"].to_dict() == fresh["total"].to_dict(), (label, name)
            assert cached["charts"] == fresh["charts"], (label, name)

    def test_every_kind_of_write_shows_at_once_in_every_scope(self, reform, country, client_for):
        from targets.services import quota_set

        users, admin = reform, reform["admin"]
        year = dt.date.today().year
        state: dict = {}

        def register_a():
            state["a"] = register(commune("585"), admin=admin)

        def depart_a():
            state["dep"] = services.departure_record(user=admin, worker=state["a"], date=dt.date(year, 1, 2),
                                                     country=country)

        def move_a_to_b():
            worker = Worker.objects.get(pk=state["a"].pk)
            services.worker_update(user=admin, worker=worker, version=worker.version, unit=legacy("28249"))

        def bulk_b():
            with acting_as(admin):  # as the import does (outside a request)
                services.workers_register_bulk(user=admin, workers=[services.NewWorker(
                    citizen_id=f"0820{DOB.year % 100:02d}{next(_serial):06d}", full_name="Lê Văn Hai",
                    date_of_birth=DOB, sex=Sex.MALE, unit=legacy("28249"),
                    departure=services.NewDeparture(date=dt.date(year, 1, 3), country=country))])

        writes = [
            ("register in A", register_a),
            ("departure in A", depart_a),
            ("register on a 2025 commune", lambda: register(new("22810"), admin=admin)),
            ("register on old Khánh Hòa", lambda: register(legacy("22435"), admin=admin)),
            ("quota in A", lambda: quota_set(user=admin, unit=legacy("585"), year=year, target=40)),
            ("quota in 2025 Khánh Hòa", lambda: quota_set(user=admin, unit=new("56"), year=year, target=90)),
            ("status change", lambda: services.worker_change_status(
                user=admin, worker=register(commune("584"), admin=admin), to_status="training")),
            ("return", lambda: services.return_record(user=admin, departure=state["dep"], date=dt.date(year, 1, 20))),
            ("move A → B", move_a_to_b),
            ("bulk in B", bulk_b),
            ("figures in B", lambda: MonthlyValue.objects.create(
                report=MonthlyReport.objects.create(unit=legacy("82"), month=dt.date(year, 1, 1), status="approved"),
                indicator=Indicator.objects.get(code="departed"), value=7)),
            ("units load", lambda: call_command("load_admin_units", "--structure", "legacy", "--province", "04")),
        ]
        self.check(users, client_for, "before")
        for label, write in writes:
            self.check(users, client_for, f"warm before {label}")  # every entry filled
            write()
            self.check(users, client_for, label)
