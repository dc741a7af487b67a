"""Overstay and absconding, read from the registry: a province's settings, whether a departure is overstaying,
the counts behind the suspension rule (Korea's EPS) and the enterprises' absconding rates.

Overstaying is never typed: a worker overstays from the day after the contract's end (in force, extensions
included) plus the province's grace period, until a return is recorded. Absconding is a dated event
(``Absconding``), open until the worker is found or comes home.

The counting functions run one aggregate query (a ``GROUP BY`` over the departures in a subtree), whatever
the number of units, workers or departures; reports roll the counts up the unit tree.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Sum, Value, When
from django.utils.translation import gettext as _

from portal import formats, tree
from portal.models import Unit
from workers.contracts import add_months, overstay_start
from workers.models import Absconding, AftercareSettings, Departure, Return, ReturnOutcome


def settings_for(unit: Unit | None) -> AftercareSettings:
    """The after-departure settings of the province of ``unit`` (an unsaved row with the defaults when it set
    none); one query."""
    found = None
    if unit is not None:
        found = AftercareSettings.objects.filter(unit__path=tree.province_path(unit.path)).first()
    return found or AftercareSettings()


class SettingsByProvince:
    """Every province's settings read once (a handful of rows), for the departures of a whole import."""

    def __init__(self):
        self.rows = {row.unit.path: row for row in AftercareSettings.objects.select_related("unit")}
        self.default = AftercareSettings()

    def of(self, unit: Unit) -> AftercareSettings:
        return self.rows.get(tree.province_path(unit.path), self.default)


def _flag(condition) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def absconded_open_on(day: dt.date) -> Exists:
    """The departure had an absconding open on ``day`` (learned by then, not closed by then)."""
    return Exists(Absconding.objects.filter(departure=OuterRef("pk"), learned_on__lte=day)
                  .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day)))


def returned_by(day: dt.date) -> Exists:
    return Exists(Return.objects.filter(departure=OuterRef("pk"), date__lte=day))


def overstaying_on(day: dt.date, grace_days: int) -> Q:
    """The contract in force ended more than ``grace_days`` before ``day`` (combine with "not returned")."""
    return Q(contract_end__lt=day - dt.timedelta(days=grace_days))


# --- One departure ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overstay:
    """A departure's overstay: from ``since`` (the day after the grace period) until ``until`` (the return; None:
    still abroad)."""

    since: dt.date
    until: dt.date | None

    @property
    def days(self) -> int | None:
        return (self.until - self.since).days + 1 if self.until else None


def departure_overstay(departure: Departure, *, grace_days: int, today: dt.date) -> Overstay | None:
    """The overstay of ``departure`` (its return read from ``return_record`` when loaded), or None."""
    since = overstay_start(departure.contract_end, grace_days)
    if since is None:
        return None
    back = getattr(departure, "return_record", None) if _has_return(departure) else None
    if back is not None:
        return Overstay(since, back.date - dt.timedelta(days=1)) if back.date >= since else None
    return Overstay(since, None) if today >= since else None


def _has_return(departure: Departure) -> bool:
    try:
        departure.return_record  # noqa: B018 (loaded by select_related, or one query)
    except Return.DoesNotExist:
        return False
    return True


# --- The suspension rule ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """A rule's two thresholds and its window, from an ``OverstayRule`` or typed on a command line."""

    programme_id: int
    min_stayers: int
    min_rate: Decimal  # per cent
    window_from: dt.date
    window_to: dt.date
    stayers_inclusive: bool = True
    rate_inclusive: bool = True

    @classmethod
    def of(cls, rule) -> Thresholds:
        return cls(programme_id=rule.programme_id, min_stayers=rule.min_stayers, min_rate=rule.min_rate,
                   window_from=rule.window_from, window_to=rule.window_to, stayers_inclusive=rule.stayers_inclusive,
                   rate_inclusive=rule.rate_inclusive)

    def count_reached(self, stayers: int) -> bool:
        return stayers >= self.min_stayers if self.stayers_inclusive else stayers > self.min_stayers

    def rate_reached(self, late: int, ended: int) -> bool:
        """``late`` of ``ended`` against the rate, exactly (no rounding): late × 100 ≥ rate × ended."""
        if not ended:
            return False
        share, threshold = Fraction(late * 100, ended), Fraction(self.min_rate)
        return share >= threshold if self.rate_inclusive else share > threshold


def rule_counts(*, unit_q: Q, programme_id: int, as_of: dt.date, window_from: dt.date, window_to: dt.date,
                grace_days: int) -> list[tuple[int, int, int, int]]:
    """``[(unit_id, stayers, ended, late)]`` per unit of the departures of a programme that ``unit_q`` selects
    (a condition on the departure's ``unit``), in one query.

    - stayers: departed by ``as_of``, not returned by then, and either absconded (an absconding open on that
      day) or overstaying (the contract ended more than the grace period before it);
    - ended: the contract in force ended in the window (cut at ``as_of``: a later end is not known yet);
    - late: of those, not returned within the grace period: returned later than that, or not returned by
      ``as_of`` once the grace period is over.
    """
    window_to = min(window_to, as_of)
    returned = returned_by(as_of)
    overstaying = overstaying_on(as_of, grace_days)
    ended = Q(contract_end__gte=window_from, contract_end__lte=window_to)
    late = ended & (Q(return_record__days_past_contract__gt=grace_days, return_record__date__lte=as_of)
                    | (~returned & overstaying))
    rows = (
        Departure.objects.filter(unit_q, programme_id=programme_id, date__lte=as_of)
        .filter(Q(contract_end__gte=window_from) | ~returned)  # neither ended in the window nor abroad: nothing
        .order_by()
        .values("unit_id")
        .annotate(stayers=Sum(_flag(~returned & (absconded_open_on(as_of) | overstaying))),
                  ended=Sum(_flag(ended)), late=Sum(_flag(late)))
    )
    return [(row["unit_id"], row["stayers"], row["ended"], row["late"]) for row in rows
            if row["stayers"] or row["ended"]]


# --- Outcomes of departures: the enterprises' scorecard and the warning on departure -----------------------------


@dataclass
class Outcomes:
    departures: int = 0
    early: int = 0
    absconded: int = 0
    overstayed: int = 0

    def add(self, other: Outcomes) -> None:
        self.departures += other.departures
        self.early += other.early
        self.absconded += other.absconded
        self.overstayed += other.overstayed


def departure_outcomes(departures, *, group_by: tuple[str, ...], grace_days: int, today: dt.date
                       ) -> dict[tuple, Outcomes]:
    """What became of ``departures`` (a queryset, already filtered), grouped by ``group_by`` (``("enterprise_id",)``,
    ``("unit_id",)``…), in one query: how many, returned early, absconded (ever), and overstayed without absconding
    (returned after the grace period, or not returned with the grace period over on ``today``): a worker counts
    once, as absconded or as overstayed, so the two rates add up."""
    absconded = Exists(Absconding.objects.filter(departure=OuterRef("pk")))
    overstayed = ~absconded & (Q(return_record__days_past_contract__gt=grace_days)
                               | (Q(return_record__isnull=True) & overstaying_on(today, grace_days)))
    rows = (
        departures.order_by().values(*group_by)
        .annotate(n=Count("id"), early=Sum(_flag(Q(return_record__outcome=ReturnOutcome.EARLY))),
                  absconded=Sum(_flag(absconded)), overstayed=Sum(_flag(overstayed)))
    )
    return {tuple(row[key] for key in group_by): Outcomes(row["n"], row["early"], row["absconded"], row["overstayed"])
            for row in rows}


def enterprise_absconding_rates(*, province_paths: list[str], since: dt.date, pairs: set[tuple[int, int | None]],
                                grace_days: int, today: dt.date, recorded_before: dt.datetime | None = None
                                ) -> dict[tuple[int, int | None], Outcomes]:
    """Outcomes of the departures since ``since`` from the provinces ``province_paths`` (with the legacy units
    a 2025 province inherited) through each (enterprise, programme) of ``pairs``, in one query; ``recorded_before``: only
    the departures recorded before then (those before an import that writes in batches)."""
    if not pairs:
        return {}
    departures = Departure.objects.filter(
        tree.subtree_q("unit", province_paths), date__gte=since,
        enterprise_id__in={enterprise for enterprise, _programme in pairs})
    if recorded_before is not None:
        departures = departures.filter(created_at__lt=recorded_before)
    found = departure_outcomes(departures, group_by=("enterprise_id", "programme_id"), grace_days=grace_days,
                               today=today)
    return {pair: found.get(pair, Outcomes()) for pair in pairs}


def absconding_warning(enterprise, programme, *, settings: AftercareSettings, outcomes: Outcomes) -> str:
    """The warning a departure through ``enterprise`` in ``programme`` carries when the enterprise's absconding
    rate there exceeds the province's threshold ("" otherwise). Below the province's minimum number of
    departures a rate says little (1 of 2 is 50 %): no warning."""
    if enterprise is None or outcomes.departures < max(settings.absconding_min_departures, 1):
        return ""
    if Fraction(outcomes.absconded * 100, outcomes.departures) <= Fraction(settings.absconding_rate_threshold):
        return ""
    return _("%(name)s: %(absconded)s of the %(departures)s workers it sent in %(programme)s over the last "
             "%(years)s years absconded (%(rate)s, above the province's threshold of %(threshold)s).") % {
        "name": enterprise.name, "absconded": formats.format_int(outcomes.absconded),
        "departures": formats.format_int(outcomes.departures),
        "programme": programme.code if programme is not None else _("no programme"),
        "years": settings.absconding_lookback_years,
        "rate": formats.format_percent(outcomes.absconded / outcomes.departures),
        "threshold": formats.format_percent(settings.absconding_rate_threshold / 100)}


def lookback_start(settings: AftercareSettings, day: dt.date) -> dt.date:
    """The first departure date the enterprise warning looks at."""
    return add_months(day, -12 * settings.absconding_lookback_years)


def province_paths(unit: Unit) -> list[str]:
    """The paths whose departures count as the province's of ``unit``: its province, and the legacy units a 2025
    province inherited."""
    province = Unit.objects.filter(path=tree.province_path(unit.path)).first()
    if province is None:
        return [tree.province_path(unit.path)]
    return [province.path, *tree.legacy_prefixes(province)]
