"""portal.bulk.new_objects makes the objects Model(**values) makes: same values, defaults, cached relations."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.bulk import new_objects
from workers.models import Country, Departure, Sex, Status, Worker

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {name: value for name, value in obj.__dict__.items() if name != "_state"}


def test_the_same_objects_as_the_constructor(units):
    values = {"citizen_id": "058090000123", "full_name": "Nguyễn Văn A", "name_key": "nguyen van a",
              "date_of_birth": dt.date(1990, 1, 1), "sex": Sex.MALE, "unit": units.commune_a, "ethnicity": None,
              "status": Status.REGISTERED}
    made, = new_objects(Worker, [values])
    expected = Worker(**values)
    assert _fields(made) == _fields(expected)
    assert made.unit is units.commune_a and made.unit_id == units.commune_a.pk  # cached: no query
    assert made.ethnicity is None and made._state.adding and made._state.db is None
    country = Country.objects.get(code="JP")
    departure_values = {"worker": made, "date": dt.date(2025, 1, 2), "country": country, "unit_id": units.commune_a.pk,
                        "created_by_id": None}
    departure, = new_objects(Departure, [departure_values])
    assert _fields(departure) == _fields(Departure(**departure_values))
    assert departure.worker is made and departure.country is country


def test_callable_defaults_are_called_for_each_object_and_unknown_names_refused(units):
    a, b = new_objects(Worker, [{"full_name": "A"}, {"full_name": "B"}])
    for field in Worker._meta.concrete_fields:
        if field.has_default() and callable(field.default) and isinstance(getattr(a, field.attname), (dict, list)):
            assert getattr(a, field.attname) is not getattr(b, field.attname)  # never one mutable value shared
    with pytest.raises(TypeError):
        new_objects(Worker, [{"no_such_field": 1}])
