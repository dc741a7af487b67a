from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils.translation import override

from portal.models import Structure
from portal.unit_codes import UnitCodeError, UnitResolver, resolve_unit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def dong_thap():
    call_command("load_admin_units", "--structure", "both", "--province", "82")


class UnitCodeTests:
    def test_a_code_in_both_structures_is_read_by_the_date(self, dong_thap):
        before = resolve_unit_code("82", on_date=dt.date(2025, 6, 30))
        after = resolve_unit_code("82", on_date=dt.date(2025, 7, 1))
        assert (before.structure, before.short_name) == (Structure.LEGACY, "Tiền Giang")
        assert (after.structure, after.short_name) == (Structure.NEW, "Đồng Tháp")

    def test_an_explicit_structure_wins(self, dong_thap):
        unit = resolve_unit_code("82", structure=Structure.LEGACY, on_date=dt.date(2026, 1, 1))
        assert unit.short_name == "Tiền Giang"

    def test_a_code_in_one_structure_is_that_unit_whatever_the_date(self, dong_thap):
        assert resolve_unit_code("87", on_date=dt.date(2026, 1, 1)).structure == Structure.LEGACY

    @override("en")
    def test_unknown_and_out_of_scope_codes_are_errors(self, units, users):
        with pytest.raises(UnitCodeError, match="Unknown unit code 99999"):
            resolve_unit_code("99999")
        resolver = UnitResolver(["584", "585"], user=users.official_a)
        assert resolver.resolve("585") == units.a
        with pytest.raises(UnitCodeError, match="outside your scope"):
            resolver.resolve("584")
        assert resolver.resolve(585.0) == units.a
