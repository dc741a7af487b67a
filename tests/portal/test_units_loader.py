from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import vietnamadminunits
from django.core.management import CommandError, call_command

from portal import units_loader
from portal.models import Level, Structure, Unit

pytestmark = pytest.mark.django_db

DATASET = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"


def package_count(sql: str) -> int:
    with sqlite3.connect(DATASET) as conn:
        return conn.execute(sql).fetchone()[0]


class LoadAdminUnitsTests:
    def test_ninh_thuan_matches_the_package(self):
        call_command("load_admin_units", "--province", "58", "--structure", "legacy")
        districts = package_count("SELECT COUNT(DISTINCT districtCode) FROM admin_units_legacy WHERE provinceCode='58'")
        communes = package_count("SELECT COUNT(DISTINCT wardCode) FROM admin_units_legacy WHERE provinceCode='58'")
        assert (districts, communes) == (7, 62)
        legacy = Unit.objects.filter(structure=Structure.LEGACY)
        assert legacy.filter(level=Level.PROVINCE).count() == 1
        assert legacy.filter(level=Level.DISTRICT).count() == districts
        assert legacy.filter(level=Level.COMMUNE).count() == communes
        ninh_son = legacy.get(code="585")
        assert ninh_son.short_name == "Ninh Sơn" and ninh_son.parent.code == "58"
        assert ninh_son.path == "legacy:58/585/"
        assert all(c.path.startswith("legacy:58/585/") for c in ninh_son.children.all())
        assert ninh_son.valid_to.isoformat() == "2025-06-30"

    def test_running_twice_changes_nothing(self, capsys):
        call_command("load_admin_units", "--province", "58")
        before = list(Unit.objects.values_list("pk", "code", "name", "path", "parent_id").order_by("pk"))
        call_command("load_admin_units", "--province", "58")
        assert "created 0, updated 0, unchanged 70" in capsys.readouterr().out
        after = list(Unit.objects.values_list("pk", "code", "name", "path", "parent_id").order_by("pk"))
        assert before == after

    def test_the_2025_structure_has_no_districts_and_its_own_tree(self):
        call_command("load_admin_units", "--province", "58", "--structure", "legacy")
        call_command("load_admin_units", "--province", "56", "--structure", "2025")
        new = Unit.objects.filter(structure=Structure.NEW)
        communes = package_count("SELECT COUNT(DISTINCT wardCode) FROM admin_units WHERE provinceCode='56'")
        assert new.filter(level=Level.DISTRICT).count() == 0
        assert new.filter(level=Level.COMMUNE).count() == communes
        khanh_hoa = new.get(code="56")
        assert khanh_hoa.path == "2025:56/" and khanh_hoa.valid_from.isoformat() == "2025-07-01"
        # Codes are reused between structures: each is its own unit.
        shared = set(new.values_list("code", flat=True)) & set(
            Unit.objects.filter(structure=Structure.LEGACY).values_list("code", flat=True))
        for code in shared:
            assert Unit.objects.filter(code=code).count() == 2

    def test_an_unknown_province_is_one_clear_error_and_nothing_changes(self):
        call_command("load_admin_units", "--province", "58")
        before = Unit.objects.count()
        with pytest.raises(CommandError, match="Unknown province code '99'"):
            call_command("load_admin_units", "--province", "58", "--province", "99")
        assert Unit.objects.count() == before

    def test_a_missing_dataset_is_one_clear_error(self, monkeypatch, tmp_path):
        fake = tmp_path / "vietnamadminunits" / "__init__.py"
        fake.parent.mkdir()
        fake.write_text("")
        monkeypatch.setattr(vietnamadminunits, "__file__", str(fake))
        with pytest.raises(CommandError, match="dataset is missing"):
            call_command("load_admin_units", "--province", "58")
        assert Unit.objects.count() == 0

    def test_a_single_digit_code_is_padded(self):
        assert units_loader.normalise_province_codes(Structure.LEGACY, ["1"]) == ["01"]
