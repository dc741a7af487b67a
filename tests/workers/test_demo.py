from __future__ import annotations

import datetime as dt

from django.db.models import Count

from workers import demo
from workers.models import Departure, Enterprise, Return, Status, StatusChange, Worker
from workers.validators import citizen_id_problems


class DemoTests:
    def test_the_demo_is_fake_valid_spread_and_loads_once(self, users, units):
        first = demo.load()
        assert "workers created 360" in first
        counts = (Worker.objects.count(), Departure.objects.count(), StatusChange.objects.count(), Return.objects.count())
        assert "workers created 0" in demo.load()
        assert counts == (Worker.objects.count(), Departure.objects.count(), StatusChange.objects.count(),
                          Return.objects.count())
        assert all(" Demo " in name for name in Worker.objects.values_list("full_name", flat=True))
        for w in Worker.objects.all():
            assert citizen_id_problems(w.citizen_id, date_of_birth=w.date_of_birth, sex=w.sex) == []
        assert set(Worker.objects.values_list("status", flat=True)) == set(Status.values)
        assert Departure.objects.filter(date__gt=dt.date(2026, 11, 26)).count() == 0
        assert Departure.objects.filter(date__year=2021).exists() and Departure.objects.filter(date__year=2026).exists()
        top3 = Departure.objects.filter(country__code__in=["JP", "KR", "TW"]).count()
        assert top3 / Departure.objects.count() >= 0.85
        assert Enterprise.objects.filter(status="suspended").count() == 1
        assert Departure.objects.exclude(warning="").exists() and Return.objects.filter(early=True).exists()
        assert Worker.objects.values("unit").annotate(n=Count("id")).count() > 20
