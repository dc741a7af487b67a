"""What complaints shows on the registry's pages (``portal.sections``): the complaint counts of the enterprises
listed on the enterprises' page, and a worker's own cases on the worker's page."""
from __future__ import annotations

from complaints import selectors
from workers.services import today


def enterprise_section(request, page) -> dict:
    """The enterprises of the page that cases of the user's region name, with their counts."""
    enterprises = list(page) if page is not None else []
    counts = selectors.enterprise_complaints(request.user, [e.pk for e in enterprises])
    parties = selectors.enterprise_parties(request.user, list(counts))
    rows = [(enterprise, counts[enterprise.pk], parties.get(enterprise.pk)) for enterprise in enterprises
            if enterprise.pk in counts]
    return {"complaint_rows": rows, "complaint_today": today()}


def worker_section(request, worker) -> dict:
    return {"complaint_cases": selectors.worker_cases(request.user, worker)}
