from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from outreach import selectors
from outreach.workbooks import write_funnel_workbook

pytestmark = pytest.mark.django_db
YEAR = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 12, 31)}


def by_key(rows):
    return {row.key: row for row in rows}


class FunnelTests:
    def test_by_campaign_counts_each_step_on_the_known_dataset(self, users, dataset, campaigns):
        result = selectors.funnel(user=users.admin, group_by="campaign", **YEAR)
        rows = by_key(result.rows)
        province = rows[str(campaigns.province.pk)]
        # fair + session: 400 + 100 attendees; leads Anh, Bình, Chi, Em; Chi never registers.
        assert (province.activities, province.reached, province.counselled_contacts) == (2, 500, 250)
        assert (province.leads, province.registered, province.counselled, province.departed) == (4, 3, 3, 2)
        assert province.cost == 38_000_000
        ninh_son = rows[str(campaigns.a.pk)]
        assert (ninh_son.reached, ninh_son.leads, ninh_son.registered, ninh_son.counselled, ninh_son.departed) == (
            5_000, 1, 1, 0, 0)
        assert set(rows) == {str(campaigns.province.pk), str(campaigns.a.pk)}  # the 2025 fair is outside the period

    def test_the_total_ignores_the_worker_who_came_from_no_lead(self, users, dataset):
        total = selectors.funnel(user=users.admin, **YEAR).total
        assert (total.activities, total.reached, total.leads, total.registered, total.counselled, total.departed) == (
            3, 5_500, 5, 4, 3, 2)
        # Phúc departed too but was never a lead: 3 departures in the registry, 2 in the funnel.

    def test_conversion_at_each_step(self, users, dataset):
        total = selectors.funnel(user=users.admin, **YEAR).total
        assert total.lead_rate == Decimal(5) / Decimal(5_500)
        assert total.registration_rate == Decimal("0.8")
        assert total.counselled_rate == Decimal("0.75")
        assert total.departure_rate == Decimal(2) / Decimal(3)
        assert total.overall_rate == Decimal(2) / Decimal(5_500)

    def test_cost_per_registration_and_per_departure(self, users, dataset, campaigns):
        result = selectors.funnel(user=users.admin, **YEAR)
        assert result.total.cost == 40_000_000
        assert result.total.cost_per_registration == 10_000_000
        assert result.total.cost_per_departure == 20_000_000
        rows = by_key(result.rows)
        assert rows[str(campaigns.province.pk)].cost_per_registration == 12_666_667  # 38 M / 3, rounded
        assert rows[str(campaigns.province.pk)].cost_per_departure == 19_000_000
        assert rows[str(campaigns.a.pk)].cost_per_departure is None  # no departure yet: no division by zero

    def test_by_channel_puts_events_under_their_type_and_media_under_their_channel(self, users, dataset):
        rows = by_key(selectors.funnel_rows(user=users.admin, group_by="channel", **YEAR))
        assert set(rows) == {"job_fair", "counselling", "facebook"}
        fair = rows["job_fair"]
        assert (fair.reached, fair.enterprises, fair.leads, fair.registered, fair.counselled, fair.departed) == (
            400, 20, 3, 2, 2, 1)
        assert (rows["counselling"].leads, rows["counselling"].departed) == (1, 1)
        assert (rows["facebook"].reach, rows["facebook"].registered) == (5_000, 1)

    def test_by_unit_rolls_communes_up_to_districts(self, users, units, dataset):
        rows = by_key(selectors.funnel_rows(user=users.admin, unit=units.province, group_by="unit", **YEAR))
        assert set(rows) == {str(units.a.pk), str(units.b.pk)}
        ninh_son, bac_ai = rows[str(units.a.pk)], rows[str(units.b.pk)]
        assert (ninh_son.activities, ninh_son.reached, ninh_son.leads, ninh_son.registered, ninh_son.departed) == (
            2, 5_400, 4, 3, 1)
        assert (bac_ai.activities, bac_ai.reached, bac_ai.registered, bac_ai.departed, bac_ai.cost) == (
            1, 100, 1, 1, 8_000_000)

    def test_an_official_sees_the_funnel_of_their_units_only(self, users, dataset, campaigns):
        result = selectors.funnel(user=users.official_a, **YEAR)
        assert (result.total.activities, result.total.leads, result.total.departed) == (2, 4, 1)
        province = by_key(result.rows)[str(campaigns.province.pk)]
        assert (province.reached, province.cost) == (400, 30_000_000)  # Bác Ái's session is not theirs
        assert selectors.funnel(user=users.nobody, **YEAR).total.activities == 0

    def test_the_period_selects_activities_by_date(self, users, dataset):
        result = selectors.funnel(user=users.admin, date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 12, 31))
        assert (result.total.activities, result.total.reached, result.total.leads) == (1, 50, 0)

    def test_the_funnel_takes_a_fixed_number_of_queries(self, users, units, dataset, django_assert_max_num_queries,
                                                        register):
        from outreach import services

        for number in range(6):  # more activities, leads and workers must not mean more queries
            activity = services.activity_record(user=users.admin, unit=units.b, kind="conference",
                                                date=dt.date(2026, 7, 1 + number), name=f"Hội nghị {number}", attendees=9)
            services.lead_record(user=users.admin, activity=activity, full_name="X", phone=f"09770000{number:02d}")
            register(units.commune_b, phone=f"09770000{number:02d}")
        for group_by in ("campaign", "channel", "unit"):
            with django_assert_max_num_queries(5):
                selectors.funnel(user=users.admin, group_by=group_by, unit=units.province, **YEAR)

    def test_the_dashboard_summary_gives_plain_values(self, users, dataset):
        summary = selectors.funnel_summary(user=users.province, unit=None, **YEAR)
        assert summary["total"]["reached"] == 5_500
        assert summary["total"]["departed"] == 2
        assert summary["total"]["cost_per_departure"] == 20_000_000
        assert len(summary["chart"]["labels"]) == 3
        assert [s["key"] for s in summary["chart"]["series"]] == ["reached", "leads", "registered", "counselled",
                                                                  "departed"]


class OverviewTotalsTests:
    def test_it_adds_up_the_years_job_fairs_and_counselling(self, users, dataset):
        totals = selectors.overview_totals(users.admin, year=2026)
        assert totals["job_fairs"] == 1
        assert totals["job_fair_enterprises"] == 20
        assert totals["job_fair_attendees"] == 400
        assert totals["counselled"] == 250
        assert totals["media_items"] == 1
        assert totals["media_reach"] == 5_000
        assert totals["cost"] == 40_000_000


class FunnelWorkbookTests:
    def test_the_export_reads_back_with_the_screens_numbers(self, users, dataset, campaigns):
        result = selectors.funnel(user=users.admin, **YEAR)
        out = io.BytesIO()
        assert write_funnel_workbook(result.rows, out, total=result.total, title="Phễu 2026") == 3
        sheet = load_workbook(io.BytesIO(out.getvalue())).active
        header = [c.value for c in sheet[3]]
        assert header[:3] == ["Nhóm", "Số hoạt động", "Doanh nghiệp tham gia"]
        rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=4, values_only=True)}
        province = rows["Chiến dịch tỉnh 2026"]
        assert province["Người được tiếp cận"] == 500
        assert province["Đã đăng ký"] == 3
        assert province["Đã xuất cảnh"] == 2
        assert province["Chi phí / người xuất cảnh (đồng)"] == 19_000_000
        total = rows["Tổng cộng"] if "Tổng cộng" in rows else rows[result.total.label]
        assert total["Chi phí / người đăng ký (đồng)"] == 10_000_000
        assert total["Tỷ lệ đăng ký / ghi nhận"] == pytest.approx(0.8)

    def test_user_text_cannot_become_a_formula(self, users, dataset, campaigns):
        campaigns.a.name = "=HYPERLINK(\"http://x\")"
        campaigns.a.save()
        result = selectors.funnel(user=users.admin, **YEAR)
        out = io.BytesIO()
        write_funnel_workbook(result.rows, out)
        values = [row[0] for row in load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(min_row=2, values_only=True)]
        assert "'=HYPERLINK(\"http://x\")" in values
