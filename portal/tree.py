"""The tree of administrative units: the one place that knows what a unit's ``path`` means.

A path is the structure, a colon, then the chain of codes from the province down, each followed by
"/": ``legacy:58/585/22780/``. Everything below a unit is ``path__startswith=unit.path`` (one indexed
range scan); the unit's ancestors, its province and the unit directly below another that contains it are
read off the path here, never taken apart elsewhere.

The two structures (before and after the 2025 reform) are two trees linked by ``UnitSuccession``: a
legacy unit's records count under its default successor in a 2025 report, and a 2025 user inherits the
legacy units whose default successor lies in their subtree (:func:`legacy_prefixes`). :class:`UnitTree`
loads a unit's subtree with the other structure's units that count in it, and rolls figures counted per
leaf unit up to the units directly below the root.
"""
from __future__ import annotations

import datetime as dt
import operator
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from functools import reduce
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from portal.models import REFORM_DATE, Level, Structure, Unit, UnitSuccession

T = TypeVar("T")


# --- Paths --------------------------------------------------------------------------------------------------------


def build_path(structure: str, parent_path: str | None, code: str) -> str:
    """The path of unit ``code`` under ``parent_path`` (a province when None)."""
    return f"{parent_path}{code}/" if parent_path else f"{structure}:{code}/"


def codes(path: str) -> list[str]:
    """``legacy:58/585/22780/`` → ``["58", "585", "22780"]``."""
    return path.split(":", 1)[1].rstrip("/").split("/")


def depth(path: str) -> int:
    """0 for a province, 1 for the units directly below it…"""
    return path.count("/") - 1


def parent_path(path: str) -> str:
    """The path of the unit directly above (``""`` for a province)."""
    return path[: path.rstrip("/").rfind("/") + 1]


def ancestor_paths(path: str, *, include_self: bool = False) -> list[str]:
    """The paths of the units above, from the province down: ``legacy:58/585/22780/`` → 58's and 585's."""
    ends = [i for i, ch in enumerate(path) if ch == "/"]
    if not include_self:
        ends = ends[:-1]
    return [path[: i + 1] for i in ends]


def name_order(items: Iterable[T], *, path: str = "path", name: str = "name") -> list[T]:
    """``items`` (units, or rows with a path and a name) in the tree's order, each unit followed by the units
    below it, and the units of one parent in Vietnamese alphabetical order (``portal.collation``)."""
    from portal.collation import vi_sort_key

    def get(item, field):
        return item[field] if isinstance(item, dict) else getattr(item, field)

    items = list(items)
    names = {get(item, path): get(item, name) for item in items}
    return sorted(items, key=lambda item: tuple(
        vi_sort_key(names.get(above, above)) for above in ancestor_paths(get(item, path), include_self=True)))


def province_path(path: str) -> str:
    """``legacy:58/585/22780/`` → ``legacy:58/``."""
    return path.split("/", 1)[0] + "/"


def is_within(path: str, root_path: str) -> bool:
    """Whether the unit of ``path`` is the unit of ``root_path`` or lies below it."""
    return path.startswith(root_path)


def child_path(root_path: str, path: str) -> str | None:
    """The path of the unit directly below the root that contains ``path`` (None: the root itself, or outside)."""
    if path == root_path or not path.startswith(root_path):
        return None
    return root_path + path[len(root_path):].split("/", 1)[0] + "/"


def cover(paths: Iterable[str]) -> list[str]:
    """The fewest paths whose subtrees hold all of ``paths`` (a path below another one is dropped), sorted."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(other) for other in kept):
            kept.append(path)
    return sorted(kept)


def topmost(items: Iterable[tuple[str, T]]) -> list[T]:
    """The items of the paths none of whose ancestors also has one among ``items`` (no double counting)."""
    kept: set[str] = set()
    out = []
    for path, item in sorted(items, key=lambda pair: len(pair[0])):
        if set(ancestor_paths(path)) & kept:
            continue
        kept.add(path)
        out.append(item)
    return out


def subtree_q(field: str | None, paths: Iterable[str]) -> Q:
    """Rows whose unit (reached by ``field``; None for units) lies in the subtree of one of ``paths``."""
    lookup = "path__startswith" if field is None else f"{field}__path__startswith"
    conditions = [Q(**{lookup: path}) for path in paths]
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def ancestors_q(field: str | None, paths: Iterable[str]) -> Q:
    """Rows whose unit (reached by ``field``) lies strictly above one of ``paths``."""
    lookup = "path__in" if field is None else f"{field}__path__in"
    above = sorted({ancestor for path in paths for ancestor in ancestor_paths(path)})
    return Q(**{lookup: above}) if above else Q(pk__in=[])


# --- Across the 2025 reform ------------------------------------------------------------------------------------------


def structure_in_force(on_date: dt.date | None) -> str:
    """The structure in force on ``on_date`` (today when None)."""
    day = on_date or timezone.localdate()
    return Structure.LEGACY if day < REFORM_DATE else Structure.NEW


def national_structure(on_date: dt.date | None) -> str:
    """The structure the whole country is reported in by default: the one in force on ``on_date``, unless no unit
    of it is loaded (a database of the legacy structure only), then the other."""
    structure = structure_in_force(on_date)
    if Unit.objects.filter(structure=structure, parent__isnull=True).exists():
        return structure
    other = Structure.LEGACY if structure == Structure.NEW else Structure.NEW
    return other if Unit.objects.filter(structure=other, parent__isnull=True).exists() else structure


def default_successor(unit: Unit) -> Unit | None:
    """The 2025 unit that took over a legacy unit (its default successor)."""
    succession = unit.successions.filter(is_default=True).select_related("successor").first()
    return succession.successor if succession else None


def new_province(unit: Unit) -> Unit | None:
    """The 2025 province that took over a legacy unit."""
    successor = default_successor(unit)
    if successor is None:
        return None
    return Unit.objects.filter(path=province_path(successor.path)).first()


def legacy_prefixes(unit: Unit) -> list[str]:
    """The paths of the legacy units whose records a 2025-structure ``unit`` inherited (one query, cached
    on the instance): those whose default successor lies in its subtree, without the ones below another.

    For a new province: the old provinces it absorbed; for a new commune: the old communes whose default
    successor it is (a divided commune's records stay with its default successor only).
    """
    if unit.structure != Structure.NEW:
        return []
    cached = getattr(unit, "_legacy_prefixes", None)
    if cached is None:
        paths = sorted(set(UnitSuccession.objects.filter(
            is_default=True, successor__path__startswith=unit.path, legacy__structure=Structure.LEGACY,
        ).values_list("legacy__path", flat=True)), key=lambda path: (len(path), path))
        cached = []
        for path in paths:
            if not any(path.startswith(kept) for kept in cached):
                cached.append(path)
        unit._legacy_prefixes = cached
    return cached


def linked_provinces(unit: Unit) -> list[str]:
    """The provinces of the other structure whose records a report of ``unit`` counts (:class:`UnitTree`): for
    a 2025 unit those of the legacy units it took over, for a legacy unit those of its units' successors."""
    if unit.structure == Structure.NEW:
        paths = UnitSuccession.objects.filter(is_default=True, successor__path__startswith=unit.path,
                                              legacy__structure=Structure.LEGACY).values_list("legacy__path")
    else:
        paths = UnitSuccession.objects.filter(legacy__path__startswith=unit.path).values_list("successor__path")
    return sorted({province_path(path) for (path,) in paths.distinct()} - {province_path(unit.path)})


def primary_predecessors(pairs) -> dict[int, int]:
    """For each 2025 unit, the one legacy unit its records count under in a legacy-structure report.

    ``pairs`` are ``(successor_id, successor_code, legacy_id, legacy_code, is_default)``. The rule: among
    the predecessors whose default successor it is, the one whose code it kept (3,316 of the 3,321 new
    communes kept a predecessor's code; new Khánh Hòa 56 → old Khánh Hòa 56), else the lowest code;
    a new unit made only of parts of divided communes takes the predecessor with its code, else the
    lowest code, among all of them.
    """
    best: dict[int, tuple] = {}
    for successor_id, successor_code, legacy_id, legacy_code, is_default in pairs:
        key = (not is_default, legacy_code != successor_code, legacy_code, legacy_id)
        if successor_id not in best or key < best[successor_id][0]:
            best[successor_id] = (key, legacy_id)
    return {successor_id: legacy_id for successor_id, (_key, legacy_id) in best.items()}


# --- A subtree, loaded once, to roll figures up -----------------------------------------------------------------------


class UnitTree:
    """The subtree of ``root`` loaded in one query, for rolling counts up to the units directly below it.

    With ``other_structure`` (the default), records kept in the other structure count too: in a
    2025-structure tree, a legacy unit's records count under its default successor (a divided commune's
    under its default successor; an abolished district's, e.g. its monthly figures, under the new province);
    in a legacy-structure tree, a 2025 unit's records count under its primary predecessor
    (:func:`primary_predecessors`). Units without a link of their own (hamlets) follow their nearest linked
    ancestor. The other structure's units are found with two queries whatever their number; they are given
    the path of the unit they count under, so rolling up by path treats them like the tree's own. Counting
    queries filter by :meth:`q` (the root's path, or one of the other structure's ``other_prefixes``) and
    group by unit; rows of units that count elsewhere are dropped (:meth:`knows`).
    """

    def __init__(self, root: Unit, *, other_structure: bool = True):
        self.root = root
        key = _tree_key(root, other_structure)
        built = _TREES.get(key) if key is not None else None
        if built is None:
            self._load(other_structure)
            if key is not None:
                self.slots()  # kept with the rest: the reports read it
                _TREES.put(key, {name: value for name, value in self.__dict__.items() if name != "root"})
        else:
            self.__dict__.update(built)  # shared with the other reports of this version: never changed after

    def _load(self, other_structure: bool) -> None:
        root = self.root
        self.units: dict[int, tuple[str, str, str, str]] = {
            pk: (code, name, level, path)
            for pk, code, name, level, path in Unit.objects.filter(path__startswith=root.path)
            .values_list("id", "code", "name", "level", "path")
        }
        below = depth(root.path) + 1
        self.children: list[int] = sorted(
            (pk for pk, (_c, _n, _l, path) in self.units.items() if depth(path) == below),
            key=lambda pk: self.units[pk][0],
        )
        self.child_by_path = {self.units[pk][3]: pk for pk in self.children}
        self.path_by_id = {pk: data[3] for pk, data in self.units.items()}
        self.commune_by_path = {data[3]: pk for pk, data in self.units.items() if data[2] == Level.COMMUNE}
        self.other_prefixes: list[str] = []
        self.mapped_to: dict[int, int] = {}  # a unit of the other structure → the tree's unit it counts under
        self.other_paths: dict[int, str] = {}
        # A 2025 unit → the paths of the legacy units it was made of (default predecessors, else all).
        self.sources: dict[str, list[str]] = {}
        if other_structure:
            self._link_other_structure()
        self._slots: dict[int, int | None] | None = None
        self._communes: dict[str, int | None] = {}

    def _link_other_structure(self) -> None:
        if self.root.structure == Structure.NEW:
            links = {
                legacy_path: successor_id
                for legacy_path, successor_id in UnitSuccession.objects.filter(
                    is_default=True, successor__path__startswith=self.root.path,
                    legacy__structure=Structure.LEGACY).values_list("legacy__path", "successor_id")
            }
            own_link = UnitSuccession.objects.filter(legacy=OuterRef("pk"), is_default=True)
        else:
            pairs = list(
                UnitSuccession.objects.filter(successor_id__in=UnitSuccession.objects.filter(
                    legacy__path__startswith=self.root.path).values("successor_id"))
                .values_list("successor_id", "successor__path", "successor__code", "legacy_id", "legacy__code",
                             "is_default", "legacy__path")
            )
            paths = {successor_id: path for successor_id, path, *_rest in pairs}
            primary = primary_predecessors(
                (successor, code, legacy, legacy_code, is_default)
                for successor, _path, code, legacy, legacy_code, is_default, _legacy_path in pairs)
            defaults: dict[str, list[str]] = defaultdict(list)
            for _successor, path, _code, _legacy, _legacy_code, is_default, legacy_path in pairs:
                self.sources.setdefault(path, []).append(legacy_path)
                if is_default:
                    defaults[path].append(legacy_path)
            self.sources.update(defaults)
            links = {paths[s]: legacy_id for s, legacy_id in primary.items() if legacy_id in self.path_by_id}
            own_link = UnitSuccession.objects.filter(successor=OuterRef("pk"))
        if not links:
            return
        self.other_prefixes = cover(links)
        other = sorted(
            Unit.objects.filter(subtree_q(None, self.other_prefixes)).annotate(linked=Exists(own_link))
            .values_list("path", "id", "linked")
        )
        target_by_path: dict[str, int | None] = {}
        for path, pk, linked in other:  # parents before children
            if path in links:
                target = links[path]
            elif linked:
                target = None  # linked to a unit outside this tree
            else:
                target = target_by_path.get(parent_path(path))
            target_by_path[path] = target
            if target is not None:
                self.mapped_to[pk] = target
                self.other_paths[pk] = path
                self.path_by_id[pk] = self.path_by_id[target]

    def q(self, field: str) -> Q:
        """Rows whose unit (reached by ``field``) lies in the tree or may count in it from the other structure."""
        return subtree_q(field, [self.root.path, *self.other_prefixes])

    def in_tree(self) -> Q:
        """:meth:`q` for a queryset of units."""
        return subtree_q(None, [self.root.path, *self.other_prefixes])

    def made_within(self, unit_id: int, path: str) -> bool:
        """Whether the other structure's unit was made only of units within ``path`` (always, from legacy
        to 2025: a legacy unit goes whole to its default successor). A quota of new Khánh Hòa, made of old
        Khánh Hòa and Ninh Thuận, is not old Khánh Hòa's target."""
        olds = self.sources.get(self.other_paths.get(unit_id, ""), [])
        return all(is_within(old, path) for old in olds)

    def knows(self, unit_id: int) -> bool:
        return unit_id in self.path_by_id

    def slots(self) -> dict[int, int | None]:
        """Every unit the tree knows → the unit directly below the root that contains it (None: the root
        itself), computed once, so rolling up a row is one dictionary lookup."""
        if self._slots is None:
            root_path, child_by_path = self.root.path, self.child_by_path
            self._slots = {}
            for pk, path in self.path_by_id.items():
                below = child_path(root_path, path)
                self._slots[pk] = child_by_path.get(below) if below else None
        return self._slots

    def child_of(self, unit_id: int) -> int | None:
        return self.slots().get(unit_id)

    def commune_of(self, unit_id: int) -> int | None:
        """The commune the unit lies in (itself, for a commune; None above the communes)."""
        path = self.path_by_id.get(unit_id)
        return self._commune_at(path) if path else None

    def _commune_at(self, path: str) -> int | None:
        """The commune at ``path`` or nearest above it, remembered per path (a tree of 10,000 communes is looked up
        once per unit of a report)."""
        if path not in self._communes:
            above = parent_path(path)
            self._communes[path] = self.commune_by_path.get(path) or (self._commune_at(above) if above else None)
        return self._communes[path]

    def sum_by_child(self, items: Iterable[tuple[int, tuple[int, ...]]], width: int
                     ) -> tuple[dict[int | None, list[int]], list[int]]:
        """Roll ``items`` — ``(unit_id, (value, …))`` per leaf unit, ``width`` values each — up to the units
        directly below the root: ``({child_id or None for the root itself: sums}, grand total)``. Units the
        tree does not know add nothing."""
        slot_of, missing = self.slots().get, object()
        sums: dict[int | None, list[int]] = {}
        for unit_id, values in items:  # tens of thousands of items in a national report: kept lean
            slot = slot_of(unit_id, missing)
            if slot is missing:
                continue
            acc = sums.get(slot)
            if acc is None:
                acc = sums[slot] = [0] * width
            acc[:] = map(operator.add, acc, values)
        grand = [0] * width
        for acc in sums.values():
            grand[:] = map(operator.add, grand, acc)
        return sums, grand



# --- Trees kept between reports -----------------------------------------------------------------------------------

class _KeptTrees:
    """The built parts of the last ``settings.UNIT_TREES_KEPT`` trees (the country in each structure, the units
    reported on most), by (database, root, other structure, version)."""

    def __init__(self):
        self.items: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> dict[str, Any] | None:
        with self.lock:
            built = self.items.get(key)
            if built is not None:
                self.items.move_to_end(key)
            return built

    def put(self, key: tuple, built: dict[str, Any]) -> None:
        with self.lock:
            self.items[key] = built
            self.items.move_to_end(key)
            while len(self.items) > settings.UNIT_TREES_KEPT:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_TREES = _KeptTrees()


def tree_version(alias: str | None = None) -> int | None:
    """The unit tree's version in the database the units are read from (``portal_unit_tree_version``, set by the
    database on every write of the units or their successions: migration ``portal.0011``); None where there is
    none (SQLite), and then no tree is kept."""
    connection = connections[alias or router.db_for_read(Unit)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM portal_unit_tree_version")
        row = cursor.fetchone()
    return row[0] if row else None


def _tree_key(root: Unit, other_structure: bool) -> tuple | None:
    """Read before the tree is built, so a tree is never kept under a version newer than the units it holds.
    None (build it, keep nothing): no version, or ``settings.UNIT_TREES_KEPT`` is 0 (the tests but those of
    keeping, which count queries of a first report against a second)."""
    if not settings.UNIT_TREES_KEPT:
        return None
    alias = router.db_for_read(Unit)
    version = tree_version(alias)
    return None if version is None else (alias, root.path, other_structure, version)
