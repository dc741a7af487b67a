from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from portal import formats, masking, sections

register = template.Library()

register.filter("vn_int", formats.format_int)
register.filter("vn_pct", formats.format_percent)
register.filter("vn_money", formats.format_money)
register.filter("vn_money_short", formats.format_money_short)
register.filter("vn_date", formats.format_date)
register.filter("vn_month", formats.format_month)
register.filter("mask", masking.mask)


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


@register.simple_tag(takes_context=True)
def page_sections(context, page: str, obj) -> str:
    """The sections other apps contribute to ``page`` (see ``portal.sections``), rendered in order."""
    request = context.get("request")
    parts = []
    for section in sections.sections(page):
        with context.push(**section.context(request, obj)):
            parts.append(context.template.engine.get_template(section.template).render(context))
    return mark_safe("".join(parts))  # each part was rendered (and escaped) by its template


@register.inclusion_tag("portal/_contributed_tabs.html", takes_context=True)
def contributed_tabs(context, group: str, active: str, after: str | None = None) -> dict:
    """``<li>`` tabs other apps add to the navigation ``group`` (see ``portal.sections``)."""
    return {"tabs": sections.tabs(group, after), "active": active}


@register.inclusion_tag("portal/_menu.html", takes_context=True)
def menu(context, group: str, item_class: str = "nav-item", link_class: str = "nav-link") -> dict:
    """The entries the apps registered in the portal's menu ``group`` that the user may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"entries": sections.menu(group, user), "item_class": item_class, "link_class": link_class,
            "path": getattr(request, "path", "")}


def _render_parts(context, parts) -> str:
    out = []
    for name, extra in parts:
        if extra is None:
            continue
        with context.push(**extra):
            out.append(context.template.engine.get_template(name).render(context))
    return mark_safe("".join(out))  # each part was rendered (and escaped) by its template


@register.simple_tag(takes_context=True)
def home_panels(context) -> str:
    """The inbox panels the apps registered (``portal.sections.register_home_panel``), those with something for
    this user, in order."""
    request = context.get("request")
    return _render_parts(context, ((panel.template, panel.context(request)) for panel in sections.home_panels()))


@register.simple_tag(takes_context=True)
def navbar_items(context) -> str:
    """The items the apps add to the navigation bar (``portal.sections``), for a signed-in user."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return _render_parts(context, ((item.template, item.context(request)) for item in sections.navbar_items()))


@register.simple_tag(takes_context=True)
def has_menu(context, group: str) -> bool:
    """Whether the menu ``group`` has an entry for the user (the administration drop-down shows only then)."""
    request = context.get("request")
    return bool(sections.menu(group, getattr(request, "user", None)))
