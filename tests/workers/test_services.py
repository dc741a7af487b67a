from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from workers import services
from workers.models import Departure, HouseholdStatus, Return, Sex, Status, StatusChange, Worker
from workers.pipeline import transition_problem

from .fixtures import cccd


class RegisterTests:
    def test_it_registers_a_worker_with_a_first_timeline_entry(self, make_worker, users):
        worker = make_worker(user=users.official_a)
        change = StatusChange.objects.get(worker=worker)
        assert (worker.status, worker.version) == (Status.REGISTERED, 1)
        assert (change.from_status, change.to_status, change.by) == ("", Status.REGISTERED, users.official_a)

    def test_it_refuses_a_citizen_id_that_does_not_match_the_birth_year(self, users, units):
        with pytest.raises(ValidationError) as exc:
            services.worker_register(user=users.admin, citizen_id="058096000123", full_name="A", sex=Sex.MALE,
                                     date_of_birth=dt.date(1995, 1, 1), unit=units.commune_a)
        assert "citizen_id" in exc.value.message_dict
        assert Worker.objects.count() == 0

    def test_it_refuses_a_second_worker_with_the_same_citizen_id(self, make_worker, units):
        worker = make_worker()
        with pytest.raises(ValidationError) as exc:
            make_worker(citizen_id=worker.citizen_id, full_name="Người Khác")
        assert "citizen_id" in exc.value.message_dict
        assert Worker.objects.count() == 1

    def test_the_database_holds_one_worker_per_citizen_id(self, make_worker, units):
        worker = make_worker()
        with pytest.raises(IntegrityError), transaction.atomic():
            Worker.objects.create(citizen_id=worker.citizen_id, full_name="X", name_key="x",
                                  date_of_birth=worker.date_of_birth, sex=Sex.MALE, unit=units.commune_a)

    def test_it_refuses_a_unit_outside_the_users_scope(self, users, units):
        dob = dt.date(1990, 2, 2)
        with pytest.raises(ValidationError) as exc:
            services.worker_register(user=users.official_a, citizen_id=cccd(dob), full_name="A", sex=Sex.MALE,
                                     date_of_birth=dob, unit=units.commune_b)
        assert "unit" in exc.value.message_dict


class DuplicateTests:
    def test_a_likely_duplicate_is_flagged_and_not_saved(self, make_worker):
        first = make_worker(full_name="Trần Thị Bình", sex=Sex.FEMALE)
        with pytest.raises(services.LikelyDuplicate) as exc:
            make_worker(full_name="  trần thị  BÌNH ", sex=Sex.FEMALE)
        assert exc.value.duplicates == [first]
        assert Worker.objects.count() == 1

    def test_a_likely_duplicate_is_saved_once_confirmed(self, make_worker):
        make_worker(full_name="Trần Thị Bình", sex=Sex.FEMALE)
        make_worker(full_name="Trần Thị Bình", sex=Sex.FEMALE, confirm_duplicate=True)
        assert Worker.objects.count() == 2

    def test_the_same_name_in_another_commune_is_not_a_duplicate(self, make_worker, units):
        make_worker(full_name="Trần Thị Bình", sex=Sex.FEMALE)
        make_worker(full_name="Trần Thị Bình", sex=Sex.FEMALE, unit=units.a)
        assert Worker.objects.count() == 2


class PipelineTests:
    @pytest.mark.parametrize("current, wanted", [
        (Status.REGISTERED, Status.RETURNED), (Status.COUNSELLED, Status.RETURNED), (Status.REGISTERED, Status.ABSCONDED),
        (Status.WAITING, Status.DEPARTED), (Status.DEPARTED, Status.REGISTERED), (Status.DEPARTED, Status.WITHDRAWN),
        (Status.ABSCONDED, Status.WAITING), (Status.WITHDRAWN, Status.TRAINING), (Status.RETURNED, Status.WAITING),
        (Status.TRAINING, Status.TRAINING),
    ])
    def test_it_refuses_transitions_that_make_no_sense(self, current, wanted):
        assert transition_problem(current, wanted)

    @pytest.mark.parametrize("current, wanted", [
        (Status.REGISTERED, Status.COUNSELLED), (Status.COUNSELLED, Status.TRAINING), (Status.TRAINING, Status.WAITING),
        (Status.WAITING, Status.WITHDRAWN), (Status.DEPARTED, Status.ABSCONDED), (Status.RETURNED, Status.REGISTERED),
        (Status.WITHDRAWN, Status.REGISTERED),
    ])
    def test_it_allows_the_usual_steps(self, current, wanted):
        assert transition_problem(current, wanted) is None

    def test_returning_before_departing_is_refused_with_a_message(self, make_worker, users):
        worker = make_worker()
        with pytest.raises(ValidationError) as exc:
            services.worker_change_status(user=users.admin, worker=worker, to_status=Status.RETURNED)
        assert exc.value.message_dict["to_status"]
        worker.refresh_from_db()
        assert worker.status == Status.REGISTERED
        assert StatusChange.objects.filter(worker=worker).count() == 1

    def test_a_status_change_is_written_to_the_timeline(self, make_worker, users):
        worker = make_worker()
        services.worker_change_status(user=users.official_a, worker=worker, to_status=Status.COUNSELLED, note="buổi 1")
        change = StatusChange.objects.filter(worker=worker).latest("pk")
        assert (change.from_status, change.to_status, change.by, change.note) == (
            Status.REGISTERED, Status.COUNSELLED, users.official_a, "buổi 1")


class OptimisticLockingTests:
    def test_an_update_with_the_current_version_is_saved_and_bumps_it(self, make_worker, users):
        worker = make_worker()
        services.worker_update(user=users.admin, worker=worker, version=1, phone="0905123456")
        worker.refresh_from_db()
        assert (worker.phone, worker.version) == ("0905123456", 2)

    def test_an_update_from_a_stale_version_is_refused(self, make_worker, users):
        worker = make_worker()
        first_reader = Worker.objects.get(pk=worker.pk)
        second_reader = Worker.objects.get(pk=worker.pk)
        services.worker_update(user=users.admin, worker=first_reader, version=1, phone="0905000001")
        with pytest.raises(services.StaleVersion):
            services.worker_update(user=users.admin, worker=second_reader, version=1, phone="0905000002")
        worker.refresh_from_db()
        assert (worker.phone, worker.version) == ("0905000001", 2)


class DepartureTests:
    def test_a_departure_sets_the_status_and_snapshots_the_worker(self, make_worker, users, reference, enterprises):
        poor = HouseholdStatus.objects.get(code="poor")
        worker = make_worker(sex=Sex.FEMALE, ethnicity=reference.cham, household_statuses=[poor])
        departure = services.departure_record(
            user=users.official_a, worker=worker, date=dt.date(2025, 5, 2), country=reference.japan,
            programme=reference.titp, enterprise=enterprises.active, contract_months=36,
            orientation_cert_no="GCN-1", orientation_cert_date=dt.date(2025, 4, 1))
        worker.refresh_from_db()
        assert worker.status == Status.DEPARTED
        assert (departure.unit, departure.sex) == (worker.unit, Sex.FEMALE)
        assert departure.is_poor_or_near_poor and departure.is_ethnic_minority and departure.has_orientation_cert
        assert departure.warning == ""
        assert StatusChange.objects.filter(worker=worker, to_status=Status.DEPARTED).count() == 1

    def test_a_kinh_worker_without_certificate_is_snapshotted_as_such(self, make_worker, users, reference):
        worker = make_worker(ethnicity=reference.kinh)
        departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2025, 5, 2),
                                              country=reference.korea, programme=reference.eps)
        assert not departure.is_ethnic_minority and not departure.is_poor_or_near_poor
        assert not departure.has_orientation_cert

    def test_a_suspended_enterprise_leaves_a_stored_warning(self, make_worker, users, reference, enterprises):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2025, 5, 2),
                                              country=reference.japan, enterprise=enterprises.suspended)
        departure.refresh_from_db()
        assert "T-002/GP" in departure.warning

    def test_a_future_departure_is_refused(self, make_worker, users, reference):
        tomorrow = services.today() + dt.timedelta(days=1)
        with pytest.raises(ValidationError) as exc:
            services.departure_record(user=users.admin, worker=make_worker(), date=tomorrow, country=reference.japan)
        assert "date" in exc.value.message_dict
        assert Departure.objects.count() == 0

    def test_a_programme_of_another_country_is_refused(self, make_worker, users, reference):
        with pytest.raises(ValidationError) as exc:
            services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2025, 5, 2),
                                      country=reference.japan, programme=reference.eps)
        assert "programme" in exc.value.message_dict

    def test_a_worker_abroad_cannot_depart_again(self, departed, users, reference):
        worker, _departure = departed
        with pytest.raises(ValidationError):
            services.departure_record(user=users.admin, worker=worker, date=dt.date(2025, 5, 2), country=reference.japan)
        assert Departure.objects.count() == 1

    def test_the_database_refuses_a_contract_of_zero_months(self, departed):
        _worker, departure = departed
        with pytest.raises(IntegrityError), transaction.atomic():
            Departure.objects.filter(pk=departure.pk).update(contract_months=0)


class ReturnTests:
    def test_a_return_before_the_contract_ends_is_early_and_sets_returned(self, departed, users):
        worker, departure = departed
        back = services.return_record(user=users.admin, departure=departure, date=dt.date(2025, 1, 10), reason="ốm")
        worker.refresh_from_db()
        assert back.early is True and worker.status == Status.RETURNED

    def test_a_return_after_the_contract_is_on_time(self, departed, users):
        _worker, departure = departed
        back = services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 3, 5))
        assert back.early is False

    def test_a_return_before_the_departure_is_refused(self, departed, users):
        _worker, departure = departed
        with pytest.raises(ValidationError):
            services.return_record(user=users.admin, departure=departure, date=dt.date(2024, 2, 1))
        assert Return.objects.count() == 0

    def test_a_second_return_is_refused(self, departed, users):
        _worker, departure = departed
        services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 3, 5))
        with pytest.raises(ValidationError):
            services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 3, 6))
        assert Return.objects.count() == 1

    def test_an_absconded_worker_can_still_be_recorded_as_returned(self, departed, users):
        worker, departure = departed
        services.worker_change_status(user=users.admin, worker=worker, to_status=Status.ABSCONDED)
        services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 3, 5), early=True)
        worker.refresh_from_db()
        assert worker.status == Status.RETURNED
