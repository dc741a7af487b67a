"""The workflow of a case and its statutory deadlines, on a fixed calendar (``today`` passed explicitly)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from complaints import services, workflow
from complaints.models import Case, CaseStep, ReferredTo, Status, StepDeadline
from tests.complaints.conftest import TODAY

D = dt.date
pytestmark = pytest.mark.usefixtures("english")


def advance(case, to_status, on, **extra):
    return services.case_advance(user=None, case=case, to_status=to_status, on=on, today=TODAY, **extra)


def messages(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


class DeadlineTests:
    def test_a_received_case_is_due_ten_days_after_it_was_received(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        step = case.steps.get()
        assert (step.status, step.started_on, step.due_on) == (Status.RECEIVED, D(2026, 3, 2), D(2026, 3, 12))
        assert case.due_on == D(2026, 3, 12)

    def test_each_step_is_due_by_its_own_rule_counted_from_the_day_it_started(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        verifying = advance(case, Status.VERIFYING, D(2026, 3, 9))
        assert verifying.due_on == D(2026, 4, 8)  # 30 days to settle from acceptance
        referred = advance(case, Status.REFERRED, D(2026, 4, 1), referred_to=ReferredTo.POLICE)
        assert referred.due_on == D(2026, 5, 1)
        resolved = advance(case, Status.RESOLVED, D(2026, 4, 20), amount_recovered=10_000_000)
        assert resolved.due_on is None
        case.refresh_from_db()
        assert (case.status, case.closed_on, case.due_on, case.amount_recovered) == (
            Status.RESOLVED, D(2026, 4, 20), None, 10_000_000)
        ended = list(case.steps.order_by("started_on").values_list("status", "ended_on"))
        assert ended == [(Status.RECEIVED, D(2026, 3, 9)), (Status.VERIFYING, D(2026, 4, 1)),
                         (Status.REFERRED, D(2026, 4, 20)), (Status.RESOLVED, None)]

    def test_the_deadlines_are_data_and_a_change_applies_to_steps_that_start_afterwards(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        StepDeadline.objects.filter(status=Status.RECEIVED).update(days=5)
        StepDeadline.objects.filter(status=Status.VERIFYING).update(days=20)
        assert case.steps.get().due_on == D(2026, 3, 12)  # fixed when the step started
        assert advance(case, Status.VERIFYING, D(2026, 3, 9)).due_on == D(2026, 3, 29)
        assert make_case(received_on=D(2026, 3, 2)).due_on == D(2026, 3, 7)

    def test_a_case_is_overdue_the_day_after_its_due_date(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        assert not workflow.is_overdue(case.status, case.due_on, D(2026, 3, 12))
        assert workflow.is_overdue(case.status, case.due_on, D(2026, 3, 13))
        assert workflow.days_left(case.due_on, D(2026, 3, 15)) == -3

    def test_a_step_is_late_when_it_ended_after_its_due_date(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 13))  # one day after the 10 days
        received = case.steps.get(status=Status.RECEIVED)
        assert received.late
        other = make_case(received_on=D(2026, 3, 2))
        advance(other, Status.VERIFYING, D(2026, 3, 12))
        assert not other.steps.get(status=Status.RECEIVED).late


class ExtensionTests:
    def test_verification_is_extended_once_by_fifteen_days_with_a_reason(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 9))
        step = services.case_extend(user=None, case=case, reason="Vụ việc phức tạp", on=D(2026, 4, 8), today=TODAY)
        assert (step.due_on, step.extension_days, step.extended_on) == (D(2026, 4, 23), 15, D(2026, 4, 8))
        case.refresh_from_db()
        assert case.due_on == D(2026, 4, 23)
        with pytest.raises(ValidationError) as exc:
            services.case_extend(user=None, case=case, reason="Lần nữa", on=D(2026, 4, 10), today=TODAY)
        assert "already extended once" in str(exc.value)
        assert CaseStep.objects.get(case=case, status=Status.VERIFYING).due_on == D(2026, 4, 23)

    def test_an_extension_needs_a_reason_and_a_date_by_the_due_date(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 9))
        with pytest.raises(ValidationError) as exc:
            services.case_extend(user=None, case=case, reason="  ", on=D(2026, 4, 9), today=TODAY)
        assert set(messages(exc)) == {"reason", "on"}
        assert "by the due date (08/04/2026)" in messages(exc)["on"][0]
        with pytest.raises(ValidationError) as exc:
            services.case_extend(user=None, case=case, reason="Phức tạp", on=D(2026, 12, 1), today=TODAY)
        assert messages(exc)["on"] == ["The date is in the future."]
        assert CaseStep.objects.get(case=case, status=Status.VERIFYING).extension_days == 0

    def test_the_ten_days_to_accept_cannot_be_extended(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        with pytest.raises(ValidationError) as exc:
            services.case_extend(user=None, case=case, reason="Nhiều đơn", on=D(2026, 3, 5), today=TODAY)
        assert "cannot be extended" in str(exc.value)
        assert Case.objects.get(pk=case.pk).due_on == D(2026, 3, 12)


class TransitionTests:
    def test_a_received_case_cannot_be_resolved_without_verification(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        for skipping in (Status.RESOLVED, Status.REFERRED):
            with pytest.raises(ValidationError) as exc:
                advance(case, skipping, D(2026, 3, 5), referred_to=ReferredTo.POLICE if skipping == Status.REFERRED else "")
            assert "cannot become" in messages(exc)["to_status"][0]
        assert list(case.steps.values_list("status", flat=True)) == [Status.RECEIVED]
        assert Case.objects.get(pk=case.pk).status == Status.RECEIVED

    def test_a_case_never_goes_back_nor_moves_after_it_is_closed(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 9))
        with pytest.raises(ValidationError):
            advance(case, Status.RECEIVED, D(2026, 3, 10))
        advance(case, Status.REJECTED, D(2026, 3, 20), note="Không có căn cứ")
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.RESOLVED, D(2026, 3, 25))
        assert "takes no further step" in messages(exc)["to_status"][0]
        assert case.steps.count() == 3

    def test_a_received_case_may_be_rejected_or_closed_with_a_reason(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.CLOSED, D(2026, 3, 4))
        assert messages(exc) == {"note": ["Give the reason."]}
        advance(case, Status.CLOSED, D(2026, 3, 4), note="Người khiếu nại rút đơn")
        case.refresh_from_db()
        assert (case.status, case.closed_on) == (Status.CLOSED, D(2026, 3, 4))

    def test_a_step_is_dated_neither_in_the_future_nor_before_the_current_step(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.VERIFYING, D(2026, 12, 1))
        assert messages(exc) == {"on": ["The date is in the future."]}
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.VERIFYING, D(2026, 3, 1))
        assert "before the current step began (02/03/2026)" in messages(exc)["on"][0]

    def test_a_referral_names_the_body_and_an_outcome_waits_for_the_final_step(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 9))
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.REFERRED, D(2026, 3, 10))
        assert "referred_to" in messages(exc)
        with pytest.raises(ValidationError) as exc:
            advance(case, Status.REFERRED, D(2026, 3, 10), referred_to=ReferredTo.INSPECTORATE,
                    amount_recovered=5_000_000)
        assert "__all__" in messages(exc)
        step = advance(case, Status.REFERRED, D(2026, 3, 10), referred_to=ReferredTo.INSPECTORATE)
        assert step.referred_to == ReferredTo.INSPECTORATE

    def test_the_next_steps_follow_the_workflow(self):
        assert workflow.next_statuses(Status.RECEIVED) == (Status.VERIFYING, Status.REJECTED, Status.CLOSED)
        assert Status.RESOLVED in workflow.next_statuses(Status.REFERRED)
        assert workflow.next_statuses(Status.RESOLVED) == ()

    def test_the_database_keeps_one_step_per_status(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        with pytest.raises(IntegrityError), transaction.atomic():
            CaseStep.objects.create(case=case, status=Status.RECEIVED, started_on=D(2026, 3, 3))

    def test_the_outcome_of_a_closed_case_can_be_completed_later(self, make_case):
        case = make_case(received_on=D(2026, 3, 2))
        advance(case, Status.VERIFYING, D(2026, 3, 9))
        advance(case, Status.RESOLVED, D(2026, 3, 30), sanction="Phạt hành chính")
        services.case_record_outcome(user=None, case=case, amount_recovered=20_000_000, sanction="Phạt hành chính")
        case.refresh_from_db()
        assert (case.amount_recovered, case.sanction) == (20_000_000, "Phạt hành chính")
        still_open = make_case()
        with pytest.raises(ValidationError):
            services.case_record_outcome(user=None, case=still_open, amount_recovered=1)
