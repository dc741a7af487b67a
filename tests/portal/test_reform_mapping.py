from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count, Q

from portal.models import Level, Structure, Unit, UnitSuccession
from portal.units_loader import official_successions

pytestmark = pytest.mark.django_db


class ReformMappingTests:
    def test_the_2025_structure_has_34_provinces_and_3321_communes(self):
        call_command("load_admin_units", "--structure", "2025")
        new = Unit.objects.filter(structure=Structure.NEW)
        assert new.filter(level=Level.PROVINCE).count() == 34
        assert new.filter(level=Level.COMMUNE).count() == 3321

    def test_every_legacy_unit_in_the_package_has_exactly_one_default_successor(self):
        pairs = official_successions()
        defaults: dict[str, int] = {}
        for old, _new, is_default in pairs:
            defaults[old] = defaults.get(old, 0) + int(is_default)
        assert set(defaults.values()) == {1}
        # 63 provinces, every district and every commune of the legacy list.
        assert len(defaults) > 10_000

    def test_ninh_thuan_communes_all_go_to_khanh_hoa(self):
        call_command("load_admin_units", "--structure", "both", "--province", "58")
        ninh_thuan = Unit.objects.get(structure=Structure.LEGACY, code="58")
        khanh_hoa = Unit.objects.get(structure=Structure.NEW, code="56")
        assert ninh_thuan.successions.get().successor == khanh_hoa
        legacy_communes = Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE)
        assert legacy_communes.filter(path__startswith=ninh_thuan.path).count() == 62
        without = legacy_communes.annotate(
            n=Count("successions", filter=Q(successions__is_default=True))).exclude(n=1)
        assert not without.exists()
        for succession in UnitSuccession.objects.filter(legacy__path__startswith=ninh_thuan.path):
            assert succession.successor.path.startswith(khanh_hoa.path)

    def test_a_divided_commune_has_several_successors_and_one_default(self):
        call_command("load_admin_units", "--structure", "both", "--province", "56")
        divided = (
            Unit.objects.filter(structure=Structure.LEGACY, level=Level.COMMUNE)
            .annotate(n=Count("successions")).filter(n__gt=1).first()
        )
        assert divided is not None
        successors = list(divided.successions.all())
        assert len(successors) > 1
        assert sum(s.is_default for s in successors) == 1
        # Each new commune knows its predecessors.
        default = next(s.successor for s in successors if s.is_default)
        assert divided in [p.legacy for p in default.predecessions.all()]

    def test_linking_twice_changes_nothing(self, capsys):
        call_command("load_admin_units", "--structure", "both", "--province", "56")
        before = set(UnitSuccession.objects.values_list("legacy_id", "successor_id", "is_default"))
        capsys.readouterr()
        call_command("load_admin_units", "--structure", "both", "--province", "56")
        out = capsys.readouterr().out
        assert "successions created 0, updated 0" in out
        assert set(UnitSuccession.objects.values_list("legacy_id", "successor_id", "is_default")) == before

    def test_both_structures_of_dong_thap_take_old_tien_giang_and_dong_thap(self):
        call_command("load_admin_units", "--structure", "both", "--province", "82")
        legacy = set(Unit.objects.filter(structure=Structure.LEGACY, level=Level.PROVINCE).values_list("code", flat=True))
        new = set(Unit.objects.filter(structure=Structure.NEW, level=Level.PROVINCE).values_list("code", flat=True))
        assert legacy == {"82", "87"} and new == {"82"}
        # Code 82 names two different provinces, told apart by structure.
        assert Unit.objects.get(structure=Structure.LEGACY, code="82").short_name == "Tiền Giang"
        assert Unit.objects.get(structure=Structure.NEW, code="82").short_name == "Đồng Tháp"

    def test_an_unknown_code_in_both_lists_is_refused(self):
        from django.core.management import CommandError

        with pytest.raises(CommandError, match="Unknown province code '99'"):
            call_command("load_admin_units", "--structure", "both", "--province", "99")
        assert Unit.objects.count() == 0
