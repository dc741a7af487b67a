from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from outreach import services
from outreach.models import Activity, Campaign, Kind

pytestmark = pytest.mark.django_db


class CampaignScopeTests:
    def test_an_official_sees_their_units_campaigns_and_the_provinces_they_take_part_in(
            self, users, units, campaigns):
        assert set(Campaign.objects.visible_to(users.official_a)) == {campaigns.a}
        services.activity_record(user=users.official_a, unit=units.commune_a, kind=Kind.JOB_FAIR,
                                 date=dt.date(2026, 4, 1), name="Phiên xã", campaign=campaigns.province)
        assert set(Campaign.objects.visible_to(users.official_a)) == {campaigns.a, campaigns.province}
        assert set(Campaign.objects.visible_to(users.official_b)) == {campaigns.b}

    def test_the_province_sees_every_campaign_below_it(self, users, campaigns):
        assert set(Campaign.objects.visible_to(users.province)) == {campaigns.province, campaigns.a, campaigns.b}
        assert not Campaign.objects.visible_to(users.nobody).exists()

    def test_an_official_may_join_the_provinces_campaign_but_not_another_districts(self, users, campaigns):
        assert set(Campaign.objects.open_to(users.official_a)) == {campaigns.province, campaigns.a}

    def test_an_activity_cannot_join_another_districts_campaign(self, users, units, campaigns):
        with pytest.raises(ValidationError) as exc:
            services.activity_record(user=users.official_a, unit=units.a, kind=Kind.CONFERENCE,
                                     date=dt.date(2026, 3, 1), name="Hội nghị", campaign=campaigns.b)
        assert "campaign" in exc.value.message_dict
        assert not Activity.objects.exists()

    def test_an_activity_must_fall_in_the_campaigns_period(self, users, units, campaigns):
        with pytest.raises(ValidationError) as exc:
            services.activity_record(user=users.official_a, unit=units.a, kind=Kind.CONFERENCE,
                                     date=dt.date(2026, 10, 1), name="Hội nghị", campaign=campaigns.a)
        assert "date" in exc.value.message_dict

    def test_an_official_cannot_change_the_provinces_campaign(self, users, campaigns):
        with pytest.raises(ValidationError):
            services.campaign_update(user=users.official_a, campaign=campaigns.province, name="Đổi tên")
        campaigns.province.refresh_from_db()
        assert campaigns.province.name == "Chiến dịch tỉnh 2026"

    def test_an_activity_outside_the_users_scope_is_refused(self, users, units):
        with pytest.raises(ValidationError) as exc:
            services.activity_record(user=users.official_a, unit=units.b, kind=Kind.JOB_FAIR,
                                     date=dt.date(2026, 3, 1), name="Phiên")
        assert "unit" in exc.value.message_dict


class ActivityRuleTests:
    def test_counts_cannot_be_negative(self, users, units):
        with pytest.raises(ValidationError) as exc:
            services.activity_record(user=users.official_a, unit=units.a, kind=Kind.JOB_FAIR,
                                     date=dt.date(2026, 3, 1), name="Phiên", attendees=-1)
        assert "attendees" in exc.value.message_dict

    def test_the_database_refuses_negative_counts_too(self, users, units):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Activity.objects.create(unit=units.a, kind=Kind.JOB_FAIR, channel=Kind.JOB_FAIR,
                                    date=dt.date(2026, 3, 1), name="X", cost=-5)

    def test_a_media_item_needs_its_channel(self, users, units):
        with pytest.raises(ValidationError) as exc:
            services.activity_record(user=users.official_a, unit=units.a, kind=Kind.MEDIA,
                                     date=dt.date(2026, 3, 1), name="Bài báo")
        assert "channel" in exc.value.message_dict

    def test_an_events_channel_is_its_type(self, users, units):
        activity = services.activity_record(user=users.official_a, unit=units.a, kind=Kind.COUNSELLING,
                                            channel="facebook", date=dt.date(2026, 3, 1), name="Tư vấn")
        assert activity.channel == "counselling"

    def test_the_same_activity_twice_is_refused(self, users, units):
        kwargs = dict(user=users.official_a, unit=units.a, kind=Kind.JOB_FAIR, date=dt.date(2026, 3, 1), name="Phiên")
        services.activity_record(**kwargs)
        with pytest.raises(ValidationError) as exc:
            services.activity_record(**kwargs)
        assert "name" in exc.value.message_dict
