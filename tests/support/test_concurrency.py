"""Two payments under the same policy at the same time: the budget row lock makes the second wait and
then see the first, so they cannot both pass. Needs real row locks (PostgreSQL); SQLite has one writer
at a time and no SELECT … FOR UPDATE, so the test is skipped there (the suite's CI runs PostgreSQL)."""
from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from support import services
from support.models import PaymentLine
from tests.support.factories import D
from workers.models import HouseholdStatus


@pytest.fixture(autouse=True)
def _seeded(reference_data):
    """Earlier transactional tests flush every table, the migrations' reference data included."""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
class ConcurrentPaymentTests:
    def test_the_second_payment_waits_for_the_first_and_is_refused(self, support, make_worker, units):
        other = make_worker(units.commune_a, full_name="Người Thứ Hai",
                            household_statuses=[HouseholdStatus.objects.get(code="near_poor")])
        first_saved, release = threading.Event(), threading.Event()
        outcome: dict[str, object] = {}

        def first():
            try:
                with transaction.atomic():
                    services.payment_record(user=None, worker=support.poor_a, policy=support.poverty,
                                            date=D(2026, 3, 2), decision_no="1", lines=[(support.language, 6_000_000)])
                    first_saved.set()
                    release.wait(10)
            finally:
                connection.close()

        def second():
            try:
                services.payment_record(user=None, worker=other, policy=support.poverty, date=D(2026, 3, 2),
                                        decision_no="2", lines=[(support.language, 5_000_000)])
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
        assert b.is_alive(), "the second payment must wait for the budget row"
        release.set()
        a.join(10)
        b.join(10)
        assert isinstance(outcome["second"], ValidationError)
        assert list(PaymentLine.objects.values_list("amount", flat=True)) == [6_000_000]
