"""Every import template, downloaded by each role that may import and uploaded back unchanged with the default
options, imports without an error (``portal.uploads``: the preview lists no error)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import Role
from targets import services
from tests.conftest import make_user

# template URL → upload URL
TEMPLATES = {
    "targets:quota_template": "targets:quota_import",
    "targets:monthly_template": "targets:monthly_import",
    "workers:worker_import_template": "workers:worker_import",
    "support:payment_import_template": "support:payment_import",
    "support:loan_import_template": "support:loan_import",
    "training:class_import_template": "training:class_import",
    "training:enrolment_import_template": "training:enrolment_import",
    "complaints:case_import_template": "complaints:case_import",
}
ROLES = ["admin", "province", "official_a", "official_b", "commune"]


@pytest.fixture
def people(users, units, reference_data, enterprises, monkeypatch):
    monkeypatch.setattr(services, "today", lambda: dt.date(2026, 3, 3))
    users.commune = make_user("t_xa", Role.OFFICIAL, units.commune_a)
    services.quota_set(user=users.province, unit=units.province, year=2026, target=100)
    services.quota_allocate(user=users.province, parent=units.province, year=2026, targets={units.a.pk: 40})
    services.quota_set(user=users.official_a, unit=units.commune_a, year=2026, target=4)
    return users


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_a_downloaded_template_uploads_back_without_an_error(people, client_for, template, role):
    client = client_for(getattr(people, role))
    download = client.get(reverse(template))
    assert download.status_code == 200, download.status_code
    page = client.post(reverse(TEMPLATES[template]), {"file": SimpleUploadedFile("mau.xlsx", content(download))})
    assert page.status_code == 200
    assert [str(e) for e in page.context["import_errors"]] == []
    assert page.context["preview"] is not None


@pytest.fixture
def both_structures(people):
    """Khánh Hòa's 2025 communes beside Ninh Thuận's legacy ones: codes such as 22828 name one unit in each."""
    from portal.models import Structure
    from portal.units_loader import load_units

    load_units(structure=Structure.NEW, province_codes=["56"])
    return people


def test_the_worker_import_accepts_every_commune_the_registration_form_offers(both_structures, units):
    from portal.models import Unit
    from tests.workers.fixtures import cccd
    from tests.workers.test_import import sheet
    from workers.forms import home_units
    from workers.importers import import_workers

    official = both_structures.official_a
    offered = list(home_units(official).filter(level="commune").order_by("code"))
    assert "22828" in {u.code for u in offered}
    assert Unit.objects.filter(code="22828").count() == 2  # Xã Ma Nới (legacy) and Xã Anh Dũng (2025)
    births = [dt.date(1990, 1, 1) + dt.timedelta(days=i) for i in range(len(offered))]
    rows = [[f"Người Thử {i}", cccd(born, serial=100 + i), born.strftime("%d/%m/%Y"), "Nam", unit.code]
            for i, (born, unit) in enumerate(zip(births, offered, strict=True))]
    result = import_workers(sheet(rows, headers=["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị"]),
                            user=official)
    assert result.created == len(offered)
    from workers.models import Worker

    assert Worker.objects.get(unit__code="22828").unit.name == "Xã Ma Nới"


def test_a_district_officials_quota_template_of_this_year_imports_back_filled(both_structures, units, client_for):
    """The official's own row sets their target; their communes are read in their (legacy) structure, though 2026
    lies after the reform; the rows left blank change nothing."""
    from openpyxl import load_workbook

    from targets.models import Quota

    client = client_for(both_structures.official_a)
    download = client.get(reverse("targets:quota_template"), {"year": 2026})
    book = load_workbook(io.BytesIO(content(download)))
    sheet = book.active
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert codes[0] == "585" and "22828" in codes
    sheet.cell(row=2, column=4, value=45)  # their own target
    sheet.cell(row=2 + codes.index("22828"), column=4, value=6)
    out = io.BytesIO()
    book.save(out)
    page = client.post(reverse("targets:quota_import"), {"file": SimpleUploadedFile("mau.xlsx", out.getvalue())})
    preview = page.context["preview"]
    assert (preview.to_create, preview.to_update, preview.unchanged, preview.errors) == (1, 1, 1, [])
    client.post(reverse("targets:quota_import"), {"preview_id": preview.pk, "file_hash": preview.file_hash})
    assert Quota.objects.get(unit=units.a, year=2026).target == 45
    assert Quota.objects.get(unit__code="22828", year=2026).unit.name == "Xã Ma Nới"


def test_only_an_administrators_ambiguous_code_falls_back_to_the_date_rule(both_structures):
    from portal.unit_codes import UnitResolver

    on_date = dt.date(2026, 1, 1)
    assert UnitResolver(["22828"], reader=both_structures.admin).resolve("22828", on_date=on_date).name == "Xã Anh Dũng"
    assert UnitResolver(["22828"], reader=both_structures.official_a).resolve(
        "22828", on_date=on_date).name == "Xã Ma Nới"
    assert UnitResolver(["22828"], reader=both_structures.province).resolve("22828", on_date=on_date).name == "Xã Ma Nới"
