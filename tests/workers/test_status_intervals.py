"""Issue 21: every status change's ``ended_at`` (when the worker left that status) is kept right by every write
path — services, bulk import (COPY on PostgreSQL), raw inserts, changes of ``at``, deletes, the generator — and
``status_intervals`` recomputes it from the timelines and proves it equal."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from portal.bulk import insert_rows
from scale.synthetic import Options, generate
from tests.reports.progress_data import communes, make_worker, timeline
from workers import services
from workers.importers import import_workers
from workers.intervals import status_intervals_differences, status_units_differences
from workers.models import Status, StatusChange, Worker

from .test_import import sheet
from .test_import_bulk import varied_rows

pytestmark = pytest.mark.django_db


def stays(worker) -> list[tuple[str, dt.datetime | None]]:
    return list(StatusChange.objects.filter(worker=worker).order_by("at", "pk").values_list("to_status", "ended_at"))


def assert_right() -> None:
    total, differing = status_intervals_differences()
    assert total > 0 and differing == 0
    assert status_units_differences() == 0  # every change carries its worker's unit


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


class StatusIntervalWritePathTests:
    def test_the_services_close_the_previous_stay(self, users, units):
        worker = services.worker_register(
            user=users.official_a, citizen_id="058095000123", full_name="Người Thử", date_of_birth=dt.date(1995, 1, 1),
            sex="male", unit=units.commune_a)
        services.worker_change_status(user=users.official_a, worker=worker, to_status=Status.COUNSELLED)
        services.worker_change_status(user=users.official_a, worker=worker, to_status=Status.TRAINING)
        changes = list(StatusChange.objects.filter(worker=worker).order_by("at", "pk"))
        assert [c.ended_at for c in changes] == [changes[1].at, changes[2].at, None]
        assert_right()

    def test_a_change_entered_in_the_past_splits_a_stay_and_moving_or_deleting_it_mends_it(self, units):
        worker = make_worker(communes("585")[0])
        timeline(worker, ("registered", dt.date(2024, 1, 1)), ("waiting", dt.date(2024, 6, 1)))
        # Entered later, dated between the two: the first stay now ends at it, and it ends at the second.
        middle = StatusChange.objects.create(worker=worker, from_status="registered", to_status="training",
                                             at=at(dt.date(2024, 3, 1)))
        assert [s for s, _e in stays(worker)] == ["registered", "training", "waiting"]
        assert [e.date() if e else None for _s, e in stays(worker)] == [dt.date(2024, 3, 1), dt.date(2024, 6, 1),
                                                                        None]
        StatusChange.objects.filter(pk=middle.pk).update(at=at(dt.date(2024, 9, 1)))  # moved after the last
        assert [s for s, _e in stays(worker)] == ["registered", "waiting", "training"]
        assert_right()
        middle.delete()
        assert [e.date() if e else None for _s, e in stays(worker)] == [dt.date(2024, 6, 1), None]
        assert_right()

    def test_a_change_moved_to_another_worker_mends_both_timelines(self, units):
        one, two = make_worker(communes("585")[0]), make_worker(communes("585")[1])
        timeline(one, ("registered", dt.date(2024, 1, 1)), ("training", dt.date(2024, 2, 1)))
        timeline(two, ("registered", dt.date(2024, 1, 15)))
        StatusChange.objects.filter(worker=one, to_status="training").update(worker=two)
        assert stays(one) == [("registered", None)]
        assert [e is None for _s, e in stays(two)] == [False, True]
        assert_right()

    def test_raw_inserts_in_bulk_and_deleting_a_worker(self, units):
        workers = [make_worker(communes("585")[i]) for i in range(3)]
        insert_rows(StatusChange, ["worker_id", "from_status", "to_status", "at", "by_id", "note"], [
            (worker.pk, "", status, at(day), None, "")
            for worker in workers for status, day in (("registered", dt.date(2023, 1, 1)),
                                                      ("training", dt.date(2023, 5, 1)),
                                                      ("waiting", dt.date(2023, 9, 1)))])
        assert [e.date() if e else None for _s, e in stays(workers[1])] == [dt.date(2023, 5, 1),
                                                                            dt.date(2023, 9, 1), None]
        assert_right()
        with transaction.atomic():
            StatusChange.objects.filter(worker=workers[0]).delete()
            Worker.objects.filter(pk=workers[0].pk).delete()
        assert_right()

    def test_the_bulk_import(self, users, units, enterprises):
        import_workers(sheet(varied_rows(units)), user=users.official_a)
        assert StatusChange.objects.count() > 10
        assert_right()

    def test_the_generator(self):
        generate(Options(workers=60, provinces=["58"], seed=3, progress=False, first_year=2023, last_year=2025,
                         batch=20))
        assert StatusChange.objects.filter(ended_at__isnull=False).exists()
        assert_right()


class StatusUnitTests:
    """Each change carries its worker's unit (``StatusChange.unit``), whoever writes it or moves the worker."""

    def test_a_change_takes_its_workers_unit_and_follows_the_worker_who_moves(self, users, units):
        home, elsewhere = communes("585")[0], communes("584")[0]
        worker = make_worker(home)
        timeline(worker, ("registered", dt.date(2024, 1, 1)), ("training", dt.date(2024, 2, 1)))
        assert set(StatusChange.objects.filter(worker=worker).values_list("unit_id", flat=True)) == {home.pk}
        Worker.objects.filter(pk=worker.pk).update(unit=elsewhere)  # a raw move: the database follows
        assert set(StatusChange.objects.filter(worker=worker).values_list("unit_id", flat=True)) == {elsewhere.pk}
        worker.refresh_from_db()
        services.worker_update(user=users.province, worker=worker, version=worker.version, unit=home)
        assert set(StatusChange.objects.filter(worker=worker).values_list("unit_id", flat=True)) == {home.pk}
        assert_right()

    def test_a_change_moved_to_another_worker_takes_their_unit_and_bulk_inserts_get_theirs(self, units):
        one, two = make_worker(communes("585")[0]), make_worker(communes("584")[1])
        timeline(one, ("registered", dt.date(2024, 1, 1)), ("training", dt.date(2024, 2, 1)))
        StatusChange.objects.filter(worker=one, to_status="training").update(worker=two)
        assert StatusChange.objects.get(worker=two).unit_id == two.unit_id
        insert_rows(StatusChange, ["worker_id", "from_status", "to_status", "at", "by_id", "note"], [
            (one.pk, "registered", "waiting", at(dt.date(2024, 3, 1)), None, "")])
        assert StatusChange.objects.get(worker=one, to_status="waiting").unit_id == one.unit_id
        assert_right()

    def test_check_finds_a_wrong_unit_and_rebuild_mends_it(self, units, capsys):
        worker = make_worker(communes("585")[0])
        timeline(worker, ("registered", dt.date(2024, 1, 1)))
        with connection.cursor() as cursor:  # what no trigger sees: a hand edit of the column itself
            cursor.execute("UPDATE workers_statuschange SET unit_id = NULL")
        with pytest.raises(CommandError, match="1 status changes have another unit than their worker"):
            call_command("status_intervals")
        call_command("status_intervals", "--rebuild")
        assert "1 status changes given their worker's unit" in capsys.readouterr().out
        assert_right()


class StatusIntervalCommandTests:
    def test_check_passes_and_a_corrupted_value_is_found_then_rebuilt(self, units, capsys):
        worker = make_worker(communes("585")[0])
        timeline(worker, ("registered", dt.date(2024, 1, 1)), ("training", dt.date(2024, 2, 1)))
        call_command("status_intervals", "--check")
        assert "2 status changes, 0 differ" in capsys.readouterr().out
        with connection.cursor() as cursor:  # what no trigger sees: a hand edit of the column itself
            cursor.execute("UPDATE workers_statuschange SET ended_at = NULL")
        with pytest.raises(CommandError, match="1 status changes have a wrong ended_at"):
            call_command("status_intervals")
        call_command("status_intervals", "--rebuild")
        assert "1 status changes corrected" in capsys.readouterr().out
        assert_right()
