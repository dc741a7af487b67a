"""The read-only viewer (leadership) never receives a full CCCD or phone number.

Every page of the portal (the URL walk with the apps' factories, plus a worker, a lead and a complaint that carry
known numbers) is read as the viewer — HTML, Excel downloads and JSON alike — and must contain no 12-digit number
and no Vietnamese phone number (``portal.masking.CCCD_RE``/``PHONE_RE``). The same pages read as the official who
works with the records do show them, so the check is not vacuous.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from types import SimpleNamespace

import pytest

from portal.masking import CCCD_RE, PHONE_RE
from tests.test_url_scope import ADMIN_ONLY, FACTORIES, NATIONAL, PUBLIC, READ_BY_ALL, url_for, walk

pytestmark = pytest.mark.django_db

CCCD = "058095000777"
PHONE = "0912345678"


@pytest.fixture
def env(units, users, reference_data):
    from outreach import services as outreach_services
    from outreach.models import Kind
    from workers import services as worker_services
    from workers.models import Sex

    worker = worker_services.worker_register(
        user=users.admin, citizen_id=CCCD, full_name="Nguyễn Văn Riêng", date_of_birth=dt.date(1995, 1, 1),
        sex=Sex.MALE, unit=units.commune_b, phone=PHONE)
    activity = outreach_services.activity_record(
        user=users.official_b, unit=units.commune_b, kind=Kind.JOB_FAIR, date=dt.date(2026, 3, 10),
        name="Phiên giao dịch riêng", attendees=5)
    outreach_services.lead_record(user=users.official_b, activity=activity, full_name="Nguyễn Văn Riêng",
                                  phone=PHONE, citizen_id=CCCD)
    return SimpleNamespace(units=units, users=users, worker=worker, activity=activity)


def body_text(response) -> str:
    """The text of a response: HTML/JSON/CSV as is; an .xlsx's shared strings and sheets."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return " ".join(archive.read(name).decode(errors="replace") for name in archive.namelist()
                            if name.endswith(".xml"))
    return content.decode(errors="replace")


def pages(env) -> list[str]:
    urls = []
    for name, params in walk():
        if name in ADMIN_ONLY or name in NATIONAL or name in PUBLIC:
            continue
        urls.append(url_for(name, {**FACTORIES, **READ_BY_ALL}[name](env) if params else {}))
    from django.urls import reverse

    urls += [reverse("workers:worker_detail", args=[env.worker.pk]),
             reverse("outreach:activity_detail", args=[env.activity.pk]),
             f"{reverse('workers:worker_list')}?q={CCCD[-4:]}"]
    return urls


def leaks(text: str) -> list[str]:
    return sorted(set(CCCD_RE.findall(text)) | set(PHONE_RE.findall(text)))


class ViewerPersonalDataTests:
    def test_no_page_shows_the_viewer_a_full_cccd_or_phone(self, env, client_for):
        viewer = client_for(env.users.viewer)
        found, read = [], 0
        for url in pages(env):
            response = viewer.get(url)
            if response.status_code != 200:
                continue
            read += 1
            if numbers := leaks(body_text(response)):
                found.append(f"{url}: {numbers}")
        assert read > 50
        assert not found, "full personal numbers shown to the viewer:\n" + "\n".join(found)

    def test_the_official_who_works_with_the_records_sees_them(self, env, client_for):
        from django.urls import reverse

        official = client_for(env.users.official_b)
        page = body_text(official.get(reverse("workers:worker_detail", args=[env.worker.pk])))
        assert CCCD in leaks(page) and PHONE in leaks(page)
        assert PHONE in leaks(body_text(official.get(reverse("outreach:activity_detail", args=[env.activity.pk]))))
