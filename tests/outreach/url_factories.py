"""Factories for ``tests/test_url_scope.py``: URL name → kwargs of an object of Bác Ái (unit B).

The shared walker needs one per URL with a parameter; merge ``FACTORIES`` into its dict.
"""
from __future__ import annotations

import datetime as dt

from outreach import services
from outreach.models import Activity, Campaign, Kind


def _b_campaign(env) -> Campaign:
    existing = Campaign.objects.filter(unit=env.units.b, name="Chiến dịch B").first()
    return existing or services.campaign_create(user=env.users.official_b, unit=env.units.b, name="Chiến dịch B",
                                                date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))


def _b_activity(env) -> Activity:
    existing = Activity.objects.filter(unit=env.units.b, name="Hoạt động B").first()
    return existing or services.activity_record(user=env.users.official_b, unit=env.units.b, kind=Kind.CONFERENCE,
                                                date=dt.date(2026, 3, 3), name="Hoạt động B", attendees=10)


def _b_lead(env) -> dict:
    lead = services.lead_record(user=env.users.official_b, activity=_b_activity(env), full_name="Thử",
                                phone="0987000111")
    return {"pk": lead.pk}


FACTORIES = {
    "outreach:campaign_detail": lambda env: {"pk": _b_campaign(env).pk},
    "outreach:campaign_edit": lambda env: {"pk": _b_campaign(env).pk},
    "outreach:campaign_export": lambda env: {"pk": _b_campaign(env).pk},
    "outreach:activity_detail": lambda env: {"pk": _b_activity(env).pk},
    "outreach:activity_edit": lambda env: {"pk": _b_activity(env).pk},
    "outreach:lead_link": _b_lead,
}
