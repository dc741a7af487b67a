"""The waiting pool (workers in training or waiting to depart): ``selectors`` groups and lists it, ``workbooks``
writes it to Excel. See ``selectors`` for the definitions."""
from __future__ import annotations

from reports.pool.selectors import DIMENSIONS, PoolLine, PoolSummary, pool_summary, pool_workers

__all__ = ["DIMENSIONS", "PoolLine", "PoolSummary", "pool_summary", "pool_workers"]
