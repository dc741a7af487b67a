from __future__ import annotations

from django import template

from portal import masking

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
