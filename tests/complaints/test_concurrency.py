"""Two officials moving the same case at once, and two intakes naming the same new broker at once. Needs real
row locks (PostgreSQL); skipped on SQLite, which has one writer at a time (the suite's CI runs PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from complaints import services
from complaints.models import Case, CaseStep, Party, Status
from tests.complaints.conftest import TODAY


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
class ConcurrentStepTests:
    def test_the_second_step_waits_for_the_first_and_is_refused(self, make_case):
        case = make_case(received_on=dt.date(2026, 3, 2))
        first_saved, release = threading.Event(), threading.Event()
        outcome: dict[str, object] = {}

        def first():
            try:
                with transaction.atomic():
                    services.case_advance(user=None, case=Case.objects.get(pk=case.pk), to_status=Status.VERIFYING,
                                          on=dt.date(2026, 3, 5), today=TODAY)
                    first_saved.set()
                    release.wait(10)
            finally:
                connection.close()

        def second():
            try:
                services.case_advance(user=None, case=Case.objects.get(pk=case.pk), to_status=Status.CLOSED,
                                      on=dt.date(2026, 3, 4), note="Rút đơn", today=TODAY)
                outcome["second"] = "saved"
            except ValidationError as exc:
                outcome["second"] = exc
            finally:
                connection.close()

        a = threading.Thread(target=first)
        a.start()
        assert first_saved.wait(10)
        b = threading.Thread(target=second)
        b.start()
        b.join(1.0)
        assert b.is_alive(), "the second step must wait for the case row"
        release.set()
        a.join(10)
        b.join(10)
        # It then sees the case being verified since 05/03: a closure dated 04/03 is before that step began.
        assert isinstance(outcome["second"], ValidationError)
        assert list(CaseStep.objects.filter(case=case).order_by("started_on").values_list("status", flat=True)) == [
            Status.RECEIVED, Status.VERIFYING]

    def test_two_intakes_naming_a_new_broker_at_once_make_one_party(self, make_case, units):
        barrier = threading.Barrier(2)
        made: list[int] = []

        def intake(unit, phone):
            try:
                barrier.wait(5)
                made.append(make_case(unit, respondent_phone=phone).party_id)
            finally:
                connection.close()

        threads = [threading.Thread(target=intake, args=(units.a, "0912 345 678")),
                   threading.Thread(target=intake, args=(units.b, "+84 912 345 678"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert len(made) == 2 and made[0] == made[1]
        assert Party.objects.count() == 1
