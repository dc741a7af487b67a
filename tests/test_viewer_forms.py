"""A read-only user is never offered a form they cannot submit: every page of the portal (the URL walk, with the
factories' objects) is read as the viewer, and every POST form on it is submitted as that viewer; none answers
403. And when a write is refused, the refusal is a page of the portal in Vietnamese, not a bare "403 Forbidden"."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.test_url_scope import ADMIN_ONLY, FACTORIES, NATIONAL, PUBLIC, READ_BY_ALL, url_for, walk

pytestmark = pytest.mark.django_db

# Forms every signed-in person may send whatever their role.
ALWAYS = {"logout", "set_language"}


class PostForms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.actions: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.actions.append(attrs.get("action"))


def post_forms(html: str) -> list[str | None]:
    parser = PostForms()
    parser.feed(html)
    return parser.actions


@pytest.fixture
def env(units, users):
    return SimpleNamespace(units=units, users=users)


class ViewerFormTests:
    def test_no_page_offers_the_viewer_a_form_that_answers_403(self, env, client_for):
        from django.urls import resolve

        viewer = client_for(env.users.viewer)
        offered, offenders = 0, []
        for name, params in walk():
            if name in NATIONAL or name in ADMIN_ONLY or name in PUBLIC:  # PUBLIC: one-time links, no login
                continue
            url = url_for(name, {**FACTORIES, **READ_BY_ALL}[name](env) if params else {})
            page = viewer.get(url)
            if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
                continue
            for action in post_forms(page.content.decode()):
                target = action or url
                if resolve(target.split("?")[0]).url_name in ALWAYS:
                    continue
                offered += 1
                if viewer.post(target).status_code == 403:
                    offenders.append(f"{name} ({url}) → {target}")
        assert offenders == [], "pages offering the viewer a form that answers 403:\n" + "\n".join(offenders)
        assert offered >= 1  # the notifications' own forms at least

    def test_a_refused_write_answers_a_page_of_the_portal_in_vietnamese(self, env, client_for):
        response = client_for(env.users.viewer).post(reverse("targets:monthly_import"))
        assert response.status_code == 403
        body = response.content.decode()
        assert 'data-testid="error-403"' in body and "Bạn không có quyền" in body
        assert 'data-menu="targets"' in body  # the portal's menu, not a bare page
        assert not re.search(r"<h1>403 Forbidden</h1>", body)
