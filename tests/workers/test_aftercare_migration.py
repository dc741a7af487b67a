"""Existing records keep their meaning after the after-departure migrations: a contract end from the months, the
outcome of each return, a dated absconding for a worker marked absconded."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("workers", "0009_im_japan_and_enterprise_history")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    state = executor.migrate(targets)
    executor.loader.build_graph()
    return state.apps


class AfterDepartureMigrationTests:
    def test_contract_ends_return_outcomes_and_abscondings_are_derived(self, reference_data):
        old = migrate(BEFORE)
        try:
            unit = old.get_model("portal", "Unit").objects.create(structure="legacy", code="98", name="Tỉnh Thử",
                                                                  level="province", path="legacy:98/")
            worker_model, departure_model = old.get_model("workers", "Worker"), old.get_model("workers", "Departure")
            korea = old.get_model("workers", "Country").objects.get(code="KR")

            def departed(serial: int, date: dt.date, months: int | None, status: str = "departed"):
                worker = worker_model.objects.create(citizen_id=f"098095{serial:06d}", full_name=f"Người {serial}",
                                                     name_key=f"người {serial}", date_of_birth=dt.date(1995, 1, 1),
                                                     sex="male", unit=unit, status=status)
                return worker, departure_model.objects.create(worker=worker, date=date, country=korea, unit=unit,
                                                              sex="male", contract_months=months)

            return_model = old.get_model("workers", "Return")
            _w, on_time = departed(1, dt.date(2021, 1, 31), 36, "returned")
            return_model.objects.create(departure=on_time, date=dt.date(2024, 2, 20))
            _w, late = departed(2, dt.date(2021, 3, 1), 36, "returned")
            return_model.objects.create(departure=late, date=dt.date(2024, 5, 1))
            _w, early = departed(3, dt.date(2021, 3, 1), None, "returned")
            return_model.objects.create(departure=early, date=dt.date(2022, 5, 1), early=True)
            gone, _d = departed(4, dt.date(2022, 3, 1), 58, "absconded")
            change = old.get_model("workers", "StatusChange").objects.create(worker=gone, from_status="departed",
                                                                             to_status="absconded")
            change.at = timezone.make_aware(dt.datetime(2023, 6, 7, 9, 0))
            change.save()
        finally:
            migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

        from workers.models import Absconding, Departure, Return

        ends = dict(Departure.objects.values_list("worker__citizen_id", "contract_end"))
        assert ends == {"098095000001": dt.date(2024, 1, 31), "098095000002": dt.date(2024, 3, 1),
                        "098095000003": None, "098095000004": dt.date(2027, 1, 1)}
        outcomes = dict(Return.objects.values_list("departure__worker__citizen_id", "outcome"))
        assert outcomes == {"098095000001": "on_time", "098095000002": "after_overstay", "098095000003": "early"}
        assert Return.objects.get(departure_id=late.pk).days_past_contract == 61
        event = Absconding.objects.get()
        assert (event.departure.worker.citizen_id, event.learned_on, event.closed_on) == (
            "098095000004", dt.date(2023, 6, 7), None)
