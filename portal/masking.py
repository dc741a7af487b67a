"""Personal numbers shown masked: one helper for every template, export and JSON that shows a CCCD, a CMND or a
phone number (workers, leads, complaints, returnees).

Who sees them in full is each app's rule (``workers.selectors.sees_personal_data``: the roles that work with the
records; the complaints' own rule for complainants); everyone else — the read-only viewer first — gets
``mask(value)``, the last four characters only, and the full number is never sent to their browser.
"""
from __future__ import annotations

import re

# What the viewer's pages are checked against (tests/test_personal_data.py): a CCCD, or a Vietnamese phone number.
CCCD_RE = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
PHONE_RE = re.compile(r"(?<![0-9])(?:\+84|0)[35789][0-9]{8}(?![0-9])|(?<![0-9])0[35789][0-9]{2}[ .][0-9]{3}[ .][0-9]{3}(?![0-9])")


def mask(value, keep: int = 4) -> str:
    """"058090123456" → "••••••••3456" (only the last ``keep`` characters shown)."""
    value = str(value or "")
    if len(value) <= keep:
        return value
    return "•" * (len(value) - keep) + value[-keep:]


def shown(value, full: bool) -> str:
    """The value as this reader may see it: whole when ``full``, else masked."""
    return str(value or "") if full else mask(value)
