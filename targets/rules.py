"""Validation rules over one unit's figures for one month, and the outlier flags beside them.

A rule (``targets.models.ValidationRule``) compares two expressions: ``departed_female <= departed``. An
expression is indicator codes, whole numbers, ``+``, ``-``, ``*`` and parentheses, read by the small parser
below (never ``eval``); an indicator the unit left blank counts as 0. The same :func:`rule_violations` runs
when figures are saved, submitted and imported, and feeds the province's report of violations.

An outlier is a value beyond the median ± 3 × MAD of the unit's last 24 months of that indicator (with at
least ``MIN_HISTORY`` months of history), or outside a range the province set (``IndicatorRange``).
"""
from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

OPERATORS = {
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "!=": lambda a, b: a != b,
}

_TOKEN = re.compile(r"\s*(?:(\d+)|([a-z_][a-z0-9_]*)|([-+*()]))", re.IGNORECASE)


class RuleSyntaxError(ValueError):
    """The expression cannot be read; the message says where."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression: ``evaluate(values)`` with indicator code → value (missing = 0)."""

    text: str
    tree: tuple
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, int | None]) -> int:
        return _evaluate(self.tree, values)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise RuleSyntaxError(_("Unexpected character “%(char)s” at position %(pos)s.") % {
                "char": text[pos:].strip()[:1], "pos": pos + 1})
        number, name, op = match.groups()
        out.append(("num", number) if number else ("name", name.lower()) if name else ("op", op))
        pos = match.end()
    return out


def parse_expression(text: str) -> Expression:
    """``expr := term (('+'|'-') term)*``, ``term := factor ('*' factor)*``, ``factor := number | name | '-'
    factor | '(' expr ')'``."""
    tokens = _tokens(text or "")
    if not tokens:
        raise RuleSyntaxError(_("The expression is empty."))
    pos = 0
    names: set[str] = set()

    def peek():
        return tokens[pos] if pos < len(tokens) else ("end", "")

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def factor():
        kind, value = take() if pos < len(tokens) else ("end", "")
        if kind == "num":
            return ("num", int(value))
        if kind == "name":
            names.add(value)
            return ("name", value)
        if (kind, value) == ("op", "-"):
            return ("neg", factor())
        if (kind, value) == ("op", "("):
            inner = expr()
            if peek() != ("op", ")"):
                raise RuleSyntaxError(_("A closing parenthesis is missing."))
            take()
            return inner
        if kind == "end":
            raise RuleSyntaxError(_("The expression ends too early."))
        raise RuleSyntaxError(_("Unexpected “%(token)s”.") % {"token": value})

    def term():
        node = factor()
        while peek() == ("op", "*"):
            take()
            node = ("*", node, factor())
        return node

    def expr():
        node = term()
        while peek() in (("op", "+"), ("op", "-")):
            _kind, op = take()
            node = (op, node, term())
        return node

    tree = expr()
    if pos != len(tokens):
        raise RuleSyntaxError(_("Unexpected “%(token)s”.") % {"token": tokens[pos][1]})
    return Expression(text=text.strip(), tree=tree, names=frozenset(names))


def _evaluate(node: tuple, values: Mapping[str, int | None]) -> int:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "name":
        return values.get(node[1]) or 0
    if kind == "neg":
        return -_evaluate(node[1], values)
    left, right = _evaluate(node[1], values), _evaluate(node[2], values)
    return left + right if kind == "+" else left - right if kind == "-" else left * right


def check_rule_text(*, left: str, operator: str, right: str, known: Iterable[str]) -> tuple[Expression, Expression]:
    """Both sides parsed and every name a known indicator code, else ``ValidationError`` by field."""
    known = set(known)
    errors: dict[str, list[str]] = {}
    parsed = []
    for field, text in (("left", left), ("right", right)):
        try:
            expression = parse_expression(text)
        except RuleSyntaxError as exc:
            errors[field] = [str(exc)]
            continue
        unknown = sorted(expression.names - known)
        if unknown:
            errors[field] = [_("Unknown indicator: %(codes)s.") % {"codes": ", ".join(unknown)}]
        parsed.append(expression)
    if operator not in OPERATORS:
        errors["operator"] = [_("Unknown comparison.")]
    if errors:
        raise ValidationError(errors)
    return parsed[0], parsed[1]


@dataclass(frozen=True)
class Violation:
    rule_id: int
    severity: str
    message: str
    left: int
    right: int
    names: tuple[str, ...]  # the left side's indicators first: the column an import error points at

    @property
    def is_error(self) -> bool:
        from targets.models import Severity

        return self.severity == Severity.ERROR

    def __str__(self) -> str:
        return self.message


def active_rules() -> list:
    from targets.models import ValidationRule

    return list(ValidationRule.objects.filter(active=True).order_by("pk"))


def rule_violations(values: Mapping[str, int | None], rules: list | None = None) -> list[Violation]:
    """The rules ``values`` break (rules whose indicators are all blank are not checked)."""
    out = []
    for rule in active_rules() if rules is None else rules:
        try:
            left, right = parse_expression(rule.left), parse_expression(rule.right)
        except RuleSyntaxError:
            continue  # refused on save; a rule changed by hand in the database is skipped, not fatal
        names = left.names | right.names
        if names and all(values.get(name) is None for name in names):
            continue
        a, b = left.evaluate(values), right.evaluate(values)
        if not OPERATORS.get(rule.operator, lambda *_a: True)(a, b):
            out.append(Violation(rule.pk, rule.severity, rule.message, a, b,
                                 tuple(sorted(left.names)) + tuple(sorted(right.names - left.names))))
    return out


# --- outliers ---------------------------------------------------------------------------------------------

HISTORY_MONTHS = 24
MIN_HISTORY = 6
MAD_FACTOR = 3


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    source: str  # "history" or "range"


def mad_bounds(series: list[int]) -> Bounds | None:
    """median ± 3 × MAD of ``series`` (None with fewer than ``MIN_HISTORY`` values).

    A MAD of 0 (a unit that reports the same figure every month) would flag any change: the spread is then at
    least 1."""
    if len(series) < MIN_HISTORY:
        return None
    median = statistics.median(series)
    mad = statistics.median(abs(v - median) for v in series) or 1
    return Bounds(median - MAD_FACTOR * mad, median + MAD_FACTOR * mad, "history")


@dataclass(frozen=True)
class Flag:
    code: str
    value: int
    bounds: Bounds

    def __str__(self) -> str:
        from portal import formats

        low = formats.format_int(max(0, round(self.bounds.low)))
        high = formats.format_int(round(self.bounds.high))
        if self.bounds.source == "range":
            return _("%(value)s is outside the range %(low)s–%(high)s set by the province.") % {
                "value": formats.format_int(self.value), "low": low, "high": high}
        return _("%(value)s is far from this unit's usual figures (%(low)s–%(high)s over the last 24 months).") % {
            "value": formats.format_int(self.value), "low": low, "high": high}


def history_series(unit_ids: Iterable[int], month: dt.date) -> dict[tuple[int, str], list[int]]:
    """(unit id, indicator code) → the values of the 24 months before ``month`` (submitted or approved)."""
    from targets.models import MonthlyValue, ReportStatus

    start = month.replace(year=month.year - 2)
    out: dict[tuple[int, str], list[int]] = defaultdict(list)
    for unit_id, code, value in (MonthlyValue.objects.filter(
            report__unit_id__in=list(unit_ids), report__month__gte=start, report__month__lt=month,
            report__status__in=[ReportStatus.SUBMITTED, ReportStatus.APPROVED])
            .values_list("report__unit_id", "indicator__code", "value")):
        out[(unit_id, code)].append(value)
    return out


def all_ranges(units: Iterable) -> list[tuple[str, str, Bounds]]:
    """(unit path, indicator code, bounds) of the ranges set on ``units`` or the units above them, one query."""
    from portal.tree import ancestor_paths
    from targets.models import IndicatorRange

    paths = {path for unit in units for path in ancestor_paths(unit.path, include_self=True)}
    return [(path, code, Bounds(low, high, "range")) for path, code, low, high in IndicatorRange.objects.filter(
        unit__path__in=paths).values_list("unit__path", "indicator__code", "minimum", "maximum")]


def ranges_for(unit, ranges: list[tuple[str, str, Bounds]] | None = None) -> dict[str, Bounds]:
    """Indicator code → the range set on the unit or the nearest unit above it."""
    from portal.tree import ancestor_paths

    mine = set(ancestor_paths(unit.path, include_self=True))
    out: dict[str, tuple[int, Bounds]] = {}
    for path, code, bounds in all_ranges([unit]) if ranges is None else ranges:
        if path in mine and (code not in out or out[code][0] < len(path)):
            out[code] = (len(path), bounds)
    return {code: bounds for code, (_depth, bounds) in out.items()}


def outlier_flags(unit, month: dt.date, values: Mapping[str, int | None],
                  series: dict[tuple[int, str], list[int]] | None = None,
                  ranges: list[tuple[str, str, Bounds]] | None = None) -> list[Flag]:
    """The values of ``unit`` for ``month`` outside the province's range or far from the unit's history
    (``series`` and ``ranges``: preloaded for many units)."""
    series = history_series([unit.pk], month) if series is None else series
    ranges = ranges_for(unit, ranges)
    flags = []
    for code, value in values.items():
        if value is None:
            continue
        bounds = ranges.get(code) or mad_bounds(series.get((unit.pk, code), []))
        if bounds is not None and not bounds.low <= value <= bounds.high:
            flags.append(Flag(code, value, bounds))
    return flags


def needs_comment(violations: list[Violation], flags: list[Flag]) -> bool:
    """Warnings and outliers may be submitted, with a comment that explains them."""
    return bool(flags) or any(not v.is_error for v in violations)
