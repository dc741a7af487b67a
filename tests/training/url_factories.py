"""Training objects of unit B (Bác Ái) for the portal-wide URL walk (tests/test_url_scope.py)."""
from __future__ import annotations

import datetime as dt
import itertools

from tests.workers.url_factories import worker_b
from training.models import Enrolment, OrganiserKind, TrainingClass

_serial = itertools.count(900001)


def class_b(env) -> TrainingClass:
    """A class Bác Ái itself runs: officials of other districts do not see it."""
    number = next(_serial)
    return TrainingClass.objects.create(
        code=f"URL-B-{number}", name="Lớp tiếng Nhật huyện Bác Ái", kind="language", language="japanese",
        unit=env.units.b, organiser_kind=OrganiserKind.HIGH_SCHOOL, organiser_name="Trường THPT Bác Ái",
        start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 6, 30), capacity=30)


def _enrolment_b(env) -> Enrolment:
    return Enrolment.objects.create(training_class=class_b(env), worker=worker_b(env), enrolled_on=dt.date(2026, 3, 1))


FACTORIES = {
    "training:class_detail": lambda env: {"pk": class_b(env).pk},
    "training:class_edit": lambda env: {"pk": class_b(env).pk},
    "training:class_enrol": lambda env: {"pk": class_b(env).pk},
    "training:enrolment_edit": lambda env: {"pk": _enrolment_b(env).pk},
    "training:worker_enrol": lambda env: {"pk": worker_b(env).pk},
}
