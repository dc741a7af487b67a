"""The events import reads a reused unit code by the event's date, or in the structure given."""
from __future__ import annotations

import pytest
from django.core.management import call_command

from outreach.importers import import_events
from outreach.models import Activity
from portal.models import Role, Structure
from tests.conftest import make_user

from .test_import import workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(capsys):
    call_command("load_admin_units", "--structure", "both", "--province", "82")
    capsys.readouterr()
    return make_user("reform_admin", Role.ADMIN, None, is_staff=True, is_superuser=True)


class EventImportReformTests:
    def test_a_code_in_both_structures_is_read_by_the_events_date(self, admin):
        import_events(workbook([["28249", "30/06/2025", "Hội nghị", "Trước", 0, 10, 0, 0],
                                ["28249", "01/07/2025", "Hội nghị", "Sau", 0, 10, 0, 0]]), user=admin)
        assert dict(Activity.objects.values_list("name", "unit__name")) == {
            "Trước": "Phường 5", "Sau": "Phường Đạo Thạnh"}

    def test_a_given_structure_wins(self, admin, tmp_path, capsys):
        path = tmp_path / "e.xlsx"
        path.write_bytes(workbook([["28249", "01/03/2026", "Hội nghị", "Sau", 0, 10, 0, 0]]))
        call_command("import_events", str(path), "--structure", "legacy")
        assert Activity.objects.get().unit.structure == Structure.LEGACY
