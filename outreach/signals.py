"""Automatic lead → worker linking when a worker is registered or their phone changes."""
from __future__ import annotations

from outreach.services import leads_link_worker, leads_link_workers


def link_leads_on_worker_save(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    if raw:  # loading fixtures or a backup: the links are in the data already
        return
    if update_fields is not None and not {"phone", "citizen_id", "unit"} & set(update_fields):
        return  # a status change: nothing that identifies the person moved
    leads_link_worker(instance)


def link_leads_on_workers_registered(sender, workers, **kwargs) -> None:
    """The import registers workers in bulk (``workers.services.workers_registered``): link them in one query."""
    leads_link_workers(workers)
