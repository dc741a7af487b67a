from __future__ import annotations

from django import template

register = template.Library()

STATUS_CLASSES = {
    "received": "text-bg-info", "verifying": "text-bg-primary", "referred": "text-bg-warning",
    "resolved": "text-bg-success", "rejected": "text-bg-secondary", "closed": "text-bg-dark",
}


@register.filter
def case_status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-light")
