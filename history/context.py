"""What the planners of a history file share (``history.people``, ``history.totals``): the :class:`Plan` they fill
(counts and sample for the preview, errors by row and column, questions for the user, the writes), and the
:class:`Context` they read the rows through (the mapping as column indexes, dates, addresses matched to units).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from history import dates
from history.addresses import AMBIGUOUS, UNMATCHED, AddressMatcher, Match, address_key
from history.fields import field_label
from history.models import ImportBatch
from portal.models import Structure, Unit
from portal.tree import legacy_prefixes, structure_in_force
from portal.xlsx import ErrorList, normalise_header

MAX_ERRORS_SHOWN = 1000
SAMPLE_ROWS = 20
_TOTAL_WORDS = ("tongcong", "tongso", "cong", "tong", "toantinh", "toanhuyen", "tongcongtoantinh")

Progress = Callable[[int], None]


@dataclass
class AddressQuestion:
    key: str
    text: str
    status: str
    message: str
    rows: list[int] = field(default_factory=list)
    count: int = 0
    candidates: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class DateQuestion:
    column: int
    label: str
    rows: list[int]
    values: list[str]
    either: int


@dataclass
class Plan:
    kind: str
    errors: ErrorList = field(default_factory=ErrorList)
    warnings: list[str] = field(default_factory=list)
    address_questions: dict[str, AddressQuestion] = field(default_factory=dict)
    date_questions: list[DateQuestion] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0
    writes: Any = None  # people.PeopleWrites or totals.TotalsWrites

    @property
    def blocked(self) -> bool:
        return bool(self.errors) or bool(self.date_questions) or any(
            q.status == AMBIGUOUS for q in self.address_questions.values())

    def to_preview(self) -> dict[str, Any]:
        errors = sorted(self.errors.items, key=lambda e: (e.row, e.column))
        return {
            "kind": self.kind, "counts": {**self.counts, "errors": len(errors), "rows": self.rows,
                                          "skipped": self.skipped},
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:MAX_ERRORS_SHOWN]],
            "warnings": self.warnings, "sample": self.sample,
            "addresses": [vars(q) for q in sorted(self.address_questions.values(), key=lambda q: (q.rows or [0])[0])],
            "dates": [vars(q) for q in self.date_questions], "blocked": self.blocked,
        }


def batch_roots(unit: Unit) -> list[Unit]:
    """The units whose subtree a batch's rows may name: its unit, and for a 2025 unit the legacy units it took
    over (their history)."""
    roots = [unit]
    paths = legacy_prefixes(unit)
    if paths:
        roots.extend(Unit.objects.filter(path__in=paths))
    return roots


class Context:
    """What every planner shares: the batch, its user, the grid's data rows, the mapping as column indexes, the
    address matcher and the dates' order."""

    def __init__(self, batch: ImportBatch, user, rows: list[tuple[int, list[Any]]], labels: list[str],
                 plan: Plan, progress: Progress | None = None):
        self.batch = batch
        self.user = user
        self.rows = rows
        self.labels = labels
        self.plan = plan
        self.progress = progress or (lambda _percent: None)
        self.columns: dict[str, int] = {key: index for index, key in enumerate(batch.mapping) if key}
        self.matcher = AddressMatcher(batch_roots(batch.unit))
        self.choices: dict[str, int] = {k: int(v) for k, v in (batch.address_choices or {}).items()}

    def label(self, key: str) -> str:
        index = self.columns.get(key)
        if index is None:
            return field_label(key)
        return self.labels[index] or field_label(key)

    def value(self, cells: list[Any], key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def text(self, cells: list[Any], key: str) -> str:
        value = self.value(cells, key)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.strftime("%d/%m/%Y")
        return " ".join(str(value).split())

    def structure_on(self, day: dt.date | None) -> str:
        return self.batch.structure or structure_in_force(day)

    # -- dates
    def check_date_orders(self, keys: tuple[str, ...]) -> None:
        """Ask about every date column whose values show month/day order, unless the user confirmed day/month."""
        confirmed = {str(k) for k, v in (self.batch.date_orders or {}).items() if v == "dmy"}
        for key in keys:
            index = self.columns.get(key)
            if index is None or str(index) in confirmed:
                continue
            evidence = dates.analyse([(number, cells[index] if index < len(cells) else None)
                                      for number, cells in self.rows])
            if evidence.shows_month_day:
                self.plan.date_questions.append(DateQuestion(
                    column=index, label=self.labels[index] or field_label(key), rows=evidence.month_day_rows[:5],
                    values=evidence.month_day_values, either=evidence.either))

    def date(self, row: int, cells: list[Any], key: str) -> dt.date | None:
        try:
            return dates.parse(self.value(cells, key))
        except dates.DateProblem as exc:
            self.plan.errors.add(row, self.label(key), str(exc))
            return None

    # -- addresses
    def unit_for(self, row: int, text: str, *, structure: str, column: str, province_too: bool = False
                 ) -> Unit | None:
        """The unit an address names (the user's choice for this text first); an unmatched or ambiguous text is
        a question for the user (listed once per text, with its rows), and an error of the row."""
        key = address_key(text)
        chosen = self.choices.get(key)
        if chosen is not None:
            unit = self.matcher.unit(chosen)
            if unit is not None:
                return unit
        match = self.matcher.match(text, structure=structure, province_too=province_too)
        if match.status not in (AMBIGUOUS, UNMATCHED):
            return match.unit
        self._ask(row, text, key, match, structure)
        if match.status == UNMATCHED:
            self.plan.errors.add(row, column, _("No unit matches the address “%(text)s”: choose it below.")
                                 % {"text": text})
        else:
            self.plan.errors.add(row, column, _("The address “%(text)s” fits several units: choose one below.")
                                 % {"text": text})
        return None

    def _ask(self, row: int, text: str, key: str, match: Match, structure: str) -> None:
        question = self.plan.address_questions.get(key)
        if question is None:
            candidates = match.candidates or self.matcher.communes(structure)
            question = self.plan.address_questions[key] = AddressQuestion(
                key=key, text=text, status=match.status, message=match.message,
                candidates=[(u.pk, _unit_label(u)) for u in candidates[:400]])
        question.count += 1
        if len(question.rows) < 5:
            question.rows.append(row)


def _unit_label(unit: Unit) -> str:
    parent = unit.parent.name if unit.parent_id and unit.parent else ""
    structure = "2025" if unit.structure == Structure.NEW else ""
    label = f"{unit.name} – {parent}" if parent else unit.name
    return f"{label} ({unit.code}{', ' + structure if structure else ''})"


def is_total_row(ctx: Context, cells: list[Any], key: str) -> bool:
    """A "Tổng cộng" row: the sum of the rows above it, never a record of its own."""
    for index in sorted({ctx.columns.get(key, 0), 0, 1}):
        if index < len(cells) and isinstance(cells[index], str) and normalise_header(cells[index]) in _TOTAL_WORDS:
            return True
    return False


def data_rows(ctx: Context, required: tuple[str, ...], total_key: str) -> list[tuple[int, list[Any]]]:
    """The rows that hold records: not a total row, not a stray line (a signature, a section title) with none of
    the required fields filled."""
    kept = []
    for number, cells in ctx.rows:
        if is_total_row(ctx, cells, total_key):
            ctx.plan.skipped += 1
            continue
        if not any(ctx.value(cells, key) is not None for key in required if key in ctx.columns):
            ctx.plan.skipped += 1
            continue
        kept.append((number, cells))
    return kept


