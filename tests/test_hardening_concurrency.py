"""No lost update: officials saving the same thing at the same moment, on PostgreSQL with real transactions.

Each test starts two threads (each with its own database connection) at a
barrier; a small pause is slipped inside the services' transactions so the two
really overlap, holding row locks while the other arrives.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from portal.audit import acting_as

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.fixture
def indicators(reference_data):
    """A transactional test elsewhere may have flushed the rows the data migration seeded."""


@pytest.fixture
def reference(reference_data):
    pass


def race(*calls: Callable[[], object]) -> list[tuple[str, object]]:
    """Run the calls in threads released together; ("ok", result) or ("error", exception) for each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[tuple[str, object] | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcomes[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not t.is_alive() for t in threads), "a thread is stuck (deadlock?)"
    return outcomes  # type: ignore[return-value]


def slowed(monkeypatch, module, name: str, seconds: float = 0.3) -> None:
    """Make ``module.name`` pause after running, inside the caller's transaction."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, slow)


def winner_and_loser(outcomes, conflict_type):
    oks = [i for i, (kind, _) in enumerate(outcomes) if kind == "ok"]
    errors = [(i, value) for i, (kind, value) in enumerate(outcomes) if kind == "error"]
    assert len(oks) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0][1], conflict_type), errors[0][1]
    return oks[0], errors[0][1]


@pytest.mark.usefixtures("postgres_only")
class FiguresRaceTests:
    def test_two_officials_saving_the_same_months_figures_from_the_same_version_one_wins(
            self, units, users, indicators, monkeypatch):
        from targets import services
        from targets.models import MonthlyReport, MonthlyValue

        month = services.today().replace(day=1)
        report = services.figures_save(user=users.official_a, unit=units.a, month=month, values={"departed": 1},
                                       version=None)
        second = users.admin
        slowed(monkeypatch, services, "_claim")
        submitted = [5, 7]
        outcomes = race(
            lambda: services.figures_save(user=users.official_a, unit=units.a, month=month,
                                          values={"departed": submitted[0]}, version=report.version),
            lambda: services.figures_save(user=second, unit=units.a, month=month,
                                          values={"departed": submitted[1]}, version=report.version),
        )
        winner, conflict = winner_and_loser(outcomes, services.FiguresConflict)
        assert conflict.code == "stale" and "Người khác vừa lưu" in conflict.messages[0]
        stored = MonthlyReport.objects.get(unit=units.a, month=month)
        assert stored.version == report.version + 1
        values = list(MonthlyValue.objects.filter(report=stored).values_list("value", flat=True))
        assert values == [submitted[winner]], "the winner's figures, and only those"

    def test_two_first_saves_of_a_month_with_no_report_yet_create_one_report(self, units, users, indicators,
                                                                              monkeypatch):
        from targets import services
        from targets.models import MonthlyReport, MonthlyValue

        month = services.today().replace(day=1)
        slowed(monkeypatch, services, "figures_lock_reason")
        outcomes = race(*[
            (lambda n=n: services.figures_save(user=users.official_a, unit=units.a, month=month,
                                               values={"departed": n}, version=None)) for n in (3, 4)])
        winner, _conflict = winner_and_loser(outcomes, services.FiguresConflict)
        assert MonthlyReport.objects.filter(unit=units.a, month=month).count() == 1
        assert list(MonthlyValue.objects.values_list("value", flat=True)) == [(3, 4)[winner]]


@pytest.mark.usefixtures("postgres_only")
class WorkerRaceTests:
    def test_two_officials_editing_the_same_worker_from_the_same_version_one_wins(self, units, users, reference,
                                                                                 monkeypatch):
        from tests.workers.fixtures import cccd
        from workers import services
        from workers.models import Worker

        with acting_as(users.official_a):
            worker = services.worker_register(user=users.official_a, citizen_id=cccd(dt.date(1990, 5, 6), serial=77),
                                              full_name="Vũ Văn Đồng Thời", date_of_birth=dt.date(1990, 5, 6),
                                              sex="male", unit=units.commune_a, phone="0905000000")
        slowed(monkeypatch, services, "normalise_name")
        phones = ["0905111111", "0905222222"]
        outcomes = race(*[
            (lambda phone=phone: services.worker_update(user=users.official_a, worker=Worker.objects.get(pk=worker.pk),
                                                        version=worker.version, phone=phone)) for phone in phones])
        winner, conflict = winner_and_loser(outcomes, services.StaleVersion)
        assert conflict.code == "stale"
        stored = Worker.objects.get(pk=worker.pk)
        assert (stored.phone, stored.version) == (phones[winner], worker.version + 1)


@pytest.mark.usefixtures("postgres_only")
class QuotaRaceTests:
    @pytest.mark.parametrize("existing", [False, True], ids=["new-quotas", "existing-quotas"])
    def test_two_concurrent_allocations_leave_one_of_them_whole_with_one_quota_per_unit(
            self, units, users, monkeypatch, existing):
        from portal.models import Unit
        from targets import services
        from targets.models import Quota

        districts = list(Unit.objects.filter(parent=units.province).order_by("code"))
        if existing:
            for district in districts:
                Quota.objects.create(unit=district, year=2021, target=1)
        first = {d.pk: 10 + i for i, d in enumerate(districts)}
        second = {d.pk: 100 + i for i, d in enumerate(districts)}
        slowed(monkeypatch, services, "quota_set", 0.05)
        outcomes = race(
            lambda: services.quota_allocate(user=users.province, parent=units.province, year=2021, targets=first),
            lambda: services.quota_allocate(user=users.province, parent=units.province, year=2021, targets=second),
        )
        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        stored = dict(Quota.objects.filter(year=2021).values_list("unit_id", "target"))
        assert Quota.objects.filter(year=2021).count() == len(districts), "one quota per unit and year"
        assert stored in (first, second), "one whole allocation, never a mix of the two"
        assert sum(stored.values()) in (sum(first.values()), sum(second.values()))

    def test_two_allocations_touching_the_units_in_opposite_orders_do_not_fail(self, units, users, monkeypatch):
        from portal.models import Unit
        from targets import services
        from targets.models import Quota

        districts = list(Unit.objects.filter(parent=units.province).order_by("code"))
        for district in districts:
            Quota.objects.create(unit=district, year=2021, target=1)
        first = {d.pk: 10 for d in districts}
        second = {d.pk: 20 for d in reversed(districts)}
        slowed(monkeypatch, services, "quota_set", 0.05)
        outcomes = race(
            lambda: services.quota_allocate(user=users.province, parent=units.province, year=2021, targets=first),
            lambda: services.quota_allocate(user=users.province, parent=units.province, year=2021, targets=second),
        )
        assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
        stored = dict(Quota.objects.filter(year=2021).values_list("unit_id", "target"))
        assert stored in (first, second)


class StaleFormTests:
    """Sequential, on any database: a form opened before another write must not undo it."""

    def test_saving_a_worker_form_opened_before_a_departure_keeps_the_departure_status(self, units, users, reference):
        from tests.workers.fixtures import cccd
        from workers import services
        from workers.models import Country, Status, Worker

        worker = services.worker_register(user=users.official_a, citizen_id=cccd(dt.date(1991, 5, 6), serial=78),
                                          full_name="Lý Văn Mở Sẵn", date_of_birth=dt.date(1991, 5, 6), sex="male",
                                          unit=units.commune_a)
        opened = Worker.objects.get(pk=worker.pk)  # the edit form is open in a browser
        services.departure_record(user=users.official_a, worker=Worker.objects.get(pk=worker.pk),
                                  date=dt.date(2025, 5, 2), country=Country.objects.get(code="JP"))
        services.worker_update(user=users.official_a, worker=opened, version=opened.version, phone="0905333333")
        stored = Worker.objects.get(pk=worker.pk)
        assert (stored.phone, stored.status) == ("0905333333", Status.DEPARTED)
