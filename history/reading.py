"""A history file as a grid of cells, and where its header is.

Files from before the portal start with title rows ("UBND HUYỆN…", "DANH SÁCH LAO ĐỘNG…"), may have a header
over two rows with merged cells ("Ngày tháng năm sinh" over "Nam" and "Nữ"), a row of column numbers
("1", "2", "(3)"…) under it, and a total row or signatures at the end. CSV files come in UTF-8, UTF-16 or
Windows-1258 (whose Vietnamese letters are built from combining accents): the encoding is detected and the text
normalised to NFC, so that it matches what the portal stores.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from history.fields import FIELDS, header_year
from portal.xlsx import Grid, ImportRejected, RowError, clean_cell, normalise_header, read_grid

HEADER_SEARCH_ROWS = 30
SAMPLES = 5


@dataclass
class Header:
    """The header of a sheet: its first row's index in ``grid.rows``, how many rows it spans, the index of the first
    data row, and one label per column ("parent / child" under a merged parent)."""

    index: int
    depth: int
    data_index: int
    labels: list[str]
    row_number: int = 0  # the spreadsheet's row number of the header's first row

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "depth": self.depth, "data_index": self.data_index, "labels": self.labels,
                "row": self.row_number}


@dataclass
class SheetData:
    grid: Grid
    file_format: str
    encoding: str = ""
    header: Header | None = None
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)  # the data rows (number, cells)


def file_format(name: str) -> str | None:
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith(".csv") or lower.endswith(".txt"):
        return "csv"
    return None


# --- CSV ----------------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """(text in NFC, encoding name): a byte-order mark says UTF-8 or UTF-16; else UTF-8 when the bytes are valid
    UTF-8; else Windows-1258 (Vietnamese Windows, with combining accents)."""
    if data.startswith(codecs.BOM_UTF8):
        return unicodedata.normalize("NFC", data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise ImportRejected([RowError(0, "", _("The file says it is UTF-16 but is not readable as such."))]) from None
    if len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00":  # UTF-16 LE without a mark
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16-le")), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258")), "windows-1258"
    except UnicodeDecodeError:
        raise ImportRejected([RowError(0, "", _(
            "The text file is neither UTF-8, UTF-16 nor Windows-1258: save it again as CSV UTF-8."))]) from None


def read_csv(data: bytes) -> tuple[Grid, str]:
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ImportRejected([RowError(0, "", _("The file is too large (%(size)s MB, at most %(max)s MB).") % {
            "size": round(len(data) / 1048576, 1), "max": round(settings.UPLOAD_MAX_BYTES / 1048576, 1)})])
    if b"\x00\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) \
            and data[1:2] != b"\x00":
        raise ImportRejected([RowError(0, "", _("This is not a text (CSV) file."))])
    text, encoding = decode_text(data)
    if not text.strip():
        raise ImportRejected([RowError(0, "", _("The sheet is empty: there is no header row."))])
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[Any]]] = []
    for number, raw in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [clean_cell(value) for value in raw]
        if any(value is not None for value in cells):
            rows.append((number, cells))
            if len(rows) > settings.UPLOAD_MAX_ROWS:
                raise ImportRejected([RowError(0, "", _("The file has too many rows (at most %(max)s).") % {
                    "max": settings.UPLOAD_MAX_ROWS})])
    return Grid(sheet_names=["CSV"], rows=rows), encoding


def read_file(data: bytes, name: str, *, sheet: int = 0) -> SheetData:
    """The grid of an uploaded history file (.xlsx or .csv), with its header found (or ``ImportRejected``)."""
    kind = file_format(name)
    if kind is None:
        raise ImportRejected([RowError(0, "", _("Upload an Excel .xlsx file or a .csv text file."))])
    if kind == "xlsx":
        try:
            grid, encoding = read_grid(data, sheet=sheet), ""
        except IndexError:
            raise ImportRejected([RowError(0, "", _("The workbook has no sheet number %(n)s.") % {"n": sheet + 1})]) \
                from None
    else:
        grid, encoding = read_csv(data)
    sheet_data = SheetData(grid=grid, file_format=kind, encoding=encoding)
    sheet_data.header = find_header(grid)
    sheet_data.rows = grid.rows[sheet_data.header.data_index:]
    return sheet_data


# --- The header ---------------------------------------------------------------------------------------------------

_NAMES: dict[str, list[str]] | None = None


def _known_names() -> dict[str, list[str]]:
    """Every normalised name of every field → the keys of the fields it names (a list of people and a sheet of
    totals may share a word: "Huyện", "Hộ nghèo"), longest names first for "contains" matches."""
    global _NAMES
    if _NAMES is None:
        names: dict[str, list[str]] = {}
        for key, item in FIELDS.items():
            for name in item.names():
                names.setdefault(name, []).append(key)
        _NAMES = dict(sorted(names.items(), key=lambda pair: -len(pair[0])))
    return _NAMES


def name_matches(label: str) -> list[str]:
    """The fields a header names: an exact name, else the longest name of 6 letters or more that it contains."""
    key = normalise_header(label)
    if not key:
        return []
    names = _known_names()
    if key in names:
        return names[key]
    for name, field_keys in names.items():
        if len(name) >= 6 and name in key:
            return field_keys
    return []


def name_match(label: str, kind: str | None = None) -> str | None:
    """The field (of the sheet's ``kind``, if given) a header names."""
    for key in name_matches(label):
        if kind is None or FIELDS[key].kind == kind:
            return key
    return None


_NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")
_DATE_TEXT = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}$")


def _is_value(cell: Any) -> bool:
    """A data value rather than a header label: a number, a date, an ID, a date written as text."""
    if isinstance(cell, (int, float, dt.date, dt.datetime)) and not isinstance(cell, bool):
        return True
    text = str(cell).strip()
    digits = text.replace(" ", "").replace(".", "")
    return digits.isdigit() or bool(_DATE_TEXT.match(text))


def _label_cells(cells: list[Any]) -> list[int]:
    return [i for i, cell in enumerate(cells) if cell is not None and not _is_value(cell)]


def _is_numbering(cells: list[Any]) -> bool:
    """A row of column numbers under the header: "1 2 3…" or "(1) (2)…", or "A B C"."""
    values = [str(cell).strip() for cell in cells if cell is not None]
    if len(values) < 3:
        return False
    return all(_NUMBERING.match(v) or (len(v) == 1 and v.isalpha()) for v in values)


def _filled(grid: Grid, index: int, width: int, first: int, last: int) -> list[Any]:
    """Row ``index`` of the grid with the cells of merged ranges filled with their top-left value (only ranges
    within the header rows ``first``–``last`` count)."""
    number, cells = grid.rows[index]
    row = list(cells) + [None] * (width - len(cells))
    by_number = {grid.rows[i][0]: grid.rows[i][1] for i in range(first, last + 1)}
    for (r0, c0), (r1, c1) in grid.merged:
        if r0 + 1 <= number <= r1 + 1 and (r0 + 1) in by_number:
            top = by_number[r0 + 1]
            value = top[c0] if c0 < len(top) else None
            for col in range(c0, min(c1, width - 1) + 1):
                if row[col] is None:
                    row[col] = value
    return row


def find_header(grid: Grid) -> Header:
    """The header row below any title rows: among the first rows, the one naming most of the portal's fields
    (at least two), else the first row of at least three labels and no value; a second header row under merged
    cells, and a row of column numbers, are taken in. ``ImportRejected`` when no row looks like a header."""
    rows = grid.rows
    if not rows:
        raise ImportRejected([RowError(0, "", _("The sheet is empty: there is no header row."))])
    best, best_score = None, 0
    limit = min(len(rows), HEADER_SEARCH_ROWS)
    for index in range(limit):
        cells = rows[index][1]
        if any(_is_value(cell) for cell in cells if cell is not None) and index + 1 < limit:
            # A row with values is data (or a numbering row), unless a year heads a totals sheet's column.
            if not all(header_year(str(cell)) or not _is_value(cell) for cell in cells if cell is not None):
                continue
        score = sum(1 for cell in cells if cell is not None and (name_match(str(cell)) or header_year(str(cell))))
        if score > best_score:
            best, best_score = index, score
    if best is None or best_score < 2:
        best = next((index for index in range(limit)
                     if len(_label_cells(rows[index][1])) >= 3
                     and not any(_is_value(c) for c in rows[index][1] if c is not None)), None)
    if best is None:
        raise ImportRejected([RowError(0, "", _(
            "No header row was found in the first %(n)s rows: the sheet needs a row naming its columns (for "
            "example Họ tên, Ngày sinh, CMND/CCCD, Địa chỉ; or Đơn vị, Năm, Tổng số for totals).")
            % {"n": HEADER_SEARCH_ROWS})])
    width = max(len(cells) for _number, cells in rows[best:best + 3])
    depth = 1
    top = _filled(grid, best, width, best, min(best + 1, len(rows) - 1))
    labels = [str(cell) if cell is not None else "" for cell in top]
    if best + 1 < len(rows):
        below_raw = rows[best + 1][1]
        below = _filled(grid, best + 1, width, best, best + 1)
        plain = (not any(_is_value(c) for c in below_raw if c is not None) and not _is_numbering(below_raw)
                 and len(_label_cells(below_raw)) >= 1)
        raw_top = list(rows[best][1]) + [None] * width
        raw_below = list(below_raw) + [None] * width
        # A second header row names the children of a parent spanning several columns: a merged range on the
        # header row, or (without merge information) a header cell left empty above a child's name. A row of
        # plain text under a header with no such parent is data.
        spans = any(r0 + 1 == rows[best][0] and r1 == r0 and c1 > c0 for (r0, c0), (r1, c1) in grid.merged)
        children = any(raw_top[i] is None and raw_below[i] is not None for i in range(width))
        if plain and (spans or children):
            depth = 2
            labels = _combine(top, below)
    data_index = best + depth
    if data_index < len(rows) and _is_numbering(rows[data_index][1]):
        data_index += 1
    return Header(index=best, depth=depth, data_index=data_index, labels=labels, row_number=rows[best][0])


def _combine(top: list[Any], below: list[Any]) -> list[str]:
    """Labels of a two-row header: "parent / child" where the row below names a child; a cell merged down the two
    rows (or alone on the top row) keeps its own name. Without merge information (CSV), an empty top cell takes
    the parent on its left (a merged parent's other columns read empty)."""
    labels = []
    parent = ""
    for i in range(len(top)):
        upper = top[i]
        lower = below[i] if i < len(below) else None
        if upper is not None:
            parent = str(upper)
        if lower is not None and str(lower) != str(upper or ""):
            base = str(upper) if upper is not None else parent
            labels.append(f"{base} / {lower}" if base else str(lower))
        else:
            labels.append(str(upper) if upper is not None else "")
    return labels


def column_samples(rows: list[tuple[int, list[Any]]], width: int, count: int = SAMPLES) -> list[list[str]]:
    """The first ``count`` non-empty values of each column, as text (for the mapping screen)."""
    samples: list[list[str]] = [[] for _ in range(width)]
    for _number, cells in rows:
        if sum(1 for cell in cells if cell is not None) < min(3, width):
            continue  # a total row, a signature, a section title: not what the column holds
        for i in range(min(width, len(cells))):
            if cells[i] is not None and len(samples[i]) < count:
                value = cells[i]
                samples[i].append(value.strftime("%d/%m/%Y") if isinstance(value, (dt.date, dt.datetime)) else str(value))
        if all(len(s) >= count for s in samples):
            break
    return samples
