"""A whole import rolled back by the province within 30 days: every row it created removed, every row it changed
restored exactly, audited; refused when its records were changed or used since, or by anyone but the province."""
from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from history import services
from history.models import BatchStatus, HistoryFigure, ImportBatch
from tests.history.conftest import NINH_SON_2019, commit, preview, rollback, upload
from tests.history.sheets import Person, legacy_people_sheet, totals_sheet
from tests.workers.fixtures import cccd
from workers import services as worker_services
from workers.models import Departure, Return, Sex, Status, StatusChange, Worker

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every row of the tables an import writes, every column."""
    return {model.__name__: sorted((tuple(sorted(row.items())) for row in model.objects.values()), key=repr)
            for model in (Worker, Worker.household_statuses.through, StatusChange, Departure, Return, HistoryFigure)}


@pytest.fixture
def known(users, units, reference):
    """A worker registered with a CCCD who departed in 2019; the history sheet brings their return and a new trip."""
    dob = dt.date(1992, 2, 2)
    worker = worker_services.worker_register(user=users.admin, citizen_id=cccd(dob), full_name="Võ Văn Đã Có",
                                             date_of_birth=dob, sex=Sex.MALE, unit=units.a.children.get(code="22813"))
    worker_services.departure_record(user=users.admin, worker=worker, date=dt.date(2019, 1, 15), country=reference.japan)
    StatusChange.objects.filter(worker=worker).update(at=timezone.make_aware(dt.datetime(2019, 1, 15, 9)))
    return Worker.objects.get(pk=worker.pk)


def sheet_with_known(worker: Worker) -> bytes:
    person = Person(worker.full_name, worker.date_of_birth, "Nam", worker.citizen_id, "Xã Lâm Sơn, Ninh Sơn",
                    "Nhật Bản", "", dt.date(2019, 1, 15), dt.date(2021, 1, 10))
    again = Person(worker.full_name, worker.date_of_birth, "Nam", worker.citizen_id, "Xã Lâm Sơn, Ninh Sơn",
                   "Hàn Quốc", "", dt.date(2022, 4, 4))
    return legacy_people_sheet([*NINH_SON_2019, person, again])


class RollbackTests:
    def test_rolling_a_list_back_restores_the_exact_prior_state(self, users, units, reference_data, enterprises,
                                                                 known):
        before = snapshot()
        batch = preview(users.province, upload(users.province, units.province, sheet_with_known(known)))
        assert (batch.preview["counts"]["new_workers"], batch.preview["counts"]["updated_workers"]) == (5, 1)
        batch = commit(users.province, batch)
        assert Worker.objects.get(pk=known.pk).status == Status.DEPARTED
        assert Worker.objects.get(pk=known.pk).departures.count() == 2
        batch = rollback(users.province, batch)
        assert batch.status == BatchStatus.ROLLED_BACK and batch.rolled_back_by == users.province
        assert snapshot() == before
        deleted = LogEntry.objects.filter(action=LogEntry.Action.DELETE, actor=users.province)
        assert deleted.filter(content_type__model="worker").count() == 5
        assert deleted.filter(content_type__model="departure").count() == 6
        an = deleted.get(content_type__model="worker", object_repr="Nguyễn Văn An")
        assert an.changes_dict["legacy_id_number"] == ["264512345", "None"]  # the values before, as auditlog keeps them

    def test_the_cached_figures_follow_a_rollback(self, users, units, reference_data, enterprises):
        from portal import cache_version

        batch = commit(users.province, preview(users.province, upload(
            users.province, units.province, legacy_people_sheet(NINH_SON_2019))))
        counters = cache_version.unit_counters(units.province)
        before = cache_version.versions(counters)
        rollback(users.province, batch)
        assert cache_version.versions(counters) != before

    def test_rolling_totals_back_removes_new_figures_and_restores_changed_ones(self, users, units):
        services.figure_save(user=users.province, unit=units.a, year=2016, month=None, departed=12, note="Báo cáo cũ")
        before = snapshot()
        rows = [("Huyện Ninh Sơn", 2016, 13, 6), ("Bác Ái", 2016, 14)]
        batch = commit(users.province, preview(users.province, upload(users.province, units.province,
                                                                      totals_sheet(rows))))
        assert sorted(HistoryFigure.objects.values_list("departed", flat=True)) == [13, 14]
        rollback(users.province, batch)
        assert snapshot() == before

    def test_a_rollback_is_refused_when_records_were_changed_since(self, users, units, reference_data,
                                                                  enterprises):
        batch = commit(users.province, preview(users.province, upload(
            users.province, units.province, legacy_people_sheet(NINH_SON_2019))))
        binh = Worker.objects.get(full_name="Trần Thị Bình")
        worker_services.return_record(user=users.official_a, departure=binh.departures.get(), date=dt.date(2022, 6, 1))
        before = snapshot()
        batch = rollback(users.province, batch)
        assert batch.status == BatchStatus.COMMITTED and batch.result["rollback_refused"]
        assert snapshot() == before

    def test_only_the_province_rolls_back_and_only_within_30_days(self, users, units, reference_data,
                                                                  enterprises):
        batch = commit(users.province, preview(users.province, upload(
            users.province, units.province, legacy_people_sheet(NINH_SON_2019))))
        assert services.rollback_problem(user=users.official_a, batch=batch)
        with pytest.raises(ValidationError):
            services.batch_request_rollback(user=users.official_a, batch=batch)
        ImportBatch.objects.filter(pk=batch.pk).update(committed_at=timezone.now() - dt.timedelta(days=31))
        batch.refresh_from_db()
        assert "30" in services.rollback_problem(user=users.province, batch=batch)
        with pytest.raises(ValidationError):
            services.batch_request_rollback(user=users.province, batch=batch)
        assert Worker.objects.count() == 5

    def test_a_second_rollback_request_does_nothing(self, users, units, reference_data, enterprises):
        batch = commit(users.province, preview(users.province, upload(
            users.province, units.province, legacy_people_sheet(NINH_SON_2019))))
        assert services.batch_request_rollback(user=users.province, batch=batch)
        with pytest.raises(ValidationError):  # being rolled back already
            services.batch_request_rollback(user=users.province, batch=ImportBatch.objects.get(pk=batch.pk))
        services.batch_rollback(batch_id=batch.pk, user=users.province)
        services.batch_rollback(batch_id=batch.pk, user=users.province)
        assert not Worker.objects.exists()
