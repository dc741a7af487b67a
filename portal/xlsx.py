"""Reading uploaded .xlsx files safely, and neutralising text written to them.

``read_sheet`` checks the file whole before any importer looks at a row: the
size on disk, that it is a real .xlsx (a zip with a workbook inside), and how
far it inflates (a zip bomb is refused before a cell is parsed). Headers are
matched ignoring case, accents, spaces and punctuation, with aliases. Errors
carry the spreadsheet's own row number and the column's header so that a
user can find them in Excel.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number, the header row being 1 (0: the file itself)
    column: str  # the header as the user knows it ("" when the whole row or file)
    message: str

    def __str__(self) -> str:
        where = []
        if self.row:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class ImportRejected(Exception):
    """The file was checked and refused; ``errors`` lists every reason."""

    def __init__(self, errors: list[RowError], *, counts: tuple[int, int, int] | None = None):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.counts = counts  # what the valid rows would do (create, update, unchanged), when the importer knows


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {normalise_header(self.label), normalise_header(self.key), *(normalise_header(a) for a in self.aliases)}


@dataclass
class Sheet:
    headers: list[str]
    columns: dict[str, int]  # column key → index
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # unmatched header text → index
    raw_rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@functools.lru_cache(maxsize=4096)  # importers call it for every cell of a few columns that repeat a few words
def normalise_header(text: Any) -> str:
    """"Mã đơn vị " → "madonvi"; "Phấn đấu (%)" → "phandau"."""
    value = unicodedata.normalize("NFKD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return "".join(ch for ch in value.lower() if ch.isalnum())


def length_problem(text: str | None, max_length: int) -> str | None:
    """A row error when ``text`` does not fit a column of ``max_length`` characters (PostgreSQL would refuse it)."""
    if text and len(text) > max_length:
        return _("The text is too long: %(length)s characters, at most %(max)s.") % {
            "length": len(text), "max": max_length}
    return None


def neutralise(value: Any) -> Any:
    """Make user text safe to put in a spreadsheet cell (no formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    """A cell as text: "" for empty, whole numbers without ".0", runs of spaces folded to one."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def clean_cell(value: Any) -> Any:
    """Calamine gives "" for empty cells and floats for numbers; tidy both."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]+)(\d+)\"")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


class _SheetExtent:
    """An upper bound of the rectangle a reader will allocate for a worksheet.

    Readers build a dense grid from the farthest cell, so a few bytes naming
    cell XFD1048576 would ask for billions of cells. Cells and rows without a
    reference each advance by one, so they are added to the bound.
    """

    def __init__(self) -> None:
        self.max_row = self.max_col = 0
        self.rows = self.cells_seen = self.rows_with_ref = self.cells_with_ref = 0
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = max(0, len(text) - 256)
        # Scan up to the last tag start, keep the rest for the next chunk.
        last = text.rfind(b"<", cut)
        body, self._tail = (text[:last], text[last:]) if last > 0 else (text, b"")
        # Matches gathered by the regex engine, then reduced: a Python step per match took longer than the regex.
        if rows := _ROW_REF.findall(body):
            self.rows_with_ref += len(rows)
            self.max_row = max(self.max_row, max(map(int, rows)))
        if cells := _CELL_REF.findall(body):
            self.cells_with_ref += len(cells)
            self.max_col = max(self.max_col, max(map(_column_number, {letters for letters, _row in cells})))
            self.max_row = max(self.max_row, max(map(int, [row for _letters, row in cells])))
        self.rows += len(_ROW_TAG.findall(body))
        self.cells_seen += len(_CELL_TAG.findall(body))

    def cells(self) -> int:
        if self._tail:
            tail, self._tail = self._tail, b""
            self.feed(tail + b"<")
        height = self.max_row + (self.rows - self.rows_with_ref)
        width = self.max_col + (self.cells_seen - self.cells_with_ref)
        return height * width


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _check_container(data: bytes) -> None:
    max_bytes = settings.UPLOAD_MAX_BYTES
    if len(data) > max_bytes:
        raise ImportRejected([RowError(0, "", _("The file is too large (%(size)s MB, at most %(max)s MB).") % {
            "size": round(len(data) / 1048576, 1), "max": round(max_bytes / 1048576, 1)})])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected([RowError(0, "", _("The file is not a valid Excel .xlsx workbook."))])
    limit = settings.UPLOAD_MAX_INFLATED_BYTES
    inflated = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" not in names:
                raise ImportRejected([RowError(0, "", _("The file is not a valid Excel .xlsx workbook."))])
            for info in archive.infolist():
                extent = _SheetExtent() if _WORKSHEET.match(info.filename) else None
                # Count what really inflates: the sizes in the directory can lie.
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        inflated += len(chunk)
                        if inflated > limit:
                            raise ImportRejected([RowError(0, "", _(
                                "The file inflates beyond the allowed limit; it may be malicious."))])
                        if extent is not None:
                            extent.feed(chunk)
                if extent is not None and extent.cells() > settings.UPLOAD_MAX_CELLS:
                    raise ImportRejected([RowError(0, "", _(
                        "The sheet spans too many rows and columns (up to %(cells)s cells are accepted).")
                        % {"cells": settings.UPLOAD_MAX_CELLS})])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise ImportRejected([RowError(0, "", _("The file is not a valid Excel .xlsx workbook."))]) from None


def check_upload(data: bytes) -> None:
    """The checks of the whole file :func:`read_sheet` makes before parsing it (size, a real .xlsx, inflated size,
    extent): ``ImportRejected`` for a file no parser may open."""
    _check_container(data)


def read_sheet(fileobj: IO[bytes] | bytes, columns: Iterable[Column], *, keep_extra: bool = False) -> Sheet:
    """Read the first sheet: map headers to ``columns`` and return its non-empty rows.

    Raises ``ImportRejected`` when the file is unusable or a required column
    is missing. Row values are raw cells (cleaned by ``clean_cell``); each
    importer turns them into domain values and collects its own errors.
    """
    sheet, rows = iter_sheet(fileobj, columns, keep_extra=keep_extra)
    for row_number, values, cells in rows:
        sheet.rows.append((row_number, values))
        if keep_extra:
            sheet.raw_rows.append((row_number, cells))
    return sheet


def iter_sheet(fileobj: IO[bytes] | bytes, columns: Iterable[Column], *, keep_extra: bool = False
               ) -> tuple[Sheet, Iterator[tuple[int, dict[str, Any], list[Any] | None]]]:
    """:func:`read_sheet` one row at a time: the headers (``Sheet`` without rows, its checks made at once) and an
    iterator of ``(row number, values, cells)`` (``cells``: the whole row, with ``keep_extra``; else ``None``).

    The iterator raises ``ImportRejected`` as :func:`read_sheet` does (too many rows, a damaged part) when it
    meets the problem, so an importer that writes as it reads must do it in a transaction.
    """
    data = fileobj if isinstance(fileobj, bytes) else fileobj.read(settings.UPLOAD_MAX_BYTES + 1)
    _check_container(data)
    with _calamine_errors():
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ImportRejected([RowError(0, "", _("The workbook has no sheet."))])
        first_sheet = workbook.get_sheet_by_index(0)  # parsed once: reading it is most of the time
        rows_iter: Iterator[list[Any]] = iter(first_sheet.iter_rows())
        header_row: list[Any] | None = None
        for header_row in rows_iter:
            if any(clean_cell(v) is not None for v in header_row):
                break
        if header_row is None or not any(clean_cell(v) is not None for v in header_row):
            raise ImportRejected([RowError(0, "", _("The sheet is empty: there is no header row."))])
        sheet = _map_headers(header_row, list(columns), keep_extra=keep_extra)
        first_row = 2 + _header_offset(first_sheet)
    return sheet, _sheet_rows(rows_iter, sheet.columns, first_row, keep_extra=keep_extra)


def _sheet_rows(rows_iter: Iterator[list[Any]], columns: dict[str, int], row_number: int, *, keep_extra: bool
                ) -> Iterator[tuple[int, dict[str, Any], list[Any] | None]]:
    max_rows = settings.UPLOAD_MAX_ROWS
    count = 0
    wanted = list(columns.items())
    with _calamine_errors():
        for raw in rows_iter:
            cells = [clean_cell(v) for v in raw]
            if any(v is not None for v in cells):
                count += 1
                if count > max_rows:
                    raise ImportRejected([RowError(0, "", _("The file has too many rows (at most %(max)s).")
                                                   % {"max": max_rows})])
                width = len(cells)
                values = {key: (cells[idx] if idx < width else None) for key, idx in wanted}
                yield row_number, values, (cells if keep_extra else None)
            row_number += 1


@contextlib.contextmanager
def _calamine_errors() -> Iterator[None]:
    """Calamine's errors as the ``ImportRejected`` a user reads."""
    try:
        yield
    except CalamineError:
        raise ImportRejected([RowError(0, "", _("The workbook cannot be read: the file is damaged or not an .xlsx file."))]) from None
    except (ValueError, TypeError, KeyError) as exc:  # calamine raises these on malformed parts
        raise ImportRejected([RowError(0, "", _("The workbook cannot be read: %(error)s") % {"error": exc})]) from None


def _header_offset(sheet) -> int:
    """Row number of the header minus one (sheets may start below row 1)."""
    start = getattr(sheet, "start", None)
    return int(start[0]) if start else 0


def _map_headers(header_row: list[Any], columns: list[Column], *, keep_extra: bool) -> Sheet:
    headers = [str(clean_cell(h) or "") for h in header_row]
    wanted = {name: col for col in columns for name in col.names()}
    mapping: dict[str, int] = {}
    extra: dict[str, int] = {}
    errors: list[RowError] = []
    for idx, header in enumerate(headers):
        if not header:
            continue
        col = wanted.get(normalise_header(header))
        if col is None:
            if keep_extra:
                extra[header] = idx
            continue
        if col.key in mapping:
            errors.append(RowError(1, header, _("The column appears twice.")))
            continue
        mapping[col.key] = idx
    for col in columns:
        if col.required and col.key not in mapping:
            errors.append(RowError(1, col.label, _("A required column is missing.")))
    if errors:
        raise ImportRejected(errors)
    return Sheet(headers=headers, columns=mapping, extra=extra)


class ErrorList:
    """Collects every error of a file; an importer saves only when it stays empty."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append(RowError(row, column, str(message)))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self, counts: tuple[int, int, int] | None = None) -> None:
        """``counts``: what the valid rows would do (create, update, unchanged), shown beside the errors."""
        if self.items:
            raise ImportRejected(sorted(self.items, key=lambda e: (e.row, e.column)), counts=counts)


@dataclass
class Grid:
    """A sheet as it is: every row (with its spreadsheet row number, 1 = the sheet's first row) and the merged
    ranges, for readers that find the header themselves (files from before the portal, with title rows)."""

    sheet_names: list[str]
    rows: list[tuple[int, list[Any]]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based, inclusive


def read_grid(data: bytes, *, sheet: int = 0) -> Grid:
    """Read sheet ``sheet`` (0-based; ``IndexError`` when the workbook has no such sheet) of an .xlsx file whole,
    after the checks of :func:`read_sheet` (size, real .xlsx, inflated size, extent); cells cleaned by
    :func:`clean_cell`, empty rows left out, each with its row number; merged ranges 0-based, inclusive."""
    _check_container(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        if not names:
            raise ImportRejected([RowError(0, "", _("The workbook has no sheet."))])
        if not 0 <= sheet < len(names):
            raise IndexError(f"sheet {sheet} of {len(names)}")  # the caller says which sheets there are
        source = workbook.get_sheet_by_index(sheet)
        start = getattr(source, "start", None) or (0, 0)
        first_row, first_col = int(start[0]), int(start[1])
        rows: list[tuple[int, list[Any]]] = []
        for number, raw in enumerate(source.iter_rows(), start=first_row + 1):
            cells = [None] * first_col + [clean_cell(v) for v in raw]
            if any(v is not None for v in cells):
                rows.append((number, cells))
                if len(rows) > settings.UPLOAD_MAX_ROWS:
                    raise ImportRejected([RowError(0, "", _("The file has too many rows (at most %(max)s).") % {
                        "max": settings.UPLOAD_MAX_ROWS})])
        merged = [((int(a[0]), int(a[1])), (int(b[0]), int(b[1])))
                  for a, b in (getattr(source, "merged_cell_ranges", None) or [])]
        return Grid(sheet_names=names, rows=rows, merged=merged)
    except CalamineError:
        raise ImportRejected([RowError(0, "", _("The workbook cannot be read: the file is damaged or not an .xlsx file."))]) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ImportRejected([RowError(0, "", _("The workbook cannot be read: %(error)s") % {"error": exc})]) from None


EXAMPLE_SHEET = "Ví dụ"


def add_example_sheet(workbook, headers: list[str], rows: list[list[Any]]) -> None:
    """The example rows of an import template, on a second sheet: the first sheet (the one read back) keeps only
    the headers and what the user fills in, so a template uploaded back as downloaded changes nothing."""
    from portal.printing import print_setup

    sheet = workbook.create_sheet(EXAMPLE_SHEET)
    # A write-only sheet writes its page setup with its first row: set it before.
    print_setup(sheet, header_rows=(1, 1), last_row=len(rows) + 1, last_column=len(headers))
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
