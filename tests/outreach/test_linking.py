from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from outreach import services
from outreach.models import Kind, Lead, LinkMethod
from portal.phones import normalise_phone
from tests.outreach.conftest import cccd

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(users, units):
    return services.activity_record(user=users.official_a, unit=units.a, kind=Kind.JOB_FAIR,
                                    date=dt.date(2026, 3, 1), name="Phiên tháng 3", attendees=100)


class PhoneTests:
    @pytest.mark.parametrize("typed", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678",
                                       "+84 912 345 678", "84912345678", "0084912345678", "912345678"])
    def test_vietnamese_forms_of_one_number_are_equal(self, typed):
        assert normalise_phone(typed) == "0912345678"

    def test_too_short_text_is_no_key(self):
        assert normalise_phone("12345") == ""


class AutomaticLinkTests:
    def test_a_worker_registered_with_the_international_form_of_the_phone_is_linked(self, users, fair, register):
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn A", phone="0912345678")
        assert lead.worker is None
        worker = register(phone="+84 912 345 678")
        lead.refresh_from_db()
        assert (lead.worker, lead.link_method) == (worker, LinkMethod.AUTO)

    def test_a_worker_registered_with_the_same_citizen_id_is_linked(self, users, fair, register):
        citizen_id = cccd(serial=123456)
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn B", citizen_id=citizen_id)
        worker = register(citizen_id=citizen_id, phone="0999999999")
        lead.refresh_from_db()
        assert lead.worker == worker

    def test_a_lead_recorded_after_the_registration_is_linked_at_once(self, users, fair, register):
        worker = register(phone="0912 111 222")
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn C", phone="+84912111222")
        assert (lead.worker, lead.link_method) == (worker, LinkMethod.AUTO)

    def test_a_different_phone_links_nothing(self, users, fair, register):
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn D", phone="0912000777")
        register(phone="0912000778")
        lead.refresh_from_db()
        assert lead.worker is None

    def test_a_manual_link_is_never_overwritten(self, users, fair, register):
        chosen = register(phone="0911000001")
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn E", phone="0912000888")
        services.lead_link(user=users.official_a, lead=lead, worker=chosen)
        register(phone="0912000888")  # same phone as the lead, registered afterwards
        lead.refresh_from_db()
        assert (lead.worker, lead.link_method) == (chosen, LinkMethod.MANUAL)

    def test_a_manual_unlink_is_kept_too(self, users, fair, register):
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn G", phone="0912000999")
        services.lead_link(user=users.official_a, lead=lead, worker=None)
        register(phone="0912000999")
        lead.refresh_from_db()
        assert lead.worker is None and lead.link_method == LinkMethod.MANUAL

    def test_changing_a_workers_phone_links_the_waiting_lead(self, users, fair, register):
        from workers import services as worker_services

        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn H", phone="0912000444")
        worker = register(phone="")
        worker_services.worker_update(user=users.admin, worker=worker, version=worker.version, phone="0912 000 444")
        lead.refresh_from_db()
        assert lead.worker == worker


class ManualLinkTests:
    def test_an_official_cannot_link_a_worker_outside_their_scope(self, users, units, fair, register):
        lead = services.lead_record(user=users.official_a, activity=fair, full_name="Lò Văn I", phone="0912000555")
        other = register(units.commune_b)
        with pytest.raises(ValidationError):
            services.lead_link(user=users.official_a, lead=lead, worker=other)
        assert Lead.objects.get(pk=lead.pk).worker is None


class LeadRecordTests:
    def test_a_lead_needs_a_phone_or_a_citizen_id(self, users, fair):
        with pytest.raises(ValidationError) as exc:
            services.lead_record(user=users.official_a, activity=fair, full_name="Không liên lạc")
        assert "phone" in exc.value.message_dict
        assert not Lead.objects.exists()

    def test_another_units_official_cannot_record_on_this_activity(self, users, fair):
        with pytest.raises(ValidationError):
            services.lead_record(user=users.official_b, activity=fair, full_name="X", phone="0912000666")
        assert not Lead.objects.exists()
