from __future__ import annotations

import datetime as dt

import pytest

from outreach import demo, selectors
from outreach.models import Activity, Campaign, Kind, Lead

pytestmark = pytest.mark.django_db


class DemoTests:
    def test_it_loads_the_seed_figures_and_a_second_run_changes_nothing(self, users, register):
        first = demo.load()
        assert "activities created 51" in first
        totals = selectors.overview_totals(users.admin, year=2026)
        assert (totals["job_fairs"], totals["job_fair_enterprises"], totals["job_fair_attendees"]) == (8, 160, 2_910)
        assert totals["counselled"] > 44_000
        counts = (Campaign.objects.count(), Activity.objects.count(), Lead.objects.count())
        assert demo.load() == "campaigns created 0, activities created 0, leads created 0"
        assert (Campaign.objects.count(), Activity.objects.count(), Lead.objects.count()) == counts

    def test_leads_wait_for_the_demo_workers_when_these_come_later(self, users, units, register):
        demo.load()
        assert not Lead.objects.exclude(worker=None).exists()
        lead = Lead.objects.filter(phone__startswith="+84").order_by("pk").first()
        worker = register(units.commune_a, phone=f"0900{lead.phone_key[-6:]}")
        lead.refresh_from_db()
        assert lead.worker == worker

    def test_every_media_item_has_a_channel_and_every_event_its_type(self, users):
        demo.load()
        assert not Activity.objects.filter(kind=Kind.MEDIA, channel__in=[k.value for k in Kind]).exists()
        assert Activity.objects.filter(date__gt=dt.date(2026, 11, 20)).count() == 0
