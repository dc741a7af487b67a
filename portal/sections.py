"""What an app contributes to the pages of an app below it, so that the arrows keep pointing down.

The worker page belongs to ``workers``, which imports no app above it; the support a worker received is
``support``'s to show. ``support`` registers a section of the page (a template and the function giving its
context) from its ``AppConfig.ready``; the page renders whatever is registered with
``{% page_sections "workers:worker_detail" worker %}``. Tabs of an app's navigation work the same way
(``{% contributed_tabs "workers" tab %}``), and so does the portal's own menu: every app adds its entries
(:func:`register_menu`, group ``main`` or ``admin``) and ``base.html`` renders ``{% menu "main" %}``.

The home page's inbox is built the same way: each app registers a panel (:func:`register_home_panel`: its
template, the function giving its context for the request, None when it has nothing for this user, and how
many items need the user's action); the home page renders ``{% home_panels %}`` and the navigation bar the
sum of the counts (:func:`inbox_count`). Small items of the navigation bar itself (the notification bell)
are registered with :func:`register_navbar_item`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from portal.scoping import sees_everything


@dataclass(frozen=True)
class Section:
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any]]
    order: int


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str
    after: str | None


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    url_name: str
    order: int
    visible: Callable[[Any], bool] | None


_sections: dict[str, list[Section]] = defaultdict(list)
_tabs: dict[str, list[Tab]] = defaultdict(list)
_menus: dict[str, list[MenuEntry]] = defaultdict(list)


def register_section(page: str, *, template: str, context: Callable[[HttpRequest, Any], dict[str, Any]],
                     order: int = 100) -> None:
    """Show ``template`` on ``page`` (a URL name), with ``context(request, obj)`` added to the page's own."""
    if any(section.template == template for section in _sections[page]):
        return  # ready() may run twice (tests that reload apps)
    _sections[page].append(Section(template, context, order))
    _sections[page].sort(key=lambda section: section.order)


def sections(page: str) -> list[Section]:
    return list(_sections.get(page, ()))


def register_tab(group: str, *, key: str, label: str, url_name: str, after: str | None = None) -> None:
    """Add a tab to the navigation ``group`` of another app (after its tab ``after``, else at the end)."""
    if any(tab.key == key for tab in _tabs[group]):
        return
    _tabs[group].append(Tab(key, label, url_name, after))


def tabs(group: str, after: str | None = None) -> list[Tab]:
    """The contributed tabs of ``group`` that go after its own tab ``after`` (None: at the end)."""
    return [tab for tab in _tabs.get(group, ()) if tab.after == after]


def register_menu(group: str, *, key: str, label: str, url_name: str, order: int = 100,
                  visible: Callable[[Any], bool] | None = None) -> None:
    """An entry of the portal's menu ``group`` (``"main"``: the top bar; ``"admin"``: the administration
    drop-down), in ``order``; ``visible(user)`` hides it from those it is not for (default: everyone, and in
    the ``"admin"`` group administrators only). The drop-down shows to whoever has an entry in it."""
    if any(entry.key == key for entry in _menus[group]):
        return
    _menus[group].append(MenuEntry(key, label, url_name, order, visible))
    _menus[group].sort(key=lambda entry: entry.order)


def menu(group: str, user) -> list[MenuEntry]:
    default = sees_everything if group == "admin" else (lambda user: True)
    return [entry for entry in _menus.get(group, ()) if (entry.visible or default)(user)]


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    count: Callable[[Any], int] | None
    order: int


@dataclass(frozen=True)
class NavbarItem:
    key: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any] | None]
    order: int


_home_panels: list[HomePanel] = []
_navbar_items: list[NavbarItem] = []


def register_home_panel(key: str, *, template: str, context: Callable[[HttpRequest], dict[str, Any] | None],
                        count: Callable[[Any], int] | None = None, order: int = 100) -> None:
    """A part of the home page's inbox: ``template`` rendered with ``context(request)`` (None: nothing to show to
    this user); ``count(user)``: the items awaiting the user's action, added up in the navigation bar (keep it
    cheap: it runs on every page)."""
    if any(panel.key == key for panel in _home_panels):
        return
    _home_panels.append(HomePanel(key, template, context, count, order))
    _home_panels.sort(key=lambda panel: panel.order)


def home_panels() -> list[HomePanel]:
    return list(_home_panels)


def inbox_count(user) -> int:
    """The items of every panel that await ``user``'s action."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return sum(panel.count(user) for panel in _home_panels if panel.count is not None)


def register_navbar_item(key: str, *, template: str, context: Callable[[HttpRequest], dict[str, Any] | None],
                         order: int = 100) -> None:
    """A small item of the navigation bar (left of the user's name), e.g. the notification bell."""
    if any(item.key == key for item in _navbar_items):
        return
    _navbar_items.append(NavbarItem(key, template, context, order))
    _navbar_items.sort(key=lambda item: item.order)


def navbar_items() -> list[NavbarItem]:
    return list(_navbar_items)
