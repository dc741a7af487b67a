"""Nothing a province needs is in /admin/: walking the portal from its menu, as each role, finds no link into
/admin/, except the national administrator's emergency entry (``data-menu="django_admin"``)."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import Resolver404, resolve

from tests.support.conftest import support  # noqa: F401  (policies and their workers: more pages to walk)

pytestmark = pytest.mark.django_db
MAX_PAGES = 70  # per role: one page per URL name is enough to see its links


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.found.append((attrs["href"], attrs))


def links(html: str) -> list[tuple[str, dict]]:
    parser = Links()
    parser.feed(html)
    return parser.found


def walk(client) -> tuple[set[str], list[tuple[str, str, dict]]]:
    """(the URL names visited, every (page, href, attributes) found), breadth first from the home page's menu."""
    todo, seen_names, seen_urls, found = ["/"], set(), set(), []
    while todo and len(seen_names) < MAX_PAGES:
        url = todo.pop(0)
        if url in seen_urls:
            continue
        seen_urls.add(url)
        try:
            name = resolve(url.split("?")[0]).view_name
        except Resolver404:
            continue
        if name in seen_names or name.startswith("admin:"):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen_names.add(name)
        for href, attrs in links(response.content.decode()):
            found.append((url, href, attrs))
            if href.startswith("/") and not href.startswith(("/static/", "/media/", "/admin/")) and not any(
                    part in href for part in (".xlsx", "export", "logout", "download")):
                todo.append(href)
    return seen_names, found


@pytest.mark.usefixtures("support", "departed")
@pytest.mark.parametrize("role", ["admin", "province_admin", "province", "official_a", "viewer", "nobody"])
def test_no_role_finds_a_link_into_admin(role, users, admins, client_for):
    user = admins.qt58 if role == "province_admin" else getattr(users, role)
    visited, found = walk(client_for(user))
    into_admin = [(page, href) for page, href, attrs in found if href.startswith("/admin/")
                  and not (role == "admin" and attrs.get("data-menu") == "django_admin")]
    assert into_admin == [], f"{role}: {into_admin[:5]}"
    if role == "admin":
        assert any(attrs.get("data-menu") == "django_admin" for _page, _href, attrs in found)
    if role in ("admin", "province_admin"):
        assert "accounts:user_list" in visited
    if role == "province":
        assert {"support:policy_list", "workers:enterprise_list", "workers:reference", "targets:indicator_list"} <= visited
        assert "accounts:user_list" not in visited
