"""The after-departure screens of the registry: the contract, extensions, absconding and the follow-ups through
their forms, the worker page, the returnee list (filters, scope, flat query counts), the rules and the province's
settings."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from workers import services
from workers.models import (
    Absconding,
    AftercareSettings,
    ContractExtension,
    Departure,
    FollowUp,
    OverstayRule,
    Status,
    Work,
)


@pytest.fixture
def abroad(make_worker, users, reference, units):
    """A worker of unit A in Korea since 15/03/2021 for 58 months (ends 15/01/2026), not back."""
    worker = make_worker(units.commune_a)
    departure = services.departure_record(user=users.admin, worker=worker, date=dt.date(2021, 3, 15),
                                          country=reference.korea, programme=reference.eps, contract_months=58)
    return worker, departure


class DepartureFormTests:
    def test_the_departure_form_records_the_contract_in_vietnamese_formats(self, make_worker, users, reference,
                                                                           client_for):
        worker = make_worker()
        response = client_for(users.official_a).post(reverse("workers:departure_create", args=[worker.pk]), {
            "date": "01/03/2024", "country": reference.korea.pk, "programme": reference.eps.pk,
            "contract_end": "28/02/2027", "employer_name": "Hanil", "employer_sector": "manufacturing",
            "monthly_wage": "2.060.740", "wage_currency": "KRW"})
        assert response.status_code == 302
        departure = Departure.objects.get()
        assert (departure.contract_end, departure.monthly_wage, departure.employer_country) == (
            dt.date(2027, 2, 28), Decimal("2060740"), reference.korea)

    def test_a_contract_ending_before_the_departure_shows_beside_the_field(self, make_worker, users, reference,
                                                                           client_for):
        worker = make_worker()
        response = client_for(users.official_a).post(reverse("workers:departure_create", args=[worker.pk]), {
            "date": "01/03/2024", "country": reference.japan.pk, "contract_end": "01/02/2024"})
        assert response.status_code == 200 and "không sau ngày xuất cảnh" in response.content.decode()
        assert not Departure.objects.exists()


class AfterDepartureFormTests:
    def test_an_extension_through_the_form_moves_the_end(self, abroad, users, client_for):
        worker, departure = abroad
        client = client_for(users.official_a)
        url = reverse("workers:extension_create", args=[departure.pk])
        bad = client.post(url, {"new_end": "01/01/2026", "approved_on": "01/12/2025"})
        assert bad.status_code == 200 and "phải sau ngày hết hạn đang có hiệu lực (15/01/2026)" in bad.content.decode()
        assert client.post(url, {"new_end": "15/01/2027", "approved_on": "01/12/2025"}).status_code == 302
        departure.refresh_from_db()
        assert departure.contract_end == dt.date(2027, 1, 15) and ContractExtension.objects.count() == 1

    def test_absconding_then_found_through_the_forms(self, abroad, users, client_for):
        worker, departure = abroad
        client = client_for(users.official_a)
        url = reverse("workers:absconding_create", args=[departure.pk])
        bad = client.post(url, {"learned_on": "01/01/2021", "source": "family"})
        assert "trước ngày xuất cảnh 15/03/2021" in bad.content.decode() and not Absconding.objects.exists()
        assert client.post(url, {"learned_on": "02/05/2023", "source": "embassy", "place": "Ansan"}).status_code == 302
        event = Absconding.objects.get()
        worker.refresh_from_db()
        assert worker.status == Status.ABSCONDED
        assert client.post(reverse("workers:absconding_close", args=[event.pk]),
                           {"closed_on": "01/07/2023"}).status_code == 302
        worker.refresh_from_db()
        assert worker.status == Status.DEPARTED

    def test_a_follow_up_through_the_form(self, abroad, users, client_for):
        _worker, departure = abroad
        record = services.return_record(user=users.admin, departure=departure, date=dt.date(2026, 1, 20))
        client = client_for(users.official_a)
        url = reverse("workers:follow_up_create", args=[record.pk])
        assert client.get(url).status_code == 200
        response = client.post(url, {"milestone": "3", "done_on": "25/04/2026", "work": Work.UNEMPLOYED,
                                     "certificate_used": "no", "needs": ["loan", "training"]})
        assert response.status_code == 302
        follow_up = FollowUp.objects.get()
        assert (follow_up.certificate_used, follow_up.needs_loan, follow_up.needs_training, follow_up.by) == (
            False, True, True, users.official_a)

    def test_the_contract_form_completes_a_departure_recorded_without_one(self, make_worker, users, reference,
                                                                         client_for):
        departure = services.departure_record(user=users.admin, worker=make_worker(), date=dt.date(2024, 3, 1),
                                              country=reference.japan)
        response = client_for(users.official_a).post(reverse("workers:contract_edit", args=[departure.pk]),
                                                     {"contract_months": "36", "monthly_wage": "180.000,50",
                                                      "wage_currency": "JPY"})
        assert response.status_code == 302
        departure.refresh_from_db()
        assert (departure.contract_end, departure.monthly_wage) == (dt.date(2027, 3, 1), Decimal("180000.50"))

    def test_a_viewer_cannot_write_and_another_units_event_is_404(self, abroad, users, client_for, make_worker,
                                                                  reference, units):
        _worker, departure = abroad
        event = services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                           source="family")
        assert client_for(users.viewer).get(reverse("workers:absconding_close", args=[event.pk])).status_code == 403
        for name, pk in (("workers:absconding_close", event.pk), ("workers:extension_create", departure.pk),
                         ("workers:contract_edit", departure.pk)):
            assert client_for(users.official_b).get(reverse(name, args=[pk])).status_code == 404
        assert client_for(users.province).get(reverse("workers:absconding_close", args=[event.pk])).status_code == 200


class WorkerPageTests:
    def test_the_page_shows_the_contract_the_events_and_the_computed_overstay(self, abroad, users, client_for):
        worker, departure = abroad
        services.contract_extend(user=users.admin, departure=departure, new_end=dt.date(2026, 3, 15),
                                 approved_on=dt.date(2025, 12, 1))
        services.absconding_record(user=users.admin, departure=departure, learned_on=dt.date(2023, 5, 2),
                                   source="embassy", place="Ansan")
        html = client_for(users.official_a).get(reverse("workers:worker_detail", args=[worker.pk])).content.decode()
        assert "hết hạn ngày 15/03/2026" in html and "Gia hạn từ 15/01/2026 đến 15/03/2026" in html
        assert 'data-testid="timeline-absconded"' in html and "nguồn: Đại sứ quán" in html
        assert 'data-testid="timeline-overstay"' in html and "quá hạn từ 15/04/2026" in html
        assert 'data-testid="timeline-extension"' in html


@pytest.fixture
def returnees(make_worker, users, reference, units):
    def make(count: int, unit=None, *, back=dt.date(2026, 6, 1)):
        made = []
        for _n in range(count):
            departure = services.departure_record(user=users.admin, worker=make_worker(unit or units.commune_a),
                                                  date=dt.date(2023, 1, 5), country=reference.japan)
            made.append(services.return_record(user=users.admin, departure=departure, date=back))
        return made

    return make


class ReturneeListTests:
    def test_it_filters_by_need_and_by_follow_up_due_within_the_scope(self, returnees, users, units, client_for,
                                                                      monkeypatch):
        # On 15/11/2026 the 3-month follow-up of a return of 01/06/2026 is due, the 6-month one (01/12) not yet.
        monkeypatch.setattr(services, "today", lambda: dt.date(2026, 11, 15))
        due, followed = returnees(2)
        returnees(1, units.commune_b)
        services.follow_up_record(user=users.admin, return_record=followed, milestone=3,
                                  done_on=dt.date(2026, 9, 5), work=Work.UNEMPLOYED, needs_loan=True)
        client = client_for(users.official_a)
        html = client.get(reverse("workers:returnee_list")).content.decode()
        assert html.count('data-testid="returnees"') == 1 and "2 người về nước" in html
        loan = client.get(reverse("workers:returnee_list"), {"need": "loan"}).content.decode()
        assert followed.departure.worker.full_name in loan and due.departure.worker.full_name not in loan
        due_now = client.get(reverse("workers:returnee_list"), {"due": "on"}).content.decode()
        assert due.departure.worker.full_name in due_now and followed.departure.worker.full_name not in due_now
        assert client.get(reverse("workers:returnee_list"), {"unit": units.b.pk}).status_code == 404
        assert "3 người về nước" in client_for(users.province).get(reverse("workers:returnee_list")).content.decode()

    def test_the_list_makes_as_many_queries_for_many_returnees_as_for_few(self, returnees, users, client_for):
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_for(users.official_a)
        returnees(2)
        cache.clear()  # the filter's units are cached: both pages compute them
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("workers:returnee_list"))
        returnees(15)
        cache.clear()
        with CaptureQueriesContext(connection) as many:
            html = client.get(reverse("workers:returnee_list")).content.decode()
        assert "17 người về nước" in html and len(many.captured_queries) == len(few.captured_queries)


class RuleAndSettingsPageTests:
    def test_the_province_enters_a_rule_and_a_rate_over_100_is_refused(self, users, reference, client_for):
        client = client_for(users.province)
        values = {"programme": reference.eps.pk, "year": "2020", "min_stayers": "53", "stayers_inclusive": "1",
                  "min_rate": "128", "rate_inclusive": "1", "window_from": "01/01/2019", "window_to": "29/02/2020",
                  "as_of": "29/02/2020"}
        bad = client.post(reverse("workers:overstay_rule_create"), values)
        assert bad.status_code == 200 and "phần trăm từ 0 đến 100" in bad.content.decode()
        assert not OverstayRule.objects.exists()
        assert client.post(reverse("workers:overstay_rule_create"), values | {"min_rate": "28"}).status_code == 302
        rule = OverstayRule.objects.get()
        assert (rule.min_rate, rule.rate_inclusive) == (Decimal(28), True)
        assert client_for(users.official_a).post(reverse("workers:overstay_rule_create"), values).status_code == 403
        listed = client_for(users.official_a).get(reverse("workers:overstay_rule_list")).content.decode()
        assert "≥ 28%" in listed

    def test_the_province_sets_its_grace_period_and_an_official_cannot(self, users, units, client_for):
        client = client_for(users.province)
        assert "giá trị mặc định" in client.get(reverse("workers:aftercare_settings")).content.decode()
        response = client.post(reverse("workers:aftercare_settings"), {
            "grace_days": "45", "absconding_rate_threshold": "12,5", "absconding_min_departures": "8",
            "absconding_lookback_years": "3"})
        assert response.status_code == 302
        settings = AftercareSettings.objects.get(unit=units.province)
        assert (settings.grace_days, settings.absconding_rate_threshold) == (45, Decimal("12.5"))
        assert client_for(users.official_a).get(reverse("workers:aftercare_settings")).status_code == 403
        admin = client_for(users.admin).get(reverse("workers:aftercare_settings"), {"unit": units.province.pk})
        assert admin.status_code == 200 and 'value="45"' in admin.content.decode()


class HomeInboxFollowUpTests:
    """The home page's inbox lists the returnees whose follow-up is due (cached with the data's versions: a follow-up
    recorded drops it at once)."""

    def test_the_due_follow_ups_are_listed_and_leave_once_recorded(self, make_worker, users, reference, units,
                                                                    client_for):
        from django.utils import timezone

        from workers.contracts import add_months
        from workers.models import Work

        today = timezone.localdate()
        back = add_months(today, -4)  # the 3-month follow-up is due (until the 6th month)
        departure = services.departure_record(user=users.admin, worker=make_worker(units.commune_a),
                                              date=add_months(today, -30), country=reference.japan)
        record = services.return_record(user=users.admin, departure=departure, date=back)
        client = client_for(users.official_a)
        html = client.get(reverse("home")).content.decode()
        assert 'data-testid="inbox-followups"' in html and departure.worker.full_name in html
        assert client_for(users.official_b).get(reverse("home")).content.decode().count(departure.worker.full_name) == 0
        services.follow_up_record(user=users.official_a, return_record=record, milestone=3, done_on=today,
                                  work=Work.UNEMPLOYED)
        html = client.get(reverse("home")).content.decode()
        assert 'data-testid="inbox-followups"' not in html and departure.worker.full_name not in html
