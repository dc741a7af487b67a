from __future__ import annotations

from celery import shared_task


@shared_task
def ping(value: int) -> int:
    """A trivial task used to check that a worker is alive and answering."""
    return value + 1
