"""Vietnamese alphabetical order (portal.collation): in Python, in the database (SQLite's registered collation,
PostgreSQL's ICU collation) and on the screens that list names."""
from __future__ import annotations

import random

import pytest
from django.db import connection

from portal.collation import vi_order, vi_sort_key, vi_sorted
from workers.models import Enterprise

# The order a Vietnamese reader expects (and PostgreSQL's ICU ``vi-VN`` gives).
EXPECTED = ["1A", "Ả Rập", "ab", "ai", "an", "Anh", "ă", "Ăn", "â", "ân", "Ấn Độ", "ba", "bà", "Bà", "bả", "bã",
            "bá", "bạ", "Duy", "Dương", "Đà Nẵng", "Đan Mạch", "Đinh", "Đức", "Hà Nội", "Hàm", "Hàn Quốc", "Hungary",
            "Lào", "Lê", "Nga", "Ngô", "Nguyễn Thị B", "Nguyễn Văn A", "o", "ô", "ơ", "Thái Lan", "Trần",
            "Triều Tiên", "u", "Úc", "Uganda", "Ukraina", "ư", "v", "Ý", "Yên", "Zambia"]


class VietnameseOrderTests:
    def test_the_key_sorts_a_fixed_list_of_names_in_vietnamese_order(self):
        shuffled = EXPECTED[:]
        random.Random(22).shuffle(shuffled)
        assert vi_sorted(shuffled) == EXPECTED
        assert vi_sorted(["Hungary", "Hàn Quốc"]) == ["Hàn Quốc", "Hungary"]
        assert vi_sorted(["Đông", "Dung", "Em"]) == ["Dung", "Đông", "Em"]
        # Decomposed input (NFD, as some keyboards send it) sorts as the composed text.
        import unicodedata
        assert vi_sort_key(unicodedata.normalize("NFD", "Đặng Ấn")) == vi_sort_key("Đặng Ấn")
        assert vi_sort_key(None) == vi_sort_key("")

    @pytest.mark.django_db
    def test_the_database_sorts_names_in_the_same_order(self):
        shuffled = EXPECTED[:]
        random.Random(7).shuffle(shuffled)
        Enterprise.objects.bulk_create([Enterprise(name=name, licence_no=f"Q{n:02d}") for n, name in enumerate(shuffled)])
        names = list(Enterprise.objects.order_by(*vi_order("name")).values_list("name", flat=True))
        assert names == EXPECTED, connection.vendor
        backwards = list(Enterprise.objects.order_by(*vi_order("-name")).values_list("name", flat=True))
        assert backwards == EXPECTED[::-1]


class ScreensSortNamesTests:
    def test_the_worker_list_and_its_filters_sort_names_in_vietnamese_order(self, make_worker, users, client_for,
                                                                              units):
        from django.urls import reverse

        for name in ["Đinh Văn Hùng", "Dương Văn Ba", "Zơ Râm Ka", "Ân Văn Tư", "An Văn Tư", "Duy Văn Hai"]:
            make_worker(full_name=name)
        Enterprise.objects.bulk_create([Enterprise(name=name, licence_no=name) for name in
                                        ["Đông Á", "Dung Quất", "Hungary Kft", "Hàn Quốc Co"]])
        client = client_for(users.province)
        response = client.get(reverse("workers:worker_list"), {"sort": "name"})
        names = [w.full_name for w in response.context["page"]]
        assert names == ["An Văn Tư", "Ân Văn Tư", "Duy Văn Hai", "Dương Văn Ba", "Đinh Văn Hùng", "Zơ Râm Ka"]
        html = response.content.decode()
        order = [html.index(f">{name}<") for name in ["Dung Quất", "Đông Á", "Hàn Quốc Co", "Hungary Kft"]]
        assert order == sorted(order)
        # The unit filter: Ninh Thuận's districts in Vietnamese order of their names, each before its communes.
        units_offered = html[html.index('name="unit"'):]
        units_offered = units_offered[:units_offered.index("</select>")]
        from portal.models import Level, Unit
        districts = list(Unit.objects.filter(parent=units.province, level=Level.DISTRICT).values_list("name", flat=True))
        positions = {name: units_offered.index(f">{name}<") for name in districts}
        assert sorted(districts, key=positions.get) == vi_sorted(districts)
