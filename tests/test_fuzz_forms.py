"""Every form of the portal, fuzzed: no input answers a server error.

The pages come from the URL resolver (``tests/test_url_scope.walk``, with the apps' factories for URLs that take
an object), so a new form is fuzzed without anyone remembering it. Each page is read as each role; every form on
it (GET filters and POST forms; upload screens excluded, they have their own tests in
``tests/test_hardening_uploads.py``) is then sent once per class of hostile value with the value in every field
at once. Only when that answers 500 is the form sent again field by field, so the failure names the field.
Links on a page back to the same view with a query string (a filter already chosen, a parent unit opened) are
followed once, so forms that appear only there are fuzzed too.

A failure lists the URL, the role, the field, the value class and the exception. The size of the run is
printed with ``-s`` and written in docs/SECURITY.md.
"""
from __future__ import annotations

import itertools
import os
import sys
import time
import traceback
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import Resolver404, resolve

from tests.test_url_scope import ADMIN_ONLY, FACTORIES, NATIONAL, PUBLIC, READ_BY_ALL, url_for, walk

pytestmark = pytest.mark.django_db

# Forms that end the session or change the language: not data entry.
SKIP_ACTIONS = {"logout", "set_language", "javascript-catalog"}
# Hidden fields the framework owns.
SKIP_FIELDS = {"csrfmiddlewaretoken"}

# The classes of hostile values: name → value. Each class is sent in one request per form (every field at once).
VALUES: dict[str, str] = {
    "int_huge": "99999999999999999999",
    "int_2^31": "2147483648",
    "int_2^63": "9223372036854775808",
    "int_negative": "-2147483649",
    "minus_one": "-1",
    "zero": "0",
    "year_0": "0000",
    "year_1": "1",
    "year_9999": "9999",
    "year_10000": "10000",
    "date_31_02": "31/02/2026",
    "date_29_02_non_leap": "29/02/2025",
    "date_0001": "01/01/0001",
    "date_9999": "31/12/9999",
    "iso_date_9999": "9999-12-31",
    "month_13": "13/2026",
    "month_10000": "12/10000",
    "decimal_huge": "1e400",
    "text_10000": "x" * 10_000,
    "nul_byte": "ab\x00cd",
    "rtl_zero_width": "\u202eabc\u200b\u200d\ufeff",
    "spaces": "   Nguyễn   ",
    "formula": "=HYPERLINK(\"http://x\",\"y\")",
    "unicode_digits": "٣²",  # str.isdigit() says yes, int() says no
}
# Select and checkbox fields also get these (an id that does not fit a column, or is not a number).
SELECT_VALUES = {"int_huge", "int_2^31", "int_negative", "zero", "year_10000", "text_10000", "nul_byte", "unicode_digits"}
# A form another role already went through with every class gets these only (the role's own code paths — scope,
# permissions — with the values that found most crashes), which keeps the run to a couple of minutes.
SMOKE_VALUES = ("int_huge", "year_10000", "date_9999", "text_10000", "nul_byte", "unicode_digits")
# Sent with each option of each small select (a choice that makes other fields count).
OPTION_SWEEP = ("date_9999",)
# Forms fuzzed with every class so far in this session, by (url name, method, fields).
FULLY_FUZZED: set[tuple[str, str, str]] = set()

ROLES = ("viewer", "official_b", "province", "admin")


class Forms(HTMLParser):
    """The forms of a page: method, action, fields (name → (kind, default, options)), and same-view links."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"),
                          "fields": {}, "upload": False}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = attrs.get("name")
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self._form["upload"] = True
            if not name or kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                field = self._form["fields"].setdefault(name, {"kind": kind, "default": None, "options": []})
                field["options"].append(attrs.get("value") or "on")
                if "checked" in attrs:
                    field["default"] = attrs.get("value") or "on"
                return
            self._form["fields"][name] = {"kind": kind, "default": attrs.get("value") or "", "options": []}
        elif tag == "textarea" and name:
            self._form["fields"][name] = {"kind": "textarea", "default": "", "options": []}
        elif tag == "select" and name:
            self._select = name
            self._form["fields"][name] = {"kind": "select", "default": None, "options": []}
        elif tag == "option" and self._select:
            field = self._form["fields"][self._select]
            value = attrs.get("value", "")
            field["options"].append(value)
            if "selected" in attrs:
                field["default"], field["chosen"] = value, True
            elif field["default"] is None and value and not field.get("chosen"):
                field["default"] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def parse(html: str) -> Forms:
    parser = Forms()
    parser.feed(html)
    return parser


def url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def defaults(fields: dict) -> dict:
    return {name: field["default"] for name, field in fields.items() if field["default"] is not None}


def fuzzable(field: dict, value_class: str) -> bool:
    if field["kind"] in ("select", "checkbox", "radio"):
        return value_class in SELECT_VALUES
    return True


class Run:
    """One role's walk: the requests sent, the forms and fields fuzzed, and every server error."""

    def __init__(self, client: Client, role: str):
        self.client, self.role = client, role
        self.requests = 0
        self.forms: set[tuple[str, str, str]] = set()
        self.fields: set[tuple[str, str, str, str]] = set()
        self.pages: set[str] = set()
        self.failures: list[str] = []
        self.by_path: dict[str, int] = {}
        self._error: list[str] = []

    def _record(self, sender, request=None, **kwargs):
        """The exception and the last frames of the portal's own code (not the libraries')."""
        kind, exc, tb = sys.exc_info()
        own = [frame for frame in traceback.extract_tb(tb) if ".venv" not in frame.filename
               and "site-packages" not in frame.filename]
        where = "".join(traceback.format_list(own[-2:]))
        self._error.append(f"{where}{kind.__name__}: {str(exc)[:300]}\n")

    def send(self, method: str, path: str, query: dict, data: dict):
        self._error.clear()
        self.requests += 1
        self.by_path[path] = self.by_path.get(path, 0) + 1
        target = f"{path}?{urlencode(query)}" if query else path
        if method == "post":
            return self.client.post(target, data), self._error[:]
        return self.client.get(path, {**query, **data}), self._error[:]

    def fuzz_form(self, page_path: str, page_query: dict, form: dict):
        action = form["action"] or ""
        split = urlsplit(action)
        path = split.path or page_path
        query = dict(parse_qsl(split.query)) if split.path or split.query else dict(page_query)
        name = url_name(path)
        if name is None or name in SKIP_ACTIONS or form["upload"]:
            return
        fields = {k: v for k, v in form["fields"].items() if k not in SKIP_FIELDS}
        if form["method"] == "get":
            # A filter's own query string is fuzzed too (the page opened with ?year=…&parent=…).
            for key, value in query.items():
                fields.setdefault(key, {"kind": "text", "default": value, "options": []})
            query = {}
        if not fields:
            return
        key = (name, form["method"], ",".join(sorted(fields)))
        self.forms.add(key)
        base = defaults(fields)
        first_time = key not in FULLY_FUZZED
        classes = VALUES if first_time else {k: VALUES[k] for k in SMOKE_VALUES}
        FULLY_FUZZED.add(key)
        for value_class, value in classes.items():
            self.try_values(form["method"], path, query, name, fields, base, value_class, value)
        if first_time:
            # A choice changes which fields count ("period=range" reads the dates): each option of each small
            # select, with a date out of range in every text field.
            for field, spec in fields.items():
                if spec["kind"] not in ("select", "radio") or len(spec["options"]) > 8:
                    continue
                for option in spec["options"]:
                    if option and option != spec["default"]:
                        for value_class in OPTION_SWEEP:
                            self.try_values(form["method"], path, query, name, fields, {**base, field: option},
                                            f"{value_class} with {field}={option}", VALUES[value_class])

    def try_values(self, method, path, query, name, fields, base, value_class, value):
        """One request with ``value`` in every field it suits; on a server error, the fields that cause it.
        In an option sweep (``"date_9999 with period=range"``) the choices keep their values."""
        kind, sweep = value_class.split(" ")[0], " with " in value_class
        targets = [field for field, spec in fields.items() if fuzzable(spec, kind)
                   and not (sweep and spec["kind"] in ("select", "radio", "checkbox"))]
        if not targets:
            return
        for field in targets:
            self.fields.add((name, method, field, value_class))
        response, errors = self.send(method, path, query, {**base, **{f: value for f in targets}})
        if response.status_code < 500:
            return
        culprits = self.pin(method, path, query, base, targets, value)
        for field, (status, errors) in culprits.items():
            self.failures.append(f"{method.upper()} {path} as {self.role}: field {field!r} = "
                                 f"{value_class} → {status}\n{''.join(errors)[-600:]}")
        if not culprits:
            self.failures.append(f"{method.upper()} {path} as {self.role}: all fields = {value_class} "
                                 f"→ {response.status_code} (no single field)\n{''.join(errors)[-600:]}")

    def pin(self, method: str, path: str, query: dict, base: dict, fields: list[str], value: str) -> dict:
        """The fields that alone answer a server error, found by halving the failing set (a few requests for a
        table of 60 units' fields rather than 60)."""
        if len(fields) == 1:
            response, errors = self.send(method, path, query, {**base, fields[0]: value})
            return {fields[0]: (response.status_code, errors)} if response.status_code >= 500 else {}
        half = len(fields) // 2
        found = {}
        for part in (fields[:half], fields[half:]):
            response, _ = self.send(method, path, query, {**base, **{f: value for f in part}})
            if response.status_code >= 500:
                found |= self.pin(method, path, query, base, part, value)
        return found

    def page(self, url: str, follow_links: bool = True):
        split = urlsplit(url)
        response, errors = self.send("get", split.path, dict(parse_qsl(split.query)), {})
        if response.status_code >= 500:
            self.failures.append(f"GET {url} as {self.role} → {response.status_code}\n{''.join(errors)[-600:]}")
            return
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return
        self.pages.add(url)
        found = parse(response.content.decode(errors="replace"))
        for form in found.forms:
            self.fuzz_form(split.path, dict(parse_qsl(split.query)), form)
        if not follow_links:
            return
        # Links to the same view with a query string: a filter chosen, a parent unit opened (one level, one link).
        seen = 0
        for href in dict.fromkeys(found.links):
            link = urlsplit(href)
            if link.query and (link.path or split.path) == split.path and "page=" not in link.query and seen < 1:
                seen += 1
                target = f"{split.path}?{link.query}"
                # The link's own parameters (?year=2026&parent=…) are a filter too: fuzzed like a GET form's.
                self.fuzz_form(split.path, {}, {"method": "get", "action": target, "fields": {}, "upload": False})
                self.page(target, follow_links=False)


@pytest.fixture
def env(units, users, reference_data):
    return SimpleNamespace(units=units, users=users)


def pages(env) -> list[str]:
    found = []
    for name, params in walk():
        if name in ADMIN_ONLY or name in NATIONAL or name in PUBLIC:
            continue
        if params:
            found.append(url_for(name, {**FACTORIES, **READ_BY_ALL}[name](env)))
        else:
            found.append(url_for(name, {}))
    return found


class FormFuzzTests:
    @pytest.mark.parametrize("role", ROLES)
    def test_no_form_answers_a_server_error_to_hostile_values(self, env, client_for, role):
        started = time.monotonic()
        client = client_for(getattr(env.users, role))
        client.raise_request_exception = False
        run = Run(client, role)
        got_request_exception.connect(run._record)
        try:
            for url in pages(env):
                run.page(url)
        finally:
            got_request_exception.disconnect(run._record)
        field_names = {(name, method, field) for name, method, field, _ in run.fields}
        print(f"\n[fuzz] {role}: {len(run.pages)} pages, {len(run.forms)} forms, {len(field_names)} fields, "
              f"{len(run.fields)} field×value pairs ({len(VALUES)} value classes), {run.requests} requests, "
              f"{len(run.failures)} server errors, {time.monotonic() - started:.0f} s")
        if os.environ.get("FUZZ_PROFILE"):
            print(sorted(run.by_path.items(), key=lambda item: -item[1])[:25])
        assert run.forms, "the walk found no form"
        assert not run.failures, f"{len(run.failures)} server errors:\n\n" + "\n\n".join(run.failures)


def test_the_value_classes_cover_the_brief():
    """Huge/negative integers, 0, years 0/1/9999/10000, impossible dates, long text, NUL, RTL, spaces, formulas."""
    covered = set(VALUES)
    assert {"int_huge", "int_negative", "zero", "year_0", "year_1", "year_9999", "year_10000", "date_31_02",
            "date_29_02_non_leap", "date_0001", "date_9999", "text_10000", "nul_byte", "rtl_zero_width", "spaces",
            "formula"} <= covered
    assert list(itertools.islice(VALUES, 1))  # ordered: the report reads in this order
