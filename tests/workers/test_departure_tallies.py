"""Issue 21: the departure tallies (departures per unit, month, country and programme, kept by the database) are
kept right by every write path — the services, raw inserts in bulk (COPY on PostgreSQL), a departure moved to
another date, unit, country or programme, a flag changed, deletes, the bulk import, the generator — and
``departure_tallies`` recomputes them from the departures and proves them equal."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum

from portal.bulk import insert_rows
from scale.synthetic import Options, generate
from tests.reports.progress_data import communes, depart, make_worker, unit
from workers import services
from workers.importers import import_workers
from workers.models import Country, Departure, DepartureTally, Programme, Sex
from workers.tallies import departure_tallies_differences

from .test_import import sheet
from .test_import_bulk import varied_rows

pytestmark = pytest.mark.django_db


def assert_right() -> None:
    total, differing = departure_tallies_differences()
    assert total > 0 and differing == 0


def tally(unit_obj, *, own: bool, **filters) -> dict[str, int]:
    sums = DepartureTally.objects.filter(unit=unit_obj, own=own, **filters).aggregate(
        n=Sum("n_departed"), female=Sum("n_female"), poor=Sum("n_poor"), minority=Sum("n_minority"),
        cert=Sum("n_cert"))
    return {key: value or 0 for key, value in sums.items()}


class DepartureTallyWritePathTests:
    def test_a_departure_counts_in_its_unit_and_every_unit_above(self, units):
        commune = communes("585")[0]
        depart(commune, dt.date(2024, 3, 9), "JP", sex=Sex.FEMALE, poor=True, programme="JP-TITP")
        depart(commune, dt.date(2024, 3, 20), "JP", minority=True, cert=False, programme="JP-TITP")
        march = {"month": dt.date(2024, 3, 1)}
        assert tally(commune, own=True, **march) == {"n": 2, "female": 1, "poor": 1, "minority": 1, "cert": 1}
        assert tally(commune, own=False, **march)["n"] == 0  # nothing below a commune
        for above in (unit("585"), unit("58")):
            assert tally(above, own=False, **march) == {"n": 2, "female": 1, "poor": 1, "minority": 1, "cert": 1}
            assert tally(above, own=True, **march)["n"] == 0
        row = DepartureTally.objects.get(unit=unit("58"), own=False, month=dt.date(2024, 3, 1))
        assert (row.country.code, row.programme.code, row.programme_key) == ("JP", "JP-TITP", row.programme_id)
        assert_right()

    def test_the_services_record_a_departure(self, users, units):
        worker = services.worker_register(
            user=users.official_a, citizen_id="058095000123", full_name="Người Thử", date_of_birth=dt.date(1995, 1, 1),
            sex="male", unit=units.commune_a)
        services.departure_record(user=users.official_a, worker=worker, date=dt.date(2025, 5, 5),
                                  country=Country.objects.get(code="KR"), programme=None, enterprise=None)
        assert tally(unit("58"), own=False, month=dt.date(2025, 5, 1), programme_key=0)["n"] == 1
        assert_right()

    def test_moving_a_departure_or_changing_its_flags_moves_its_count(self, units):
        one, two = communes("585")[0], communes("584")[0]
        departure = depart(one, dt.date(2024, 3, 9), "JP")
        Departure.objects.filter(pk=departure.pk).update(date=dt.date(2024, 7, 1), unit=two,
                                                         country=Country.objects.get(code="TW"),
                                                         programme=Programme.objects.filter(country__code="TW").first(),
                                                         is_poor_or_near_poor=True, sex=Sex.FEMALE)
        assert tally(one, own=True)["n"] == 0 and tally(unit("585"), own=False)["n"] == 0
        assert tally(two, own=True, month=dt.date(2024, 7, 1), country__code="TW") == {
            "n": 1, "female": 1, "poor": 1, "minority": 0, "cert": 1}
        assert tally(unit("58"), own=False)["n"] == 1  # moved within the province: still one
        Departure.objects.filter(pk=departure.pk).update(occupation="Hàn")  # a column the tallies do not count
        assert tally(unit("58"), own=False)["n"] == 1
        assert_right()

    def test_deletes_and_raw_inserts_in_bulk(self, units):
        homes = communes("585")[:3]
        workers = [make_worker(home, status="departed") for home in homes]
        japan = Country.objects.get(code="JP")
        insert_rows(Departure, ["worker_id", "date", "country_id", "unit_id", "sex", "is_poor_or_near_poor",
                                "is_ethnic_minority", "has_orientation_cert", "occupation", "orientation_cert_no",
                                "warning", "employer_name", "employer_sector", "wage_currency", "created_at"], [
            (worker.pk, dt.date(2023, 1 + i, 10), japan.pk, worker.unit_id, "male", i == 0, False, True, "", "BD", "",
             "", "", "", dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)) for i, worker in enumerate(workers)])
        assert tally(unit("585"), own=False) == {"n": 3, "female": 0, "poor": 1, "minority": 0, "cert": 3}
        assert_right()
        Departure.objects.filter(worker=workers[0]).delete()
        assert tally(unit("58"), own=False)["n"] == 2 and tally(unit("58"), own=False)["poor"] == 0
        assert_right()

    def test_the_bulk_import(self, users, units, enterprises):
        import_workers(sheet(varied_rows(units)), user=users.official_a)
        assert Departure.objects.exists()
        assert tally(unit("58"), own=False)["n"] == Departure.objects.count()
        assert_right()

    def test_the_generator(self):
        generate(Options(workers=60, provinces=["58"], seed=3, progress=False, first_year=2023, last_year=2025,
                         batch=20))
        assert Departure.objects.exists()
        assert_right()


class DepartureTallyCommandTests:
    def test_check_passes_and_a_corrupted_tally_is_found_then_rebuilt(self, units, capsys):
        depart(communes("585")[0], dt.date(2024, 3, 9), "JP")
        call_command("departure_tallies", "--check")
        assert "3 departure tallies, 0 differ" in capsys.readouterr().out  # the commune, its district, the province
        with connection.cursor() as cursor:  # what no trigger sees: a hand edit of the table itself
            cursor.execute("UPDATE workers_departuretally SET n_departed = 5 WHERE own")
            cursor.execute("INSERT INTO workers_departuretally (unit_id, own, month, country_id, programme_key, "
                           "n_departed, n_female, n_poor, n_minority, n_cert) VALUES (%s, %s, '2020-01-01', %s, 0, 1, 0, 0, 0, 0)",
                           [unit("58").pk, False, Country.objects.get(code="JP").pk])
        with pytest.raises(CommandError, match="3 departure tallies differ"):  # 1 wrong, expected again, 1 extra
            call_command("departure_tallies")
        call_command("departure_tallies", "--rebuild")
        assert "Rebuilt: 3 tally rows written." in capsys.readouterr().out
        assert_right()
