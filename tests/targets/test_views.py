"""Every screen of the targets app: scope (another unit answers 404), read-only users (403), query bounds."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.models import Unit
from portal.tree import is_within
from targets import services
from targets.models import MonthlyReport, Plan, Quota, ReportStatus
from tests.targets.conftest import QUOTAS_2021, quotas_2021_file, upload

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def data(users, units, clock):
    """Quotas of 2021, a plan of Bác Ái, and one submitted report of each test district."""
    from targets.importers import import_quotas

    import_quotas(quotas_2021_file(), user=users.province)
    plan_b = services.plan_create(user=users.admin, unit=units.b, name="Kế hoạch Bác Ái", first_year=2026,
                                  last_year=2026, targets=[40])
    reports = {}
    for key, official in (("a", users.official_a), ("b", users.official_b)):
        unit = getattr(units, key)
        report = services.figures_save(user=official, unit=unit, month=MARCH, values={"departed": 2}, version=None)
        reports[key] = services.figures_submit(user=official, report=report, version=report.version)
    return {"plan_b": plan_b, "reports": reports}


class ScopeTests:
    """official_a (Ninh Sơn) reaches nothing of Bác Ái: every screen answers 404."""

    def test_every_screen_of_another_district_answers_404(self, users, units, data, client_for):
        client = client_for(users.official_a)
        b, report_b, plan_b = units.b, data["reports"]["b"], data["plan_b"]
        gets = [
            reverse("targets:quota_table") + f"?parent={b.pk}&year=2021",
            reverse("targets:quota_template") + f"?parent={b.pk}&year=2021",
            reverse("targets:figures", args=[b.pk, 2026, 3]),
            reverse("targets:completeness") + f"?parent={b.pk}&year=2026",
            reverse("targets:monthly_template") + f"?parent={b.pk}",
            reverse("targets:plan_detail", args=[plan_b.pk]),
            reverse("targets:plan_edit", args=[plan_b.pk]),
            reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021",
        ]
        for url in gets:
            assert client.get(url).status_code == 404, url
        posts = [
            (reverse("targets:quota_table") + f"?parent={b.pk}&year=2021", {}),
            (reverse("targets:figures", args=[b.pk, 2026, 3]), {"version": report_b.version, "departed": "9", "action": "save"}),
            (reverse("targets:figures_review", args=[report_b.pk]), {"action": "approve", "version": report_b.version}),
            (reverse("targets:figures_reopen", args=[b.pk, 2026, 3]), {}),
            (reverse("targets:plan_edit", args=[plan_b.pk]), {"name": "x"}),
        ]
        for url, payload in posts:
            assert client.post(url, payload).status_code == 404, url
        assert MonthlyReport.objects.get(pk=report_b.pk).status == ReportStatus.SUBMITTED
        assert Plan.objects.get(pk=plan_b.pk).name == "Kế hoạch Bác Ái"

    def test_lists_show_only_the_officials_own_units(self, users, units, data, client_for):
        client = client_for(users.official_a)
        table = client.get(reverse("targets:quota_table"), {"year": 2021}).context["table"]
        assert table.parent == units.a and all(is_within(r.unit.path, units.a.path) for r in table.rows)
        assert list(client.get(reverse("targets:plan_list")).context["plans"]) == []
        rows = client.get(reverse("targets:completeness"), {"year": 2026}).context["data"].rows
        assert rows[0].unit == units.a and all(is_within(r.unit.path, units.a.path) for r in rows)

    def test_a_user_without_a_unit_sees_nothing(self, users, data, client_for):
        client = client_for(users.nobody)
        assert client.get(reverse("targets:index")).status_code == 200
        assert client.get(reverse("targets:quota_table")).status_code == 404
        assert list(client.get(reverse("targets:plan_list")).context["plans"]) == []


class ReadOnlyTests:
    def test_a_viewer_reads_but_every_write_answers_403(self, users, units, data, client_for):
        client = client_for(users.viewer)
        report = data["reports"]["a"]
        assert client.get(reverse("targets:quota_table"), {"year": 2021}).status_code == 200
        assert client.get(reverse("targets:figures", args=[units.a.pk, 2026, 3])).status_code == 200
        writes = [
            (reverse("targets:plan_create"), {"name": "x"}),
            (reverse("targets:plan_edit", args=[data["plan_b"].pk]), {"name": "x"}),
            (reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021", {f"u{units.a.pk}": "99"}),
            (reverse("targets:figures", args=[units.a.pk, 2026, 3]), {"version": report.version, "departed": "9", "action": "save"}),
            (reverse("targets:figures_review", args=[report.pk]), {"action": "approve", "version": report.version}),
            (reverse("targets:figures_reopen", args=[units.a.pk, 2026, 2]), {}),
            (reverse("targets:quota_import"), {"file": upload(quotas_2021_file())}),
        ]
        for url, payload in writes:
            assert client.post(url, payload).status_code == 403, url
        assert client.get(reverse("targets:plan_create")).status_code == 403
        assert Quota.objects.get(unit=units.a, year=2021).target == 25
        assert MonthlyReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED

    def test_an_official_cannot_approve_even_their_own_units_figures(self, users, units, data, client_for):
        report = data["reports"]["a"]
        response = client_for(users.official_a).post(
            reverse("targets:figures_review", args=[report.pk]), {"action": "approve", "version": report.version})
        assert response.status_code == 403
        assert client_for(users.official_a).get(reverse("targets:plan_create")).status_code == 403


class QuotaTableTests:
    def test_saving_an_over_allocation_is_allowed_with_a_plain_warning(self, users, units, data, client_for):
        client = client_for(users.province)
        url = reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021"
        payload = {f"u{u.pk}": str(QUOTAS_2021[u.code]) for u in Unit.objects.filter(parent=units.province)}
        payload[f"u{units.a.pk}"] = "35"
        response = client.post(url, payload, follow=True)
        assert Quota.objects.get(unit=units.a, year=2021).target == 35
        body = response.content.decode()
        assert 'data-testid="quota-warning"' in body and "160" in body and "Giao vượt" in body
        payload[f"u{units.a.pk}"] = "15"
        body = client.post(url, payload, follow=True).content.decode()
        assert "Giao thiếu" in body and "140" in body

    def test_a_bad_target_is_shown_beside_its_field_and_nothing_is_saved(self, users, units, data, client_for):
        url = reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021"
        response = client_for(users.province).post(url, {f"u{units.a.pk}": "-5", f"u{units.b.pk}": "abc"})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {f"u{units.a.pk}", f"u{units.b.pk}"}
        assert Quota.objects.get(unit=units.a, year=2021).target == 25

    def test_an_official_splits_the_district_quota_between_communes(self, users, units, data, client_for):
        client = client_for(users.official_a)
        url = reverse("targets:quota_table") + f"?parent={units.a.pk}&year=2021"
        page = client.get(url)
        assert page.context["editable"] and page.context["table"].parent_target == 25
        assert client.post(url, {f"u{units.commune_a.pk}": "10"}).status_code == 302
        assert Quota.objects.get(unit=units.commune_a, year=2021).target == 10
        # …but cannot change their own district's quota from the province's table (not even see it).
        assert client.post(reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021",
                           {f"u{units.a.pk}": "99"}).status_code == 404

    def test_the_quota_table_runs_a_fixed_number_of_queries(self, users, units, data, client_for, django_assert_max_num_queries):
        client = client_for(users.province)
        client.get(reverse("targets:index"))  # warm the session
        with django_assert_max_num_queries(8):
            response = client.get(reverse("targets:quota_table"), {"year": 2021})
        assert len(response.context["table"].rows) == 7
        with django_assert_max_num_queries(8):
            response = client.get(reverse("targets:quota_table"), {"year": 2021, "parent": units.a.pk})
        assert len(response.context["table"].rows) == units.a.children.count()


class CompletenessTests:
    def test_each_cell_has_its_status_and_the_counts_add_up(self, users, units, data, clock, client_for):
        clock(dt.date(2026, 4, 2))  # January–April have started
        report_a = data["reports"]["a"]
        services.figures_approve(user=users.province, report=report_a, version=report_a.version)
        report_b = data["reports"]["b"]
        services.figures_return(user=users.province, report=report_b, version=report_b.version, comment="Sửa")
        ninh_hai = Unit.objects.get(code="586", structure=units.a.structure)
        services.figures_save(user=users.province, unit=ninh_hai, month=MARCH, values={"departed": 1}, version=None)
        phuoc = Unit.objects.get(code="587", structure=units.a.structure)
        draft = services.figures_save(user=users.province, unit=phuoc, month=dt.date(2026, 2, 1), values={"departed": 1}, version=None)
        services.figures_submit(user=users.province, report=draft, version=draft.version)

        response = client_for(users.province).get(reverse("targets:completeness"), {"year": 2026})
        data_ = response.context["data"]
        assert [m.month for m in data_.months] == [1, 2, 3, 4]
        # Taking part in 2026: Bác Ái all year (its quota); Ninh Sơn, Ninh Hải and Ninh Phước from the first month
        # they reported on.
        assert data_.counts == {"overdue": 2, "approved": 1, "returned": 1, "draft": 1, "submitted": 1, "due": 1,
                                "not_due": 4, "not_required": 17}
        cells = {row.unit.code: [c.status for c in row.cells] for row in data_.rows}
        # 2 April: January and February are past their deadline, March is due until 5 April, April is running.
        assert cells["585"] == ["not_required", "not_required", "approved", "not_due"]
        assert cells["584"] == ["overdue", "overdue", "returned", "not_due"]
        assert cells["586"] == ["not_required", "not_required", "draft", "not_due"]
        assert cells["587"] == ["not_required", "submitted", "due", "not_due"]
        assert cells["588"] == ["not_required"] * 4
        body = response.content.decode()
        for css in ("chase-overdue", "chase-draft", "chase-submitted", "chase-approved", "chase-returned",
                    "chase-due", "chase-not_due"):
            assert css in body
        assert "Quá hạn 56 ngày" in body  # January's deadline was 5 February
        # Each cell links to the unit's month, says its state with a mark, and gives the deadline in its title.
        bac_ai = next(row for row in data_.rows if row.unit.code == "584")
        link = reverse("targets:figures", args=[bac_ai.unit.pk, 2026, 1])
        assert (f'<td class="chase-cell chase-overdue" data-status="overdue"><a href="{link}" '
                f'title="{bac_ai.unit.name} 01/2026: Quá hạn 56 ngày · Hạn báo cáo 05/02/2026">'
                '<span class="chase-mark" aria-hidden="true">') in body

    def test_the_completeness_screen_runs_a_fixed_number_of_queries(self, users, data, client_for, django_assert_max_num_queries):
        client = client_for(users.province)
        client.get(reverse("targets:index"))
        with django_assert_max_num_queries(8):
            response = client.get(reverse("targets:completeness"), {"year": 2026})
        assert len(response.context["data"].rows) == 7


class PlanScreenTests:
    def test_provincial_staff_create_a_plan_with_per_year_targets_and_goals(self, users, units, client_for):
        client = client_for(users.province)
        response = client.post(reverse("targets:plan_create"), {
            "unit": units.province.pk, "name": "Giai đoạn 2023–2025", "first_year": "2023", "last_year": "2025",
            "targets": "400; 600; 700", "stretch_percent": "130", "goal_orientation": "100", "goal_communes": "100",
            "decision_no": "01/KH-UBND",
        })
        assert response.status_code == 302
        plan = Plan.objects.get()
        assert (plan.first_year, plan.last_year, plan.stretch_percent) == (2023, 2025, Decimal("130"))
        assert list(plan.quotas.values_list("unit__code", "year", "target")) == [("58", 2023, 400), ("58", 2024, 600), ("58", 2025, 700)]
        assert sorted(plan.coverage_goals.values_list("kind", "percent")) == [("communes", 100), ("orientation", 100)]
        detail = client.get(reverse("targets:plan_detail", args=[plan.pk])).content.decode()
        assert "700" in detail and "130%" in detail

    def test_one_target_fills_every_year_and_a_wrong_count_is_refused(self, users, units, client_for):
        client = client_for(users.province)
        base = {"unit": units.province.pk, "name": "Ít nhất 800 lao động mỗi năm", "first_year": "2026", "last_year": "2030"}
        bad = client.post(reverse("targets:plan_create"), {**base, "targets": "800; 900"})
        assert bad.status_code == 200 and "targets" in bad.context["form"].errors
        assert not Plan.objects.exists()
        client.post(reverse("targets:plan_create"), {**base, "targets": "800"})
        assert list(Quota.objects.filter(unit=units.province).values_list("year", "target")) == [
            (y, 800) for y in range(2026, 2031)]

    def test_editing_a_plan_moves_its_years(self, users, units, client_for):
        plan = services.plan_create(user=users.province, unit=units.province, name="P", first_year=2023, last_year=2025,
                                    targets=[400, 600, 700])
        response = client_for(users.province).post(reverse("targets:plan_edit", args=[plan.pk]), {
            "unit": units.province.pk, "name": "P", "first_year": "2024", "last_year": "2025", "targets": "650; 750"})
        assert response.status_code == 302
        assert list(Quota.objects.filter(unit=units.province).values_list("year", "target")) == [(2024, 650), (2025, 750)]

    def test_two_plans_cannot_share_a_year_of_the_same_unit(self, users, units):
        services.plan_create(user=users.province, unit=units.province, name="A", first_year=2023, last_year=2025,
                             targets=[1, 2, 3])
        with pytest.raises(services.ValidationError):
            services.plan_create(user=users.province, unit=units.province, name="B", first_year=2025, last_year=2026,
                                 targets=[4, 5])
        assert Plan.objects.count() == 1


class IndexTests:
    def test_the_home_page_links_every_screen(self, users, data, client_for):
        body = client_for(users.official_a).get(reverse("targets:index")).content.decode()
        for name in ("plan_list", "quota_table", "completeness", "quota_import", "monthly_import"):
            assert reverse(f"targets:{name}") in body
        assert reverse("targets:figures", args=[users.official_a.scope.unit.pk, 2026, 3]) in body


class PlanListTests:
    def test_the_plan_list_runs_a_fixed_number_of_queries(self, users, units, client_for, django_assert_max_num_queries):
        for first in (2010, 2015, 2020):
            services.plan_create(user=users.province, unit=units.province, name=f"Kế hoạch {first}", first_year=first,
                                 last_year=first + 4, targets=[100] * 5,
                                 goals=[services.GoalInput("orientation", Decimal("100"))])
        client = client_for(users.viewer)
        client.get(reverse("targets:index"))
        with django_assert_max_num_queries(8):
            response = client.get(reverse("targets:plan_list"))
        assert len(response.context["plans"]) == 3


class PlanDetailTests:
    def test_the_plan_shows_each_years_target_and_what_was_allocated_below(self, users, units, client_for):
        plan = services.plan_create(user=users.province, unit=units.province, name="P", first_year=2023, last_year=2025,
                                    targets=[400, 600, 700], stretch_percent=Decimal("130"))
        services.quota_allocate(user=users.province, parent=units.province, year=2024, targets={units.a.pk: 350, units.b.pk: 250})
        services.quota_allocate(user=users.province, parent=units.province, year=2025, targets={units.a.pk: 100})
        response = client_for(users.viewer).get(reverse("targets:plan_detail", args=[plan.pk]))
        years = [(y.quota.year, y.quota.target, y.allocated, bool(y.warning)) for y in response.context["years"]]
        assert years == [(2023, 400, None, False), (2024, 600, 600, False), (2025, 700, 100, True)]
        assert "130%" in response.content.decode()
        assert Quota.objects.get(unit=units.a, year=2024).plan == plan


class AuditTests:
    def test_quota_changes_on_screen_and_from_a_command_name_their_author(self, users, units, client_for, tmp_path):
        from auditlog.models import LogEntry
        from django.core.management import call_command

        from tests.targets.conftest import xlsx

        url = reverse("targets:quota_table") + f"?parent={units.province.pk}&year=2021"
        client_for(users.province).post(url, {f"u{units.a.pk}": "25"})
        quota = Quota.objects.get(unit=units.a, year=2021)
        entry = LogEntry.objects.get_for_object(quota).get()
        assert entry.actor == users.province and entry.action == LogEntry.Action.CREATE

        path = tmp_path / "q.xlsx"
        path.write_bytes(xlsx([["Mã đơn vị", "Năm", "Chỉ tiêu"], ["585", 2021, 27]]))
        call_command("import_quotas", str(path), "--user", users.province.username)
        latest = LogEntry.objects.get_for_object(quota).order_by("-pk").first()
        assert latest.actor == users.province and latest.action == LogEntry.Action.UPDATE
        assert "27" in str(latest.changes)
