"""Classes, enrolments, the capacity rule, results and certificates: the services' rules."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from support.models import ItemKind
from tests.support.factories import make_policy
from tests.training.factories import class_input, days, make_class
from training import services
from training.models import Enrolment, OrganiserKind, Result
from workers import checklist
from workers.models import ChecklistStatus, ExpectedDeparture, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English below (the portal speaks Vietnamese first)."""
    with translation.override("en"):
        yield


class ClassTests:
    def test_a_class_run_by_a_sending_enterprise_names_it(self, users, units, enterprises):
        data = class_input(units.province, organiser_kind=OrganiserKind.ENTERPRISE, organiser_name="")
        with pytest.raises(ValidationError) as error:
            services.class_save(user=users.province, data=data)
        assert "enterprise" in error.value.message_dict
        made = make_class(users.province, units.province, organiser_kind=OrganiserKind.ENTERPRISE,
                          enterprise=enterprises.active, organiser_name="ignored")
        assert (made.enterprise, made.organiser_name, made.organiser) == (enterprises.active, "", enterprises.active.name)

    def test_the_policy_that_pays_must_pay_that_kind_of_class_during_it(self, users, units):
        health_only = make_policy(code="HEALTH", unit=units.province, items={ItemKind.HEALTH: 500_000}, budgets={})
        languages = make_policy(code="LANG", unit=units.province, items={ItemKind.LANGUAGE: 6_000_000}, budgets={},
                                valid_from=days(-400), valid_to=days(400))
        with pytest.raises(ValidationError) as error:
            make_class(users.province, units.province, policy=health_only)
        assert "does not pay for this kind of class" in error.value.message_dict["policy"][0]
        assert make_class(users.province, units.province, policy=languages).policy == languages

    def test_an_official_manages_classes_of_their_district_only(self, users, units):
        with pytest.raises(ValidationError) as error:
            make_class(users.official_a, units.b)
        assert "unit" in error.value.message_dict
        with pytest.raises(ValidationError):
            make_class(users.official_a, units.province)  # a unit above: visible, not theirs
        assert make_class(users.official_a, units.commune_a).unit == units.commune_a

    def test_codes_are_unique_ignoring_case_and_dates_in_order(self, users, units):
        make_class(users.province, units.province, code="NN-2026-01")
        with pytest.raises(ValidationError) as error:
            make_class(users.province, units.province, code="nn-2026-01")
        assert error.value.message_dict["code"] == ["Another class has this code."]
        with pytest.raises(ValidationError) as error:
            make_class(users.province, units.province, start_date=days(-5), end_date=days(-6))
        assert "end_date" in error.value.message_dict


class EnrolmentTests:
    def test_enrolling_moves_a_registered_worker_to_training_and_gives_the_enterprise_of_the_class(
            self, users, units, make_worker, enterprises, reference):
        running = make_class(users.province, units.province, organiser_kind=OrganiserKind.ENTERPRISE,
                             enterprise=enterprises.active, country=reference.japan, start_date=days(-5),
                             end_date=days(30), kind="orientation", language="")
        worker = make_worker()
        services.enrolment_create(user=users.official_a, training_class=running, worker=worker)
        worker.refresh_from_db()
        assert worker.status == Status.TRAINING
        assert worker.status_changes.last().note == f"Enrolled in the class {running.code}"
        expected = ExpectedDeparture.objects.get(worker=worker)
        assert (expected.enterprise, expected.country) == (enterprises.active, reference.japan)

    def test_an_enterprise_already_recorded_is_kept(self, users, units, make_worker, enterprises):
        worker = make_worker()
        checklist.expected_departure_set(user=users.official_a, worker=worker, enterprise=enterprises.suspended)
        enterprise_class = make_class(users.province, units.province, organiser_kind=OrganiserKind.ENTERPRISE,
                                      enterprise=enterprises.active)
        services.enrolment_create(user=users.official_a, training_class=enterprise_class, worker=worker)
        assert ExpectedDeparture.objects.get(worker=worker).enterprise == enterprises.suspended

    def test_past_the_capacity_it_warns_then_accepts_up_to_the_provinces_limit_then_refuses(
            self, users, units, make_worker):
        small = make_class(users.province, units.province, capacity=10)  # default rule: +10% → at most 11
        services.enrolments_create(user=users.province, training_class=small,
                                   workers=[make_worker() for _ in range(10)])
        eleventh, twelfth = make_worker(), make_worker()
        with pytest.raises(services.OverCapacity) as warning:
            services.enrolment_create(user=users.province, training_class=small, worker=eleventh)
        assert "Over capacity: 11 enrolments for 10 places" in warning.value.messages[0]
        assert not Enrolment.objects.filter(worker=eleventh).exists()
        services.enrolment_create(user=users.province, training_class=small, worker=eleventh,
                                  confirm_over_capacity=True)
        with pytest.raises(ValidationError) as refusal:
            services.enrolment_create(user=users.province, training_class=small, worker=twelfth,
                                      confirm_over_capacity=True)
        assert "The class is full" in refusal.value.messages[0]
        assert small.enrolments.count() == 11

    def test_the_province_sets_the_hard_limit_and_a_dropout_frees_a_seat(self, users, units, make_worker):
        services.rule_set(user=users.province, province=units.province, over_capacity_percent=50)
        small = make_class(users.official_a, units.a, capacity=4)
        first, *others = [make_worker() for _ in range(6)]
        services.enrolments_create(user=users.official_a, training_class=small, workers=[first, *others],
                                   confirm_over_capacity=True)  # 6 = 4 + 50%
        late = make_worker()
        with pytest.raises(ValidationError):
            services.enrolment_create(user=users.official_a, training_class=small, worker=late,
                                      confirm_over_capacity=True)
        services.enrolment_update(user=users.official_a, enrolment=first.enrolments.get(),
                                  data=services.ResultInput(result=Result.DROPPED))
        services.enrolment_create(user=users.official_a, training_class=small, worker=late,
                                  confirm_over_capacity=True)
        with pytest.raises(ValidationError):
            services.rule_set(user=users.official_a, province=units.province, over_capacity_percent=80)

    def test_many_at_once_is_all_or_none(self, users, units, make_worker, reference):
        open_class = make_class(users.province, units.province, capacity=30)
        gone = make_worker()
        from workers import services as registry

        registry.departure_record(user=users.admin, worker=gone, date=days(-1), country=reference.japan)
        gone.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            services.enrolments_create(user=users.province, training_class=open_class,
                                       workers=[make_worker(), gone])
        assert "only a worker preparing to depart can be enrolled" in error.value.messages[0]
        assert open_class.enrolments.count() == 0

    def test_an_official_enrols_only_workers_of_their_units_in_classes_they_see(self, users, units, make_worker):
        provincial = make_class(users.province, units.province)
        bac_ai_class = make_class(users.official_b, units.b)
        worker_b = make_worker(units.commune_b)
        with pytest.raises(ValidationError) as error:
            services.enrolment_create(user=users.official_a, training_class=provincial, worker=worker_b)
        # Read like an unknown worker: the message tells nothing about who is registered in another unit.
        assert error.value.messages[0] == "Not found in your units." and worker_b.full_name not in str(error.value)
        with pytest.raises(ValidationError):
            services.enrolment_create(user=users.official_a, training_class=bac_ai_class, worker=make_worker())
        assert services.enrolment_create(user=users.official_b, training_class=provincial, worker=worker_b)

    def test_a_worker_enrolled_twice_is_refused(self, users, units, make_worker):
        training_class = make_class(users.province, units.province)
        worker = make_worker()
        services.enrolment_create(user=users.province, training_class=training_class, worker=worker)
        with pytest.raises(ValidationError) as error:
            services.enrolment_create(user=users.province, training_class=training_class, worker=worker)
        assert "Already enrolled" in error.value.messages[0]


class ResultTests:
    @pytest.fixture
    def enrolment(self, users, units, make_worker):
        training_class = make_class(users.province, units.province, start_date=days(-120), end_date=days(-20))
        return services.enrolment_create(user=users.province, training_class=training_class, worker=make_worker())

    def test_a_certificate_dated_before_the_class_is_refused_and_nothing_is_saved(self, users, enrolment):
        data = services.ResultInput(result=Result.PASSED, certificate_no="N4-001", certificate_date=days(-121),
                                    level="JLPT N4")
        with pytest.raises(ValidationError) as error:
            services.enrolment_update(user=users.province, enrolment=enrolment, data=data)
        assert "before the class started" in error.value.message_dict["certificate_date"][0]
        enrolment.refresh_from_db()
        assert (enrolment.result, enrolment.certificate_no) == (Result.ENROLLED, "")
        assert not enrolment.worker.checklist.exists()

    def test_a_jlpt_certificate_marks_the_language_item_of_the_checklist_done(self, users, enrolment):
        services.enrolment_update(user=users.province, enrolment=enrolment, data=services.ResultInput(
            result=Result.PASSED, attendance=96, certificate_no="N4-001", certificate_date=days(-5), level="JLPT N4"))
        entry = enrolment.worker.checklist.get(item__code="language_cert")
        assert (entry.status, entry.document_no, entry.date, entry.result) == (
            ChecklistStatus.DONE, "N4-001", days(-5), "JLPT N4")

    def test_an_eps_topik_score_is_kept_and_checked(self, users, enrolment):
        with pytest.raises(ValidationError) as error:
            services.enrolment_update(user=users.province, enrolment=enrolment,
                                      data=services.ResultInput(result=Result.PASSED, score=1200))
        assert "score" in error.value.message_dict
        services.enrolment_update(user=users.province, enrolment=enrolment, data=services.ResultInput(
            result=Result.PASSED, certificate_no="EPS-17", certificate_date=days(-3), level="EPS-TOPIK", score=152))
        assert enrolment.worker.checklist.get(item__code="language_cert").result == "EPS-TOPIK, 152 điểm"

    def test_a_certificate_goes_with_a_pass_a_number_and_a_date(self, users, enrolment):
        for data, field in (
            (services.ResultInput(result=Result.FAILED, certificate_no="X", certificate_date=days(-3)), "result"),
            (services.ResultInput(result=Result.PASSED, certificate_no="X"), "certificate_date"),
            (services.ResultInput(result=Result.PASSED, certificate_date=days(-3)), "certificate_no"),
            (services.ResultInput(result=Result.PASSED, attendance=101), "attendance"),
        ):
            with pytest.raises(ValidationError) as error:
                services.enrolment_update(user=users.province, enrolment=enrolment, data=data)
            assert field in error.value.message_dict
