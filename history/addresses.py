"""Addresses written as text matched to the portal's units, in the structure in force on the row's date.

"Xã Tân Hòa, huyện Lai Vung, Đồng Tháp", "tan hoa, lai vung" or "Thôn 2 xã Lâm Sơn H. Ninh Sơn" name a commune:
the text is split into its parts (commas, or the words xã/phường/thị trấn/huyện/quận/thị xã/thành phố/tỉnh and
their abbreviations), hamlets and streets are set aside, and the parts are matched, from the province down, to
the names of the units loaded in the batch's unit (accents, case and prefixes ignored). The package
``vietnamadminunits`` parses the same text with its own dictionaries (old names, abbreviations, typos): where its
answer and ours agree, or ours finds nothing, its unit is taken; where they disagree, or where the text fits two
communes (a commune named without its district, when two districts have one of that name), the address is
ambiguous and the user chooses. Nothing is guessed silently.

A row dated after the 2025 reform needs a unit of the 2025 structure: an address still written with the old
names (a district, an old commune) is matched in the legacy structure and taken to the old unit's default
successor.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from portal import tree
from portal.models import Level, Structure, Unit, UnitSuccession
from portal.xlsx import normalise_header

MATCHED, AMBIGUOUS, UNMATCHED = "matched", "ambiguous", "unmatched"

# Prefixes of the parts of an address (accent-less, lower case), longest first, with the level they name (None:
# any level).
_PREFIXES = (
    ("thanh pho", None), ("thi tran", Level.COMMUNE), ("thi xa", Level.DISTRICT), ("phuong", Level.COMMUNE),
    ("huyen", Level.DISTRICT), ("quan", Level.DISTRICT), ("tinh", Level.PROVINCE), ("xa", Level.COMMUNE),
    ("tp", None), ("tx", Level.DISTRICT), ("tt", Level.COMMUNE), ("h", Level.DISTRICT), ("x", Level.COMMUNE),
    ("p", Level.COMMUNE), ("q", Level.DISTRICT), ("t", Level.PROVINCE),
)
_PREFIX_WORDS = {prefix: level for prefix, level in _PREFIXES}
# What starts a hamlet, a street or a house number: a part that is set aside unless it names a unit ("Lạng Sơn"
# written without accents reads like "làng Sơn").
_MINOR = {"thon", "xom", "ap", "ban", "buon", "lang", "khom", "to", "so", "duong", "doi", "khu", "kp", "khu pho",
          "to dan pho", "khoi", "cum"}
# "Thành phố" names a province (Hà Nội…) or a district-level city (Phan Rang – Tháp Chàm): either.
_ANY_ABOVE_COMMUNE = (Level.PROVINCE, Level.DISTRICT)


def _plain(text: str) -> str:
    """Lower case, accents removed (đ → d), punctuation as spaces, single spaces."""
    value = unicodedata.normalize("NFKD", text).replace("đ", "d").replace("Đ", "D")
    value = "".join(ch for ch in value if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", value).split())


def _accented(text: str) -> str:
    """Lower case with the accents (NFC), letters and digits only: tells "Sa Pa" from "Sa Pả"."""
    value = unicodedata.normalize("NFC", text).lower()
    return "".join(ch for ch in value if ch.isalnum())


def address_key(text: str) -> str:
    """The key under which an address and the user's choice for it are remembered within a file."""
    return normalise_header(unicodedata.normalize("NFC", str(text or "")))


@dataclass
class Part:
    level: str | None  # the level its prefix names (None: any)
    plain: str  # the name without its prefix, accent-less
    accented: str
    minor: bool = False  # looks like a hamlet, a street or a house number


def split_address(text: str) -> list[Part]:
    """The parts of an address, from the smallest to the largest, each with the level its prefix names."""
    raw_parts = [p for p in re.split(r"[,;\n]+", text) if p.strip()]
    pieces: list[str] = []
    for raw in raw_parts:
        pieces.extend(_split_on_prefixes(raw))
    parts = []
    for piece in pieces:
        words = piece.split()
        plain_words = _plain(piece).split()
        if not plain_words:
            continue
        level: str | None = None
        minor = any(" ".join(plain_words[:size]) in _MINOR for size in (1, 2, 3))
        for size in (2, 1):
            head = " ".join(plain_words[:size])
            if len(plain_words) > size and head in _PREFIX_WORDS:
                level = _PREFIX_WORDS[head]
                minor = False
                plain_words = plain_words[size:]
                words = words[len(words) - len(plain_words):] if len(words) >= len(plain_words) else words
                break
        parts.append(Part(level=level, plain=" ".join(plain_words), accented=_accented(" ".join(words)),
                          minor=minor))
    return parts


_SPLIT_WORDS = re.compile(
    r"(?i)(?<!\w)(?<!thị )(?<!thi )(?=(?:xã|phường|thị trấn|huyện|quận|thị xã|thành phố|tỉnh|thôn|ấp|xóm|khu phố)\s"
    r"|(?:tp|tx|tt|h|x|p|q|t)\.\s?\w)")


def _split_on_prefixes(raw: str) -> list[str]:
    """"Thôn 2 xã Lâm Sơn huyện Ninh Sơn" (no commas) → ["Thôn 2", "xã Lâm Sơn", "huyện Ninh Sơn"]."""
    normal = unicodedata.normalize("NFC", raw)
    pieces = [p.strip(" .-") for p in _SPLIT_WORDS.split(normal)]
    return [p for p in pieces if p]


@dataclass
class Match:
    status: str
    unit: Unit | None = None
    candidates: list[Unit] = field(default_factory=list)
    message: str = ""


class AddressMatcher:
    """Matches address texts to the units within ``roots`` (the batch's unit, and for a 2025 unit the legacy units
    it inherited), one structure at a time. The units are read once (one query, plus one for the successions of
    a 2025 root); each distinct text is matched once."""

    def __init__(self, roots: list[Unit], *, use_package: bool = True):
        self.roots = roots
        self.use_package = use_package
        paths = [root.path for root in roots]
        units = list(Unit.objects.filter(tree.subtree_q(None, paths)).select_related("parent")
                     .order_by("path"))
        self.by_id = {unit.pk: unit for unit in units}
        self.by_code: dict[str, dict[str, Unit]] = defaultdict(dict)
        self.index: dict[str, dict[str, list[Unit]]] = defaultdict(lambda: defaultdict(list))
        self.accented_index: dict[str, dict[str, list[Unit]]] = defaultdict(lambda: defaultdict(list))
        for unit in units:
            self.by_code[unit.structure][unit.code] = unit
            names = {unit.name, unit.short_name or unit.name}
            for name in names:
                for part in split_address(name) or [Part(None, _plain(name), _accented(name))]:
                    self._add(unit, part)
        self.successor: dict[int, Unit] = {}
        if any(root.structure == Structure.NEW for root in roots):
            new_units = {unit.pk: unit for unit in units if unit.structure == Structure.NEW}
            for legacy_id, successor_id in UnitSuccession.objects.filter(
                    is_default=True, legacy_id__in=[u.pk for u in units if u.structure == Structure.LEGACY]
            ).values_list("legacy_id", "successor_id"):
                if successor_id in new_units:
                    self.successor[legacy_id] = new_units[successor_id]
        self._cache: dict[tuple[str, str], Match] = {}

    def _add(self, unit: Unit, part: Part) -> None:
        keys = {part.plain.replace(" ", "")}
        if part.plain.isdigit():  # "Phường 1": the number alone names it only with its prefix
            keys = {f"{unit.level}{part.plain}"}
        for key in keys:
            if unit not in self.index[unit.structure][key]:
                self.index[unit.structure][key].append(unit)
        if part.accented and unit not in self.accented_index[unit.structure][part.accented]:
            self.accented_index[unit.structure][part.accented].append(unit)

    # --- matching ------------------------------------------------------------------------------------------------

    def match(self, text: str, *, structure: str, province_too: bool = False) -> Match:
        """The unit ``text`` names, in ``structure``: a commune or a district (``province_too``: or the province, for
        the totals of a whole province)."""
        key = (structure, address_key(text), province_too)
        if key not in self._cache:
            self._cache[key] = self._match(text, structure, province_too)
        return self._cache[key]

    def _match(self, text: str, structure: str, province_too: bool = False) -> Match:
        if not str(text or "").strip():
            return Match(UNMATCHED, message=_("The address is empty."))
        own = self._own(text, structure, province_too)
        if structure == Structure.NEW and own.status == UNMATCHED:
            old = self._own(text, Structure.LEGACY, province_too)  # old names after the reform: the old unit's successor
            if old.status == MATCHED and old.unit.pk in self.successor:
                own = Match(MATCHED, self.successor[old.unit.pk])
            elif old.status == AMBIGUOUS:
                successors = _unique([self.successor[u.pk] for u in old.candidates if u.pk in self.successor])
                own = Match(AMBIGUOUS, candidates=successors) if len(successors) > 1 else (
                    Match(MATCHED, successors[0]) if successors else own)
        package = self._package(text, structure) if self.use_package else None
        if own.status == MATCHED:
            if package is not None and not _same_line(package, own.unit):
                return Match(AMBIGUOUS, candidates=[own.unit, package], message=_(
                    "The address could be %(one)s or %(other)s.") % {"one": _name(own.unit), "other": _name(package)})
            return own
        if own.status == AMBIGUOUS:
            return own
        if package is not None and package.level == Level.COMMUNE:
            return Match(MATCHED, package)  # a commune the package knows by another name (old, abbreviated)
        return own

    def _own(self, text: str, structure: str, province_too: bool = False) -> Match:
        parts = split_address(text)
        required = [part for part in parts if not part.minor]
        if not required:
            return Match(UNMATCHED, message=_("The address names no commune or district."))
        index, accented = self.index[structure], self.accented_index[structure]
        context = [root.path for root in self.roots if root.structure == structure] or [
            root.path for root in self.roots]
        found: list[Unit] = []
        matched: set[int] = set()
        smallest_matched = False
        # From the largest part down: each narrows where the next is looked for.
        for part in reversed(parts):
            key = part.plain.replace(" ", "")
            if part.plain.isdigit():
                key = f"{part.level or Level.COMMUNE}{part.plain}"

            candidates = self._within(accented.get(part.accented, []), part, context, matched) or self._within(
                index.get(key, []), part, context, matched)
            if part.level is None and len(candidates) > 1 and _chain(candidates):
                candidates = [min(candidates, key=lambda u: len(u.path))]  # "Lai Vung": the district, not its town
            if not candidates:
                continue
            found = candidates
            matched |= {u.pk for u in candidates}
            context = [u.path for u in candidates]
            smallest_matched = part is required[0]
        if not smallest_matched:
            below = [u for u in self.by_id.values() if u.structure == structure and u.level == Level.COMMUNE
                     and found and any(u.path.startswith(f.path) for f in found)]
            return Match(UNMATCHED, candidates=below, message=_("No unit of this name was found."))
        homes = [u for u in found if province_too or u.level != Level.PROVINCE]
        if not homes:
            return Match(UNMATCHED, candidates=[], message=_("The address names only the province."))
        if len(homes) > 1:
            return Match(AMBIGUOUS, candidates=homes, message=_("The address fits %(n)s units: %(names)s.") % {
                "n": len(homes), "names": "; ".join(_name(u) for u in homes[:5])})
        return Match(MATCHED, homes[0])

    @staticmethod
    def _within(units: list[Unit], part: Part, context: list[str], matched: set[int]) -> list[Unit]:
        return [u for u in units if u.pk not in matched and _fits(u, part.level)
                and any(u.path.startswith(path) for path in context)]

    def _package(self, text: str, structure: str) -> Unit | None:
        """The unit the package's own parser reads in the text, if it is one of ours."""
        try:
            from vietnamadminunits import parse_address
        except ImportError:  # pragma: no cover - the package is a requirement
            return None
        mode = "LEGACY" if structure == Structure.LEGACY else "FROM_2025"
        try:
            parsed = parse_address(str(text), mode=mode, keep_street=False)
        except (ValueError, KeyError, AttributeError, TypeError, IndexError):
            return None  # a text it cannot take apart: our own reading stands alone
        units = self.by_code.get(structure, {})
        for code in (getattr(parsed, "ward_code", None), getattr(parsed, "district_code", None)):
            if code and code in units:
                return units[code]
        return None

    def unit(self, unit_id: int) -> Unit | None:
        return self.by_id.get(unit_id)

    def communes(self, structure: str) -> list[Unit]:
        return [u for u in self.by_id.values() if u.structure == structure and u.level in (
            Level.COMMUNE, Level.DISTRICT)]


def _fits(unit: Unit, level: str | None) -> bool:
    if level is None:
        return True
    if level == Level.DISTRICT:
        return unit.level in _ANY_ABOVE_COMMUNE
    return unit.level == level


def _chain(units: list[Unit]) -> bool:
    """Whether the units lie on one line of the tree (each above or below every other)."""
    return all(_same_line(a, b) for a in units for b in units)


def _same_line(one: Unit, other: Unit) -> bool:
    """The same unit, or one above the other (the package found the district of our commune)."""
    return one.path.startswith(other.path) or other.path.startswith(one.path)


def _unique(units: list[Unit]) -> list[Unit]:
    seen, out = set(), []
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            out.append(unit)
    return out


def _name(unit: Unit) -> str:
    if unit.parent_id and unit.level != Level.PROVINCE:
        return f"{unit.name}, {unit.parent.name}"
    return unit.name
