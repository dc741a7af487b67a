from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from portal import masking
from portal.formats import format_date
from portal.models import Level

register = template.Library()

register.filter("mask", masking.mask)  # the core's one helper, also in portal_tags

STATUS_CLASSES = {
    "registered": "text-bg-light", "counselled": "text-bg-info", "training": "text-bg-primary",
    "waiting": "text-bg-warning", "departed": "text-bg-success", "returned": "text-bg-secondary",
    "absconded": "text-bg-danger", "withdrawn": "text-bg-dark",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")


@register.filter
def amount(value) -> str:
    """A wage the Vietnamese way: 1.800.000 ; 2.150,50 (decimals only when there are some)."""
    from decimal import Decimal

    from portal.formats import format_decimal

    if value is None:
        return ""
    value = Decimal(value)
    return format_decimal(value, 0 if value == value.to_integral_value() else 2)


OUTCOME_CLASSES = {"on_time": "text-bg-success", "early": "text-bg-warning", "after_overstay": "text-bg-danger"}


@register.filter
def outcome_class(outcome: str) -> str:
    return OUTCOME_CLASSES.get(outcome, "text-bg-light")


FOLLOW_UP_CLASSES = {"done": "text-bg-success", "due": "text-bg-warning", "missed": "text-bg-secondary",
                     "upcoming": "text-bg-light"}


@register.filter
def follow_up_class(state: str) -> str:
    return FOLLOW_UP_CLASSES.get(state, "text-bg-light")


_SENTINEL_PK = 999999999


@register.simple_tag
def worker_rows(page) -> str:
    """The ``<tr>`` of a page of the workers' list, written in Python: 50 rows of eight cells through the template
    engine (a URL reversed, four filters and a dozen lookups each) were half of the page's server time. Escaped with
    ``html.escape``, as Django's ``escape`` does, without its wrappers around each of the 600 values."""
    rows = list(page)
    if not rows:
        return mark_safe(f'<tr><td colspan="8" class="text-muted">{escape(gettext("No worker matches."))}</td></tr>')
    prefix, suffix = reverse("workers:worker_detail", args=[_SENTINEL_PK]).split(str(_SENTINEL_PK))
    legacy = ' <span class="badge text-bg-light border">CMND</span>'

    def row(w) -> str:
        unit = w.unit
        parent = unit.parent if unit.level == Level.COMMUNE and unit.parent_id else None
        after_unit = f' <span class="text-muted small">· {escape(parent.name)}</span>' if parent else ""
        country = w.last_country
        return (f'<tr><td><a href="{prefix}{w.pk}{suffix}">{escape(w.full_name)}</a></td>'
                f'<td class="font-monospace">{escape(masking.mask(w.id_number))}'
                f'{legacy if w.has_only_legacy_id else ""}</td>'
                f'<td>{format_date(w.date_of_birth)}</td><td>{escape(str(w.sex_label))}</td>'
                f'<td>{escape(unit.name)}{after_unit}</td>'
                f'<td><span class="badge {STATUS_CLASSES.get(w.status, "text-bg-light")}">{escape(str(w.status_label))}'
                f'</span></td><td>{format_date(w.last_departure_date)}</td>'
                f'<td>{escape(country.name) if country else ""}</td></tr>')

    return mark_safe("\n".join(row(w) for w in rows))  # every value above is escaped or ours
