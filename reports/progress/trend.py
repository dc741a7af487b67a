"""Departures year by year, for the dashboard's trend: the registry's, and the history figures' of the periods the
registry holds no departure of (``history.coverage``: never the same period twice)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear, TruncMonth

from history.coverage import covered_months, is_covered
from history.selectors import report_figures
from portal.models import Unit
from portal.tree import UnitTree
from reports.progress.queries import tallies_in_tree
from workers.models import Departure


def departures_by_year(unit: Unit, first_year: int, last_year: int) -> list[dict[str, int]]:
    """``[{"year", "registry", "history"}]`` for each year from ``first_year`` to ``last_year``, in ``unit``'s subtree
    (and the other structure's records that count in it). Two queries, three when history figures fall in the
    years (the registry's months of their periods)."""
    tree = UnitTree(unit)
    start, end = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    registry: dict[int, int] = defaultdict(int)
    tallies = tallies_in_tree(tree)  # whole years: the departure tallies (workers.tallies), not every departure
    for unit_id, year, n in (() if tallies is None else tallies.filter(month__range=(start, end))
                             .annotate(year=ExtractYear("month")).order_by().values("unit_id", "year")
                             .annotate(n=Sum("n_departed")).values_list("unit_id", "year", "n")):
        if tree.knows(unit_id):
            registry[year] += n
    history: dict[int, int] = defaultdict(int)
    figures = [figure for figure in report_figures(tree.q("unit"), start, end) if tree.knows(figure[0])]
    if figures:
        first = min(figure[2] for figure in figures)
        last = max(figure[3] for figure in figures)
        months = (Departure.objects.filter(tree.q("unit"), date__range=(first, last)).annotate(month=TruncMonth("date"))
                  .order_by().values_list("unit_id", "month").annotate(n=Count("id")))
        covered = covered_months((tree.other_paths.get(uid) or tree.path_by_id[uid], month)
                                 for uid, month, _n in months if tree.knows(uid))
        for unit_id, path, figure_start, figure_end, _month, departed, *_breakdown in figures:
            if not is_covered(tree.other_paths.get(unit_id) or path, figure_start, figure_end, covered):
                history[figure_start.year] += departed
    return [{"year": year, "registry": registry.get(year, 0), "history": history.get(year, 0)}
            for year in range(first_year, last_year + 1)]
