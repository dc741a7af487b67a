"""Trees kept between reports (PostgreSQL): a unit tree is built once per version of the units, and any write of the
units or their successions — through the ORM, in bulk, in raw SQL, even a truncate — gives a new version, so a
report never rolls figures up in a tree older than the units."""
from __future__ import annotations

import pytest
from django.db import connection, transaction

from portal.models import Unit, UnitSuccession, national_unit
from portal.tree import _TREES, UnitTree, tree_version

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql",
                                     reason="PostgreSQL only: run with DATABASE_URL=postgres://…")


@pytest.fixture(autouse=True)
def keeping(settings):
    settings.UNIT_TREES_KEPT = 16
    _TREES.clear()
    yield
    _TREES.clear()


@postgresql_only
class KeptTreeTests:
    def test_a_tree_is_built_once_per_version(self, units, django_assert_num_queries):
        first = UnitTree(units.province)
        with django_assert_num_queries(1):  # the version alone
            again = UnitTree(units.province)
        assert again.units == first.units and again.children == first.children
        assert again.root is units.province and again.slots() == first.slots()

    def test_every_kind_of_write_gives_a_new_version_and_a_new_tree(self, units):
        commune = units.commune_a
        seen = [tree_version()]
        UnitTree(units.province)

        commune.name = "Xã Đổi Tên"
        commune.save()  # the ORM
        seen.append(tree_version())
        assert UnitTree(units.province).units[commune.pk][1] == "Xã Đổi Tên"

        Unit.objects.filter(pk=commune.pk).update(name="Xã Cập Nhật")  # in bulk, no signal
        seen.append(tree_version())
        assert UnitTree(units.province).units[commune.pk][1] == "Xã Cập Nhật"

        with connection.cursor() as cursor:  # raw SQL
            cursor.execute("UPDATE portal_unit SET name = %s WHERE id = %s", ["Xã Viết Tay", commune.pk])
        seen.append(tree_version())
        assert UnitTree(units.province).units[commune.pk][1] == "Xã Viết Tay"

        new = Unit.objects.create(structure="2025", code="99001", name="Xã Mới", level="commune", path="2025:99/99001/")
        seen.append(tree_version())
        UnitSuccession.objects.create(legacy=commune, successor=new, is_default=True)  # the successions too
        seen.append(tree_version())
        assert len(set(seen)) == len(seen)  # every write a new number
        # The country in 2025 now counts the commune's records under its successor.
        assert UnitTree(national_unit("2025")).mapped_to.get(commune.pk) == new.pk

    def test_a_rolled_back_write_leaves_the_version_and_its_number_is_never_given_again(self, units):
        before = tree_version()
        with pytest.raises(RuntimeError), transaction.atomic():
            Unit.objects.filter(pk=units.commune_a.pk).update(name="Không Lưu")
            rolled_back = tree_version()
            assert UnitTree(units.province).units[units.commune_a.pk][1] == "Không Lưu"  # kept for that version
            raise RuntimeError
        assert tree_version() == before
        assert UnitTree(units.province).units[units.commune_a.pk][1] != "Không Lưu"
        Unit.objects.filter(pk=units.commune_a.pk).update(name="Xã Lưu")
        assert tree_version() not in (before, rolled_back)
        assert UnitTree(units.province).units[units.commune_a.pk][1] == "Xã Lưu"


def test_without_a_version_every_tree_is_built(units, django_assert_num_queries):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite keeps no version")
    assert tree_version() is None
    first = UnitTree(units.province, other_structure=False)
    with django_assert_num_queries(1):  # the subtree again
        again = UnitTree(units.province, other_structure=False)
    assert again.units == first.units


@postgresql_only
def test_with_none_kept_every_tree_is_built(units, settings, django_assert_num_queries):
    settings.UNIT_TREES_KEPT = 0
    UnitTree(units.province, other_structure=False)
    with django_assert_num_queries(1):  # the subtree again, no version read
        UnitTree(units.province, other_structure=False)


@postgresql_only
def test_only_the_last_ones_are_kept(units, settings):
    settings.UNIT_TREES_KEPT = 2
    for unit in (units.province, units.a, units.b):
        UnitTree(unit)
    assert [key[1] for key in _TREES.items] == [units.a.path, units.b.path]
