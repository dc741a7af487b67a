"""Counts per leaf unit rolled up onto the rows of the units directly below the root (``portal.tree.UnitTree``)."""
from __future__ import annotations

from collections.abc import Iterable

from portal.tree import UnitTree
from reports.progress.rows import ProgressRow


def spread(tree: UnitTree, rows: dict[int, ProgressRow], total: ProgressRow, unit_id: int, attr: str,
           value: int) -> None:
    """Add a leaf count to the row of the unit below the root that contains it, and to the total.

    A unit of the other structure that counts elsewhere adds nothing."""
    if not tree.knows(unit_id):
        return
    child = tree.child_of(unit_id)
    if child is not None:
        _add_all(rows[child], (attr,), [value])
    _add_all(total, (attr,), [value])


def roll_up(tree: UnitTree, rows: dict[int, ProgressRow], total: ProgressRow, attrs: tuple[str, ...],
            items: Iterable[tuple[int, tuple[int, ...]]]) -> None:
    """Add ``items`` — ``(unit_id, (value, …))`` per leaf unit, one value per name in ``attrs`` — to the rows
    of the units below the root that contain them and to the total: summed per row first, then set on each
    row once. A name ``markets:JP`` adds to ``row.markets["JP"]``. Units the tree does not know add nothing."""
    sums, grand = tree.sum_by_child(items, len(attrs))
    for slot, acc in sums.items():
        if slot is not None:
            _add_all(rows[slot], attrs, acc)
    _add_all(total, attrs, grand)


def _add_all(row: ProgressRow, attrs: tuple[str, ...], values: list[int]) -> None:
    for attr, value in zip(attrs, values, strict=True):
        if attr.startswith("markets:"):
            if row.markets is not None:
                row.markets[attr[8:]] += value
        else:
            setattr(row, attr, getattr(row, attr) + value)
