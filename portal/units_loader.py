"""Load administrative units from the official lists shipped by ``vietnamadminunits``.

Legacy structure (63 provinces, before 1 July 2025): province (2 digits) →
district (3 digits) → commune (5 digits). 2025 structure (34 provinces):
province → commune. Loading is an upsert keyed on (structure, code), so a
second run changes nothing; the whole load is one transaction.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from portal import cache_version
from portal.models import REFORM_DATE, Level, Structure, Unit
from portal.tree import build_path

LEGACY_END = REFORM_DATE - dt.timedelta(days=1)


class UnitDataError(Exception):
    """The package's data cannot be used (missing, or the request names nothing in it)."""


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    short_name: str
    level: str
    parent_code: str | None


def _dataset_path() -> Path:
    # Found without importing the package when it is not loaded yet: its import loads numpy (0.7 s, 24 MB in
    # every process that checks a citizen ID), and only its data file is read here.
    module = sys.modules.get("vietnamadminunits")
    spec = importlib.util.find_spec("vietnamadminunits") if module is None else None
    if module is None and (spec is None or not spec.origin):
        raise UnitDataError("The package vietnamadminunits is not installed (pip install -r requirements.txt).")
    path = Path(module.__file__ if module is not None else spec.origin).parent / "data" / "dataset.db"
    if not path.is_file():
        raise UnitDataError(f"The admin-unit dataset is missing from the vietnamadminunits package: {path}")
    return path


def _query(sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    path = _dataset_path()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            conn.row_factory = sqlite3.Row
            return conn.execute(sql, params).fetchall()
    except sqlite3.Error as exc:
        raise UnitDataError(f"Cannot read the admin-unit dataset {path}: {exc}") from exc


def available_provinces(structure: str) -> dict[str, str]:
    table = "admin_units_legacy" if structure == Structure.LEGACY else "admin_units"
    return {r["provinceCode"]: r["province"] for r in _query(f"SELECT DISTINCT provinceCode, province FROM [{table}]")}


def package_rows(structure: str, province_codes: list[str]) -> list[UnitRow]:
    """The units of the given provinces, parents before children."""
    marks = ",".join("?" * len(province_codes))
    rows: dict[str, UnitRow] = {}
    if structure == Structure.LEGACY:
        data = _query(
            "SELECT provinceCode, province, provinceShort, districtCode, district, districtShort, "
            f"wardCode, ward, wardShort FROM admin_units_legacy WHERE provinceCode IN ({marks}) "
            "ORDER BY provinceCode, districtCode, wardCode",
            tuple(province_codes),
        )
        for r in data:
            rows.setdefault(r["provinceCode"], UnitRow(r["provinceCode"], r["province"], r["provinceShort"], Level.PROVINCE, None))
            if r["districtCode"]:
                rows.setdefault(r["districtCode"], UnitRow(
                    r["districtCode"], r["district"], r["districtShort"], Level.DISTRICT, r["provinceCode"]))
            if r["wardCode"]:
                rows.setdefault(r["wardCode"], UnitRow(
                    r["wardCode"], r["ward"], r["wardShort"], Level.COMMUNE, r["districtCode"] or r["provinceCode"]))
    else:
        data = _query(
            "SELECT provinceCode, province, provinceShort, wardCode, ward, wardShort "
            f"FROM admin_units WHERE provinceCode IN ({marks}) ORDER BY provinceCode, wardCode",
            tuple(province_codes),
        )
        for r in data:
            rows.setdefault(r["provinceCode"], UnitRow(r["provinceCode"], r["province"], r["provinceShort"], Level.PROVINCE, None))
            if r["wardCode"]:
                rows.setdefault(r["wardCode"], UnitRow(r["wardCode"], r["ward"], r["wardShort"], Level.COMMUNE, r["provinceCode"]))
    order = {Level.PROVINCE: 0, Level.DISTRICT: 1, Level.COMMUNE: 2}
    return sorted(rows.values(), key=lambda u: (order[u.level], u.code))


def normalise_province_codes(structure: str, codes: list[str] | None) -> list[str]:
    available = available_provinces(structure)
    if not codes:
        return sorted(available)
    wanted = []
    for raw in codes:
        code = raw.strip()
        if code.isdigit() and len(code) < 2:
            code = code.zfill(2)
        if code not in available:
            label = "63-province (legacy)" if structure == Structure.LEGACY else "34-province (2025)"
            raise UnitDataError(f"Unknown province code {raw!r} in the {label} list.")
        wanted.append(code)
    return sorted(set(wanted))


def load_units(*, structure: str, province_codes: list[str] | None = None) -> LoadResult:
    if structure not in Structure.values:
        raise UnitDataError(f"Unknown structure {structure!r}: use legacy or 2025.")
    codes = normalise_province_codes(structure, province_codes)
    rows = package_rows(structure, codes)
    if not rows:
        raise UnitDataError("The admin-unit dataset has no units for the requested provinces.")
    valid_from, valid_to = (None, LEGACY_END) if structure == Structure.LEGACY else (REFORM_DATE, None)
    result = LoadResult()
    with transaction.atomic():
        existing = {u.code: u for u in Unit.objects.filter(structure=structure, code__in=[r.code for r in rows])}
        to_create: list[Unit] = []
        to_update: list[Unit] = []
        by_code: dict[str, Unit] = dict(existing)
        for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
            for row in (r for r in rows if r.level == level):
                parent = by_code.get(row.parent_code) if row.parent_code else None
                values = {
                    "name": row.name, "short_name": row.short_name or row.name, "level": row.level,
                    "parent_id": parent.pk if parent else None,
                    "path": build_path(structure, parent.path if parent else None, row.code),
                    "valid_from": valid_from, "valid_to": valid_to,
                }
                unit = existing.get(row.code)
                if unit is None:
                    unit = Unit(structure=structure, code=row.code, **values)
                    to_create.append(unit)
                elif any(getattr(unit, k) != v for k, v in values.items()):
                    for key, value in values.items():
                        setattr(unit, key, value)
                    to_update.append(unit)
                else:
                    result.unchanged += 1
                by_code[row.code] = unit
            # Parents must have ids before their children are built.
            new_here = [u for u in to_create if u.level == level and u.pk is None]
            Unit.objects.bulk_create(new_here, batch_size=1000)
            if any(u.pk is None for u in new_here):  # backends without RETURNING
                ids = dict(Unit.objects.filter(structure=structure, code__in=[u.code for u in new_here]).values_list("code", "pk"))
                for u in new_here:
                    u.pk = ids[u.code]
        if to_update:
            Unit.objects.bulk_update(
                to_update, ["name", "short_name", "level", "parent", "path", "valid_from", "valid_to"], batch_size=1000
            )
        result.created = len(to_create)
        result.updated = len(to_update)
        if to_create or to_update:
            cache_version.bump()  # bulk writes send no signals: cached figures name units
    return result


@dataclass
class LinkResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"successions created {self.created}, updated {self.updated}, unchanged {self.unchanged}"


def _converter_data() -> dict:
    import json

    path = _dataset_path().parent / "converter_2025.json"
    if not path.is_file():
        raise UnitDataError(f"The 2025 conversion table is missing from the vietnamadminunits package: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnitDataError(f"Cannot read the 2025 conversion table {path}: {exc}") from exc


def official_successions() -> list[tuple[str, str, bool]]:
    """Every (legacy code, 2025 code, is_default) pair of the official mapping.

    Communes follow the package's converter (a divided commune lists each new
    commune, one of them the default); legacy provinces and districts go to
    the new province that absorbed them.
    """
    data = _converter_data()
    legacy_rows = _query(
        "SELECT provinceKey, provinceCode, districtKey, districtCode, wardKey, wardCode FROM admin_units_legacy"
    )
    new_rows = _query("SELECT provinceKey, provinceCode, wardKey, wardCode FROM admin_units")
    old_unit = {}
    old_province = {}
    old_district_province = {}
    for r in legacy_rows:
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        old_unit[key] = r["wardCode"] or r["districtCode"]
        old_province[r["provinceKey"]] = r["provinceCode"]
        old_district_province[r["districtCode"]] = r["provinceKey"]
    new_ward = {(r["provinceKey"], r["wardKey"]): r["wardCode"] for r in new_rows}
    new_province = {r["provinceKey"]: r["provinceCode"] for r in new_rows}

    pairs: dict[tuple[str, str], bool] = {}
    old_to_new_province: dict[str, str] = {}
    for new_key, old_keys in data["DICT_PROVINCE"].items():
        for old_key in old_keys:
            old_to_new_province[old_key] = new_key
            pairs[(old_province[old_key], new_province[new_key])] = True
    for new_province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_ward_key, old_keys in wards.items():
            for old_key in old_keys:
                if old_key in old_unit and (new_province_key, new_ward_key) in new_ward:
                    pairs[(old_unit[old_key], new_ward[(new_province_key, new_ward_key)])] = True
    for new_province_key, olds in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            for target in targets:
                code = new_ward.get((new_province_key, target["newWardKey"]))
                if old_key in old_unit and code:
                    pairs[(old_unit[old_key], code)] = bool(target["isDefaultNewWard"])
    # A district goes to its new province, unless it had no communes (an island
    # district), in which case the converter maps the district itself.
    mapped = {old for old, _ in pairs}
    for district_code, old_key in old_district_province.items():
        if district_code and district_code not in mapped:
            pairs[(district_code, new_province[old_to_new_province[old_key]])] = True
    return [(old, new, default) for (old, new), default in sorted(pairs.items())]


def link_structures() -> LinkResult:
    """Record the official successions between the loaded legacy and 2025 units (idempotent)."""
    from portal.models import UnitSuccession

    legacy = dict(Unit.objects.filter(structure=Structure.LEGACY).values_list("code", "pk"))
    new = dict(Unit.objects.filter(structure=Structure.NEW).values_list("code", "pk"))
    result = LinkResult()
    if not legacy or not new:
        return result
    wanted = {
        (legacy[old], new[code]): default
        for old, code, default in official_successions()
        if old in legacy and code in new
    }
    with transaction.atomic():
        existing = {
            (s.legacy_id, s.successor_id): s
            for s in UnitSuccession.objects.filter(legacy_id__in={k[0] for k in wanted})
        }
        # Defaults first cleared where they move, so the one-default constraint holds throughout.
        moved = [s for key, s in existing.items() if key in wanted and s.is_default != wanted[key]]
        for s in moved:
            s.is_default = wanted[(s.legacy_id, s.successor_id)]
        UnitSuccession.objects.filter(pk__in=[s.pk for s in moved if not s.is_default]).update(is_default=False)
        UnitSuccession.objects.filter(pk__in=[s.pk for s in moved if s.is_default]).update(is_default=True)
        new_rows = [
            UnitSuccession(legacy_id=lk, successor_id=sk, is_default=default)
            for (lk, sk), default in wanted.items()
            if (lk, sk) not in existing
        ]
        UnitSuccession.objects.bulk_create(new_rows, batch_size=1000)
        result.created = len(new_rows)
        result.updated = len(moved)
        result.unchanged = len(wanted) - result.created - result.updated
        if new_rows or moved:
            cache_version.bump()  # reports count legacy records under their successors
    return result


def provinces_in_both(codes: list[str] | None) -> tuple[list[str], list[str]]:
    """For ``--structure both``: the 2025 provinces named (or absorbing a named
    legacy province) and every legacy province that went into them."""
    legacy_codes = set(available_provinces(Structure.LEGACY))
    new_codes = set(available_provinces(Structure.NEW))
    province_successor = {
        old: new for old, new, _ in official_successions() if old in legacy_codes and len(old) == 2 and new in new_codes
    }
    if not codes:
        return sorted(legacy_codes), sorted(new_codes)
    wanted_new = set()
    for raw in codes:
        code = raw.strip().zfill(2) if raw.strip().isdigit() else raw.strip()
        if code in new_codes:
            wanted_new.add(code)
        elif code in province_successor:
            wanted_new.add(province_successor[code])
        else:
            raise UnitDataError(f"Unknown province code {raw!r} in both the 63-province and the 34-province lists.")
    wanted_legacy = {old for old, new in province_successor.items() if new in wanted_new}
    return sorted(wanted_legacy), sorted(wanted_new)
