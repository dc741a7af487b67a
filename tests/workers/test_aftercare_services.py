"""After departure in the registry: contracts and extensions, absconding, overstay computed from the contract's
end and the grace period, the returnee's outcome and follow-ups, the rule and the province's settings."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from workers import services
from workers.contracts import add_months, due_return_dates, follow_up_schedule
from workers.models import (
    Absconding,
    AftercareSettings,
    ContractExtension,
    Departure,
    FollowUp,
    OverstayRule,
    Return,
    ReturnOutcome,
    Status,
    StatusChange,
    Work,
)
from workers.overstay import Thresholds, departure_overstay, settings_for
from workers.selectors import after_departure, returnee_followups_due, worker_detail, worker_timeline


@pytest.fixture
def korea(make_worker, users, reference, units):
    """A worker of unit A who left for Korea (EPS) on 15/03/2021 for 58 months: the contract ends 15/01/2026."""
    worker = make_worker()
    departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2021, 3, 15),
                                          country=reference.korea, programme=reference.eps, contract_months=58)
    worker.refresh_from_db()
    return worker, departure


class ContractTests:
    def test_the_end_is_the_departure_date_plus_the_months_clamped_to_the_month(self):
        assert add_months(dt.date(2021, 3, 15), 58) == dt.date(2026, 1, 15)
        assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
        assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
        assert add_months(dt.date(2023, 12, 31), -3) == dt.date(2023, 9, 30)

    def test_a_departure_carries_its_contract(self, make_worker, users, reference):
        departure = services.departure_record(
            user=users.admin, worker=make_worker(), date=dt.date(2024, 3, 1), country=reference.korea,
            programme=reference.eps, contract_end=dt.date(2027, 2, 28), employer_name="  Hanil   Metal ",
            employer_country=reference.korea, employer_sector="manufacturing", monthly_wage=Decimal("2060740"),
            wage_currency="KRW")
        departure.refresh_from_db()
        assert (departure.contract_end, departure.employer_name, departure.employer_sector) == (
            dt.date(2027, 2, 28), "Hanil Metal", "manufacturing")
        assert (departure.monthly_wage, departure.wage_currency) == (Decimal("2060740.00"), "KRW")

    def test_the_end_given_wins_over_the_months(self, make_worker, users, reference):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 3, 1),
                                              country=reference.japan, contract_months=36,
                                              contract_end=dt.date(2027, 2, 28))
        assert (departure.contract_end, departure.contract_months) == (dt.date(2027, 2, 28), 36)

    def test_a_contract_ending_before_the_departure_is_refused_and_nothing_is_saved(self, make_worker, users,
                                                                                   reference):
        worker = make_worker()
        with pytest.raises(ValidationError) as exc:
            services.departure_record(user=users.admin, worker=worker, date=dt.date(2024, 3, 1),
                                      country=reference.japan, contract_end=dt.date(2024, 3, 1))
        assert "contract_end" in exc.value.message_dict
        assert Departure.objects.count() == 0
        worker.refresh_from_db()
        assert worker.status == Status.REGISTERED

    def test_a_wage_needs_its_currency(self, make_worker, users, reference):
        with pytest.raises(ValidationError) as exc:
            services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 3, 1),
                                      country=reference.japan, monthly_wage=Decimal(180000))
        assert "wage_currency" in exc.value.message_dict

    def test_extensions_move_the_end_and_keep_the_history(self, korea, users):
        _worker, departure = korea
        first = services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 1, 15),
                                         approved_on=dt.date(2025, 11, 1))
        services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 7, 15),
                                 approved_on=dt.date(2026, 10, 1))
        departure.refresh_from_db()
        assert departure.contract_end == dt.date(2027, 7, 15)
        assert list(ContractExtension.objects.order_by("pk").values_list("previous_end", "new_end")) == [
            (dt.date(2026, 1, 15), dt.date(2027, 1, 15)), (dt.date(2027, 1, 15), dt.date(2027, 7, 15))]
        assert first.approved_on == dt.date(2025, 11, 1)

    def test_an_extension_before_the_end_in_force_is_refused_and_nothing_is_saved(self, korea, users):
        _worker, departure = korea
        for new_end in (dt.date(2026, 1, 15), dt.date(2025, 12, 31)):
            with pytest.raises(ValidationError) as exc:
                services.contract_extend(user=users.admin, departure=departure, new_end=new_end,
                                         approved_on=dt.date(2025, 11, 1))
            assert "new_end" in exc.value.message_dict
        departure.refresh_from_db()
        assert departure.contract_end == dt.date(2026, 1, 15) and not ContractExtension.objects.exists()

    def test_an_extension_approved_in_the_future_or_after_the_return_is_refused(self, korea, users):
        _worker, departure = korea
        with pytest.raises(ValidationError):
            services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 1, 1),
                                     approved_on=dt.date.today() + dt.timedelta(days=3))
        services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 1, 20))
        with pytest.raises(ValidationError):
            services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 1, 1),
                                     approved_on=dt.date(2025, 12, 1))
        assert not ContractExtension.objects.exists()

    def test_the_contract_can_be_completed_and_the_return_takes_the_new_end(self, make_worker, users, reference):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2021, 3, 1),
                                              country=reference.japan)
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2024, 6, 1))
        assert (record.outcome, record.days_past_contract) == (ReturnOutcome.ON_TIME, None)
        services.contract_update(user=users.admin, departure=departure, contract_months=36)
        record.refresh_from_db()
        assert (record.outcome, record.days_past_contract) == (ReturnOutcome.AFTER_OVERSTAY, 92)


class ReturnOutcomeTests:
    def test_on_time_early_and_after_overstaying_follow_the_end_and_the_grace(self, make_worker, users, reference,
                                                                              units):
        AftercareSettings.objects.create(unit=units.province, grace_days=45)
        outcomes = []
        for back in (dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 4, 15), dt.date(2024, 4, 16)):
            departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2021, 3, 1),
                                                  country=reference.japan, contract_months=36)
            record = services.return_record(user=users.admin, departure=departure, date=back)
            outcomes.append((record.outcome, record.days_past_contract, record.early))
        assert outcomes == [(ReturnOutcome.EARLY, -60, True), (ReturnOutcome.ON_TIME, 0, False),
                            (ReturnOutcome.ON_TIME, 45, False), (ReturnOutcome.AFTER_OVERSTAY, 46, False)]
        notes = list(StatusChange.objects.filter(to_status=Status.RETURNED).values_list("note", flat=True))
        assert notes[0] == "Về nước trước hạn" and notes[-1] == "Về nước sau khi quá hạn"


class AbscondingTests:
    def test_absconding_is_dated_and_marks_the_worker(self, korea, users):
        worker, departure = korea
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="embassy", place=" Ansan ")
        worker.refresh_from_db()
        assert worker.status == Status.ABSCONDED and event.place == "Ansan" and event.closed_on is None
        assert StatusChange.objects.filter(worker=worker).last().to_status == Status.ABSCONDED

    @pytest.mark.parametrize("learned", [dt.date(2021, 3, 14), dt.date(2026, 2, 2)])
    def test_a_date_before_the_departure_or_after_the_return_is_refused(self, korea, users, learned):
        worker, departure = korea
        services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 2, 1))
        with pytest.raises(ValidationError) as exc:
            services.absconding_record(user=users.admin, departure=departure, learned_on=learned, source="family")
        assert "learned_on" in exc.value.message_dict
        assert not Absconding.objects.exists()
        worker.refresh_from_db()
        assert worker.status == Status.RETURNED

    def test_an_absconding_found_later_is_closed_and_the_worker_is_abroad_again(self, korea, users):
        worker, departure = korea
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="enterprise")
        with pytest.raises(ValidationError):
            services.absconding_close(user=users.admin, event=event, closed_on=dt.date(2023, 5, 1))
        services.absconding_close(user=users.admin, event=event, closed_on=dt.date(2023, 7, 1), note="Đã tìm thấy")
        event.refresh_from_db()
        worker.refresh_from_db()
        assert (event.closed_on, event.closed_how, worker.status) == (dt.date(2023, 7, 1), "found", Status.DEPARTED)

    def test_the_return_closes_an_open_absconding_and_is_after_overstaying(self, korea, users):
        _worker, departure = korea
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="family")
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2024, 1, 10))
        event.refresh_from_db()
        assert (event.closed_on, event.closed_how) == (dt.date(2024, 1, 10), "returned")
        assert record.outcome == ReturnOutcome.AFTER_OVERSTAY

    def test_one_open_absconding_per_departure(self, korea, users):
        _worker, departure = korea
        services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                   source="family")
        with pytest.raises(ValidationError):
            services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 6, 2),
                                       source="family")
        assert Absconding.objects.count() == 1

    def test_an_absconding_learned_after_a_return_already_recorded_is_closed_by_it(self, korea, users):
        worker, departure = korea
        services.return_record(user=users.admin, departure=departure, date=dt.date(2024, 1, 10))
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="family")
        worker.refresh_from_db()
        assert (event.closed_on, event.closed_how, worker.status) == (dt.date(2024, 1, 10), "returned",
                                                                      Status.RETURNED)
        assert Return.objects.get().outcome == ReturnOutcome.AFTER_OVERSTAY

    def test_a_bare_status_change_records_the_absconding_as_learned_today(self, korea, users):
        worker, departure = korea
        services.worker_change_status(user=users.admin, worker=worker, to_status=Status.ABSCONDED, note="Tin báo")
        event = Absconding.objects.get()
        assert (event.departure, event.source, event.note) == (departure, "other", "Tin báo")


class OverstayTests:
    def test_overstay_is_computed_from_the_contract_end_and_the_provinces_grace(self, korea, users, units):
        _worker, departure = korea  # ends 15/01/2026
        assert departure_overstay(departure, grace_days=30, today=dt.date(2026, 2, 14)) is None
        stay = departure_overstay(departure, grace_days=30, today=dt.date(2026, 2, 15))
        assert (stay.since, stay.until) == (dt.date(2026, 2, 15), None)
        AftercareSettings.objects.create(unit=units.province, grace_days=60)
        assert settings_for(departure.unit).grace_days == 60
        assert departure_overstay(departure, grace_days=60, today=dt.date(2026, 2, 15)) is None

    def test_an_extension_moves_the_overstay(self, korea, users):
        _worker, departure = korea
        services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2027, 1, 15),
                                 approved_on=dt.date(2025, 12, 1))
        departure.refresh_from_db()
        assert departure_overstay(departure, grace_days=30, today=dt.date(2026, 11, 1)) is None
        assert departure_overstay(departure, grace_days=30, today=dt.date(2027, 2, 15)).since == dt.date(2027, 2, 15)

    def test_a_late_return_ends_the_overstay(self, korea, users):
        _worker, departure = korea
        services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 3, 1))
        departure = Departure.objects.select_related("return_record").get(pk=departure.pk)
        stay = departure_overstay(departure, grace_days=30, today=dt.date(2026, 11, 1))
        assert (stay.since, stay.until, stay.days) == (dt.date(2026, 2, 15), dt.date(2026, 2, 28), 14)

    def test_the_worker_page_timeline_shows_the_events_in_order(self, korea, users):
        worker, departure = korea
        services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2026, 3, 15),
                                 approved_on=dt.date(2025, 12, 1))
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="family")
        services.absconding_close(user=users.admin, event=event, closed_on=dt.date(2023, 8, 2))
        loaded = worker_detail(users.admin, worker.pk)
        kinds = [(e.kind, e.day) for e in worker_timeline(loaded, grace_days=30, today=dt.date(2026, 11, 1))
                 if e.kind != "status"]
        assert kinds == [("absconded", dt.date(2023, 5, 2)), ("found", dt.date(2023, 8, 2)),
                         ("extension", dt.date(2025, 12, 1)), ("overstay", dt.date(2026, 4, 15))]


class FollowUpTests:
    def test_follow_ups_are_due_at_3_6_and_12_months_until_the_next_one(self):
        schedule = follow_up_schedule(dt.date(2025, 11, 30))
        assert [(due.milestone, due.due_on, due.closes_on) for due in schedule] == [
            (3, dt.date(2026, 2, 28), dt.date(2026, 5, 30)), (6, dt.date(2026, 5, 30), dt.date(2026, 11, 30)),
            (12, dt.date(2026, 11, 30), dt.date(2027, 2, 28))]
        three = schedule[0]
        assert [three.state(day) for day in (dt.date(2026, 2, 27), dt.date(2026, 2, 28), dt.date(2026, 5, 29),
                                             dt.date(2026, 5, 30))] == ["upcoming", "due", "due", "missed"]

    def test_the_returns_due_on_a_day_are_those_the_schedule_says(self):
        today = dt.date(2026, 5, 31)
        for milestone in (3, 6, 12):
            earliest, latest = due_return_dates(milestone, today)
            for back in (earliest - dt.timedelta(days=1), earliest, latest, latest + dt.timedelta(days=1)):
                due = next(d for d in follow_up_schedule(back) if d.milestone == milestone)
                assert (due.state(today) == "due") == (earliest <= back <= latest), (milestone, back)

    def test_due_follow_ups_are_listed_per_scope_and_leave_once_done(self, make_worker, users, reference, units):
        today = dt.date(2026, 6, 15)
        made = {}
        for unit, back in ((units.commune_a, dt.date(2026, 3, 1)), (units.commune_a, dt.date(2025, 11, 20)),
                           (units.commune_b, dt.date(2026, 2, 10)), (units.commune_a, dt.date(2026, 4, 1))):
            departure = services.departure_record(user=users.admin, worker=make_worker(unit), date=dt.date(2023, 1, 5),
                                                  country=reference.japan)
            made[back] = services.return_record(user=users.admin, departure=departure, date=back)
        due = returnee_followups_due(users.official_a, today)
        assert [(r.date, r.due_milestone) for r in due] == [(dt.date(2025, 11, 20), 6), (dt.date(2026, 3, 1), 3)]
        assert [r.date for r in returnee_followups_due(users.province, today)] == [
            dt.date(2025, 11, 20), dt.date(2026, 2, 10), dt.date(2026, 3, 1)]
        services.follow_up_record(user=users.official_a, return_record=made[dt.date(2026, 3, 1)], milestone=3,
                                  done_on=dt.date(2026, 6, 10), work=Work.UNEMPLOYED, needs_loan=True)
        assert [r.date for r in returnee_followups_due(users.official_a, today)] == [dt.date(2025, 11, 20)]

    def test_a_follow_up_keeps_what_it_found_on_the_return(self, make_worker, users, reference):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2023, 1, 5),
                                              country=reference.japan)
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2025, 1, 10))
        services.follow_up_record(user=users.official_a, return_record=record, milestone=3, done_on=dt.date(2025, 4, 12),
                                  work=Work.UNEMPLOYED, needs_job_referral=True, needs_training=True)
        services.follow_up_record(user=users.official_a, return_record=record, milestone=6, done_on=dt.date(2025, 7, 20),
                                  work=Work.EMPLOYED, certificate_used=True)
        record.refresh_from_db()
        assert (record.work, record.last_follow_up_on, record.needs_job_referral, record.needs_training) == (
            Work.EMPLOYED, dt.date(2025, 7, 20), False, False)
        again = services.follow_up_record(user=users.official_a, return_record=record, milestone=6,
                                          done_on=dt.date(2025, 7, 21), work=Work.SELF_EMPLOYED, needs_loan=True)
        record.refresh_from_db()
        assert FollowUp.objects.count() == 2 and again.by == users.official_a
        assert (record.work, record.needs_loan) == (Work.SELF_EMPLOYED, True)

    @pytest.mark.parametrize("done_on", [dt.date(2025, 1, 9), dt.date(2099, 1, 1)])
    def test_a_follow_up_before_the_return_or_in_the_future_is_refused(self, make_worker, users, reference, done_on):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2023, 1, 5),
                                              country=reference.japan)
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2025, 1, 10))
        with pytest.raises(ValidationError):
            services.follow_up_record(user=users.admin, return_record=record, milestone=3, done_on=done_on,
                                      work=Work.EMPLOYED)
        assert not FollowUp.objects.exists()

    def test_the_worker_page_knows_which_follow_ups_are_done_due_or_missed(self, make_worker, users, reference):
        worker = make_worker()
        departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2023, 1, 5),
                                              country=reference.japan)
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2025, 10, 1))
        services.follow_up_record(user=users.admin, return_record=record, milestone=3, done_on=dt.date(2026, 1, 5),
                                  work=Work.EMPLOYED)
        loaded = worker_detail(users.admin, worker.pk)
        after = after_departure(loaded.departures.all()[0], grace_days=30, today=dt.date(2026, 10, 2))
        assert [line.state for line in after.follow_ups] == ["done", "missed", "due"]


class RuleAndSettingsTests:
    def rule(self, reference, **changes):
        values = {"programme": reference.eps, "year": 2020, "min_stayers": 53, "min_rate": Decimal(28),
                  "window_from": dt.date(2019, 1, 1), "window_to": dt.date(2020, 2, 29), "as_of": dt.date(2020, 2, 29)}
        return services.overstay_rule_save(user=None, **(values | changes))

    def test_a_rate_over_100_percent_is_refused_and_nothing_is_saved(self, db, reference):
        with pytest.raises(ValidationError) as exc:
            self.rule(reference, min_rate=Decimal("100.5"))
        assert "min_rate" in exc.value.message_dict and not OverstayRule.objects.exists()

    def test_a_window_backwards_or_a_second_rule_of_the_year_is_refused(self, db, reference):
        with pytest.raises(ValidationError):
            self.rule(reference, window_to=dt.date(2018, 12, 31))
        self.rule(reference)
        with pytest.raises(ValidationError) as exc:
            self.rule(reference, min_stayers=60)
        assert "year" in exc.value.message_dict and OverstayRule.objects.count() == 1

    def test_thresholds_are_inclusive_or_strict_and_the_rate_is_exact(self, db, reference):
        inclusive = Thresholds.of(self.rule(reference))
        assert inclusive.count_reached(53) and not inclusive.count_reached(52)
        assert inclusive.rate_reached(28, 100) and not inclusive.rate_reached(27, 100)
        assert inclusive.rate_reached(7, 25) and not inclusive.rate_reached(1, 0)
        strict = Thresholds(programme_id=reference.eps.pk, min_stayers=60, min_rate=Decimal(35),
                            window_from=dt.date(2015, 1, 1), window_to=dt.date(2016, 1, 1), stayers_inclusive=True,
                            rate_inclusive=False)  # 2016: more than 35 % and at least 60 people
        assert strict.count_reached(60) and not strict.rate_reached(35, 100) and strict.rate_reached(36, 100)

    def test_the_provinces_settings_are_checked(self, users, units):
        with pytest.raises(ValidationError) as exc:
            services.aftercare_settings_save(user=users.province, province=units.province, grace_days=400,
                                             absconding_rate_threshold=Decimal(101), absconding_min_departures=0,
                                             absconding_lookback_years=5)
        assert set(exc.value.message_dict) == {"grace_days", "absconding_rate_threshold", "absconding_min_departures"}
        with pytest.raises(ValidationError):
            services.aftercare_settings_save(user=users.official_a, province=units.a, grace_days=30,
                                             absconding_rate_threshold=Decimal(10), absconding_min_departures=10,
                                             absconding_lookback_years=5)
        services.aftercare_settings_save(user=users.province, province=units.province, grace_days=45,
                                         absconding_rate_threshold=Decimal("12.5"), absconding_min_departures=8,
                                         absconding_lookback_years=3)
        assert settings_for(units.commune_b).grace_days == 45


class EnterpriseWarningTests:
    def test_a_departure_through_an_enterprise_that_loses_many_workers_warns(self, make_worker, users, reference,
                                                                            enterprises, units):
        AftercareSettings.objects.create(unit=units.province, absconding_rate_threshold=Decimal(20),
                                         absconding_min_departures=5)
        for n in range(5):
            departure = services.departure_record(user=users.admin, worker=make_worker(),
                                                  date=dt.date(2023, 1, 2 + n), country=reference.japan,
                                                  programme=reference.titp, enterprise=enterprises.active)
            if n < 2:
                services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 9, 1),
                                           source="enterprise")
        other_programme = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 2, 1),
                                                    country=reference.korea, programme=reference.eps,
                                                    enterprise=enterprises.active)
        assert other_programme.warning == ""
        warned = services.departure_record(user=users.admin, worker=make_worker(unit=units.commune_b),
                                           date=dt.date(2024, 2, 1), country=reference.japan,
                                           programme=reference.titp, enterprise=enterprises.active)
        assert "2 trong số 5" in warned.warning and "40,0%" in warned.warning and "20,0%" in warned.warning

    def test_below_the_minimum_number_of_departures_there_is_no_warning(self, make_worker, users, reference,
                                                                       enterprises):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2023, 1, 2),
                                              country=reference.japan, programme=reference.titp,
                                              enterprise=enterprises.active)
        services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 9, 1),
                                   source="enterprise")
        warned = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 2, 1),
                                           country=reference.japan, programme=reference.titp,
                                           enterprise=enterprises.active)
        assert warned.warning == ""
