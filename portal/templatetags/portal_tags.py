from __future__ import annotations

from django import template

from portal import formats

register = template.Library()

register.filter("vn_int", formats.format_int)
register.filter("vn_pct", formats.format_percent)
register.filter("vn_money", formats.format_money)
register.filter("vn_money_short", formats.format_money_short)
register.filter("vn_date", formats.format_date)
register.filter("vn_month", formats.format_month)


@register.filter
def vn_decimal(value, digits: int = 1) -> str:
    return formats.format_decimal(value, int(digits))


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination/sort links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()
