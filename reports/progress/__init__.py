"""Progress against target: the one selector behind the screen, the workbook,
the command, the dashboard and the monthly snapshots.

The package: ``period`` (what a period covers), ``rows`` (the rows and the
report), ``queries`` (the aggregate queries), ``rollup`` (leaf counts onto the
rows), ``report`` (``progress_rows``), ``reconciliation``, ``sentences`` (the
review sentence), ``workbooks`` (the Excel file) and ``jobs`` (the report job).

``progress_rows`` runs a fixed handful of aggregate queries over the whole
subtree of the chosen unit, grouped by leaf ``unit_id`` (and country, month…),
then rolls the counts up to the units directly below the chosen one in Python
by ``path`` (each leaf unit mapped to its row once per report). Every departure
figure (the period's, the same period a year before, markets, the market sheet's
lines and the months) comes from one scan of the departures
(``queries._departure_groups``). The number of queries does not depend on the number
of units, workers or departures.

Rules (see also the docstrings below):
- "Departed" counts departures by departure date in the period; a worker who
  has since returned or absconded still counts. With ``source="figures"`` it
  is the sum of the approved monthly figures of the months the period touches.
- Target: the unit's ``Quota`` of the period's year; over several years the
  sum of those years' quotas. The total row uses the chosen unit's own quota,
  or the sum of the rows when the unit itself has none.
- Expected: the target pro rata to the part of each year that the period
  covers up to its end (or today, when the period ends later), counting whole
  months plus the elapsed days of the current month: H1 → 6/12, Q3 → 3/12.
- Waiting: workers whose status at the end of the period, read from their
  status timeline (``StatusChange``), is "in training" or "waiting to depart";
  counted by the worker's home unit: the stays in those statuses that began
  before the end and ended after it or not at all (``StatusChange.ended_at``,
  kept by the database; see ``queries._waiting_pool``), read from one index
  without any timeline. From figures: the latest approved ``waiting`` value of
  each unit up to the end of the period.
- Coverage (always from the registry): share of departed workers holding an
  orientation certificate; share of the communes of a unit with at least one
  worker abroad at the end of the period (departed on or before it and not
  returned by then).
- History figures (``history.HistoryFigure``: a unit's departures in a month or a
  year from before the registry, where only totals exist) count, with the
  registry source, for a month (or year) the registry holds no departure of in
  the figure's unit and below it, and only when the figure's whole period lies
  in the report's period (or in the same period last year); see
  ``history.coverage``. Figures never overlap one another on a line of the tree,
  so no period is counted twice. One more query (the figures), and a fourth
  grouping of the departures query when figures fall in the periods.
- Across the 2025 reform (issue 11) a report runs in the structure of its unit
  and counts the other structure's records too: legacy records under the
  default successor of their unit (an abolished district's, e.g. its monthly
  figures, under the new province), 2025 records under their unit's primary
  predecessor (``portal.tree.primary_predecessors``); see ``portal.tree.UnitTree``. A province's total
  is the same in both structures. Two more queries, whatever the number of units.
"""
from __future__ import annotations

from reports.progress.period import PERIOD_CODES, Period, PeriodError
from reports.progress.reconciliation import reconciliation_rows, sources_compared
from reports.progress.report import progress_rows
from reports.progress.rows import (
    FIGURES,
    MARKET_NAMES_VI,
    MARKETS,
    OTHER_MARKET,
    REGISTRY,
    SOURCES,
    ProgressReport,
    ProgressRow,
)
from reports.progress.sentences import review_sentence

__all__ = [
    "FIGURES", "MARKETS", "MARKET_NAMES_VI", "OTHER_MARKET", "PERIOD_CODES", "REGISTRY", "SOURCES", "Period",
    "PeriodError", "ProgressReport", "ProgressRow", "progress_rows", "reconciliation_rows", "review_sentence", "sources_compared",
]
