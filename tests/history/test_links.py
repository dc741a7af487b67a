"""A worker later registered with a CCCD linked by an official to the record history brought in with their old
CMND: audited, within scope, shown on both records' pages, and removable."""
from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from history import services
from history.models import HistoricLink
from tests.history.conftest import NINH_SON_2019, commit, preview, upload
from tests.history.sheets import legacy_people_sheet
from tests.workers.fixtures import cccd
from workers import services as worker_services
from workers.models import Sex, Worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(users, units, reference_data, enterprises):
    commit(users.province, preview(users.province, upload(users.province, units.province,
                                                          legacy_people_sheet(NINH_SON_2019))))
    historic = Worker.objects.get(legacy_id_number="264512345")
    registered = worker_services.worker_register(
        user=users.official_a, citizen_id=cccd(historic.date_of_birth), full_name=historic.full_name,
        date_of_birth=historic.date_of_birth, sex=Sex.MALE, unit=historic.unit, confirm_duplicate=True)
    return historic, registered


class LinkServiceTests:
    def test_an_official_links_the_two_records_and_the_link_is_audited(self, pair, users):
        historic, registered = pair
        link = services.historic_link(user=users.official_a, worker=registered, historic=historic, note="Cùng người")
        assert (link.historic, link.worker, link.linked_by) == (historic, registered, users.official_a)
        entry = LogEntry.objects.get_for_object(link).get()
        assert entry.action == LogEntry.Action.CREATE and entry.actor == users.official_a
        with pytest.raises(ValidationError):
            services.historic_link(user=users.official_a, worker=registered, historic=historic)
        services.historic_unlink(user=users.official_a, link=link)
        assert not HistoricLink.objects.exists()
        assert LogEntry.objects.filter(action=LogEntry.Action.DELETE, actor=users.official_a,
                                       content_type__model="historiclink").count() == 1

    def test_only_a_cmnd_record_is_linked_to_a_cccd_registration_within_scope(self, pair, users):
        historic, registered = pair
        with pytest.raises(ValidationError):
            services.historic_link(user=users.official_a, worker=historic, historic=registered)
        with pytest.raises(ValidationError):
            services.historic_link(user=users.official_b, worker=registered, historic=historic)
        with pytest.raises(ValidationError):
            services.historic_link(user=users.viewer, worker=registered, historic=historic)


class LinkScreenTests:
    def test_the_worker_page_proposes_the_historic_record_and_the_link_screen_links_them(self, pair, users,
                                                                                          client_for):
        historic, registered = pair
        client = client_for(users.official_a)
        page = client.get(reverse("workers:worker_detail", args=[registered.pk])).content.decode()
        assert 'data-testid="history-candidates"' in page and f"/workers/{historic.pk}/" in page
        historic_page = client.get(reverse("workers:worker_detail", args=[historic.pk])).content.decode()
        assert 'data-testid="legacy-id"' in historic_page and "•••••2345" in historic_page or "264512345" in historic_page
        response = client.post(reverse("history:link", args=[registered.pk]), {"other": historic.pk, "note": ""})
        assert response.status_code == 302
        assert HistoricLink.objects.get().historic == historic
        linked = client.get(reverse("workers:worker_detail", args=[historic.pk])).content.decode()
        assert 'data-testid="history-link"' in linked and registered.full_name in linked

    def test_the_search_finds_a_historic_record_by_its_cmnd(self, pair, users, client_for):
        historic, registered = pair
        page = client_for(users.official_a).get(reverse("history:link", args=[registered.pk]), {"q": "264 512 345"})
        assert page.context["found"] == [historic]

    def test_an_official_of_another_unit_cannot_link_into_it(self, pair, users, client_for):
        historic, registered = pair
        response = client_for(users.official_b).post(reverse("history:link", args=[registered.pk]),
                                                     {"other": historic.pk})
        assert response.status_code == 404 and not HistoricLink.objects.exists()

    def test_the_worker_list_finds_and_marks_a_record_known_by_its_cmnd(self, pair, users, client_for):
        historic, _registered = pair
        page = client_for(users.official_a).get(reverse("workers:worker_list"), {"q": "264512345"})
        assert list(page.context["page"]) == [historic]
        assert "CMND</span>" in page.content.decode()


class WorkerImportTests:
    def test_the_worker_import_calls_a_historic_record_with_the_same_name_a_likely_duplicate(self, pair, users,
                                                                                             units):
        import io

        from openpyxl import Workbook

        from portal.xlsx import ImportRejected
        from workers.importers import import_workers

        historic, _registered = pair
        book = Workbook()
        book.active.append(["Họ và tên", "Số CCCD", "Ngày sinh", "Giới tính", "Mã đơn vị"])
        book.active.append([historic.full_name, cccd(historic.date_of_birth, serial=424242),
                            historic.date_of_birth.strftime("%d/%m/%Y"), "Nam", historic.unit.code])
        out = io.BytesIO()
        book.save(out)
        with pytest.raises(ImportRejected) as caught:
            import_workers(out.getvalue(), user=users.province)
        assert len(caught.value.errors) == 1 and caught.value.errors[0].row == 2  # a row error, not a crash


class HistoricRecordEditTests:
    def test_a_historic_record_is_edited_without_a_cccd_and_takes_one_when_it_is_known(self, pair, users,
                                                                                       client_for):
        historic, _registered = pair
        client = client_for(users.official_a)
        form = client.get(reverse("workers:worker_edit", args=[historic.pk])).context["form"]
        assert not form.fields["citizen_id"].required
        data = {"full_name": "Nguyễn Văn An Sửa", "citizen_id": "", "date_of_birth": "14/03/1995", "sex": "male",
                "unit": historic.unit.pk, "version": historic.version, "confirm_duplicate": "on"}
        assert client.post(reverse("workers:worker_edit", args=[historic.pk]), data).status_code == 302
        historic.refresh_from_db()
        assert (historic.full_name, historic.citizen_id, historic.legacy_id_number) == (
            "Nguyễn Văn An Sửa", None, "264512345")
        new_id = cccd(historic.date_of_birth, serial=777001)
        data.update(citizen_id=new_id, version=historic.version)
        assert client.post(reverse("workers:worker_edit", args=[historic.pk]), data).status_code == 302
        historic.refresh_from_db()
        assert (historic.citizen_id, historic.legacy_id_number, historic.has_only_legacy_id) == (
            new_id, "264512345", False)
