from __future__ import annotations

from django import template

from workers import validators

register = template.Library()

register.filter("mask", validators.mask)

STATUS_CLASSES = {
    "registered": "text-bg-light", "counselled": "text-bg-info", "training": "text-bg-primary",
    "waiting": "text-bg-warning", "departed": "text-bg-success", "returned": "text-bg-secondary",
    "absconded": "text-bg-danger", "withdrawn": "text-bg-dark",
}


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")
