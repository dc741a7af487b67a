"""Policies on the portal's screens: provincial staff create and edit them with the checks the payments rely on,
and the caps are versioned so that past payments keep the caps they were made under."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from support import services
from support.models import ItemKind, Payment, Policy, PolicyVersion
from tests.support.factories import make_policy

pytestmark = pytest.mark.django_db
D = dt.date


def form_data(policy=None, **overrides) -> dict:
    data = {
        "code": "NQ-MOI", "name": "Hỗ trợ theo nghị quyết mới", "unit": "", "legal_basis": "provincial",
        "legal_reference": "Nghị quyết 5/2026/NQ-HĐND", "valid_from": "01/01/2026", "valid_to": "31/12/2027",
        "eligible_statuses": [], "admits_ethnic_minority": "on", "active": "on",
        "cap_language": "6.000.000", "cap_health": "750.000", "caps_from": "", "caps_reference": "",
        "budgets-TOTAL_FORMS": "2", "budgets-INITIAL_FORMS": "0", "budgets-MIN_NUM_FORMS": "0",
        "budgets-MAX_NUM_FORMS": "30", "budgets-0-year": "2026", "budgets-0-amount": "50.000.000",
        "budgets-1-year": "", "budgets-1-amount": "",
    }
    data.update(overrides)
    return data


def pay(support, worker, amount, day, decision="QĐ-1"):
    return services.payment_record(user=None, worker=worker, policy=support.poverty, date=day, decision_no=decision,
                                   lines=[(support.language, amount)])


def terms_of(policy, **changes):
    values = {field: getattr(policy, field) for field in (
        "code", "name", "unit", "legal_basis", "legal_reference", "valid_from", "valid_to", "admits_ethnic_minority",
        "active")}
    values["eligible_statuses"] = list(policy.eligible_statuses.all())
    values.update(changes)
    return services.PolicyTerms(**values)


class PolicyScreenTests:
    def test_provincial_staff_create_a_policy_with_caps_and_budgets(self, users, units, client_for):
        response = client_for(users.province).post(reverse("support:policy_create"), form_data(unit=units.province.pk))
        assert response.status_code == 302
        policy = Policy.objects.get(code="NQ-MOI")
        assert {i.kind: i.cap for i in policy.items.all()} == {"language": 6_000_000, "health": 750_000}
        assert {b.year: b.amount for b in policy.budgets.all()} == {2026: 50_000_000}
        version = policy.versions.get()
        assert (version.number, version.valid_from) == (1, D(2026, 1, 1))
        assert {c.item.kind: c.cap for c in version.caps.all()} == {"language": 6_000_000, "health": 750_000}

    def test_officials_and_viewers_cannot_create_or_edit(self, users, units, support, client_for):
        for role in ("official_a", "viewer"):
            client = client_for(getattr(users, role))
            assert client.post(reverse("support:policy_create"), form_data(unit=units.a.pk)).status_code == 403
            assert client.get(reverse("support:policy_edit", args=[support.poverty.pk])).status_code == 403
        assert not Policy.objects.filter(code="NQ-MOI").exists()

    def test_another_provinces_policy_and_unit_answer_404(self, users, units, client_for):
        from portal.demo import load_demo_units
        from portal.models import Structure, Unit
        from tests.conftest import make_user

        load_demo_units()
        khanh_hoa = Unit.objects.get(structure=Structure.NEW, code="56")
        theirs = make_policy(code="KH-1", unit=khanh_hoa, items={ItemKind.LANGUAGE: 1_000_000}, budgets={})
        client = client_for(users.province)  # Ninh Thuận's staff
        assert client.get(reverse("support:policy_edit", args=[theirs.pk])).status_code == 404
        assert client.post(reverse("support:policy_create"), form_data(unit=khanh_hoa.pk)).status_code == 404
        # Khánh Hòa reads Ninh Thuận's (legacy) policies as history, and does not edit them.
        ours = make_policy(code="NT-1", unit=units.province, items={ItemKind.LANGUAGE: 1_000_000}, budgets={})
        khanh_hoa_staff = client_for(make_user("t_kh", "province", khanh_hoa))
        assert khanh_hoa_staff.get(reverse("support:policy_detail", args=[ours.pk])).status_code == 200
        assert khanh_hoa_staff.get(reverse("support:policy_edit", args=[ours.pk])).status_code == 404

    def test_a_cap_below_what_was_already_paid_is_refused_with_the_amount(self, users, support, client_for):
        pay(support, support.poor_a, 5_000_000, D(2026, 2, 1))
        data = form_data(code="GNBV", unit=support.poverty.unit.pk, valid_from="01/01/2025", valid_to="31/12/2026",
                         cap_language="4.000.000", budgets_0_year="2026")
        data.update({"budgets-0-year": "2026", "budgets-0-amount": "10.000.000", "budgets-1-year": "2025",
                     "budgets-1-amount": "5.000.000", "caps_from": "01/01/2025", "admits_ethnic_minority": ""})
        response = client_for(users.province).post(reverse("support:policy_edit", args=[support.poverty.pk]), data)
        assert response.status_code == 200
        assert "5.000.000" in str(response.context["form"].errors)
        support.language.refresh_from_db()
        assert support.language.cap == 6_000_000
        assert PolicyVersion.objects.filter(policy=support.poverty).count() == 1

    def test_the_detail_page_links_to_the_portals_screen_not_to_admin(self, users, support, client_for):
        html = client_for(users.province).get(reverse("support:policy_detail", args=[support.poverty.pk])).content.decode()
        assert reverse("support:policy_edit", args=[support.poverty.pk]) in html and "/admin/" not in html


class PolicyVersionTests:
    def test_a_new_version_keeps_past_payments_caps(self, users, support):
        first = pay(support, support.poor_a, 5_000_000, D(2025, 6, 1), "QĐ-2025")
        # From 2026 the province lowers the cap to 4.000.000: past payments stand, under version 1.
        services.policy_update(user=users.province, policy=support.poverty, terms=terms_of(support.poverty),
                               caps={"language": 4_000_000, "health": 750_000},
                               budgets={2025: 20_000_000, 2026: 10_000_000}, caps_from=D(2026, 1, 1),
                               caps_reference="Nghị quyết sửa đổi")
        v1, v2 = support.poverty.versions.order_by("number")
        first.refresh_from_db()
        assert first.version == v1 and services.version_caps(v1)[support.language.pk] == 6_000_000
        assert (v2.number, v2.valid_from, services.version_caps(v2)[support.language.pk]) == (2, D(2026, 1, 1), 4_000_000)
        # A late entry of a 2025 payment is checked against version 1's cap.
        late = pay(support, support.poor_b, 6_000_000, D(2025, 11, 1), "QĐ-2025-bổ-sung")
        assert late.version == v1
        # A 2026 payment is checked against version 2's: 4.000.000 for a new worker, nothing more for poor_a.
        with pytest.raises(ValidationError, match="4.000.000"):
            pay(support, support.poor_b, 1_000, D(2026, 2, 1), "QĐ-2026")  # poor_b already has 6.000.000
        new = services.payment_record(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 2, 1),
                                      decision_no="QĐ-2026-sk", lines=[(support.health, 500_000)])
        assert new.version == v2

    def test_a_new_version_cannot_start_on_or_before_the_last_payment(self, users, support):
        pay(support, support.poor_a, 1_000_000, D(2026, 3, 10))
        with pytest.raises(ValidationError) as refused:
            services.policy_update(user=users.province, policy=support.poverty, terms=terms_of(support.poverty),
                                   caps={"language": 3_000_000, "health": 750_000},
                                   budgets={2025: 5_000_000, 2026: 10_000_000}, caps_from=D(2026, 3, 1))
        assert "11/03/2026" in str(refused.value)
        assert support.poverty.versions.count() == 1

    def test_correcting_the_current_version_may_raise_a_cap_but_not_remove_a_paid_item(self, users, support):
        pay(support, support.poor_a, 1_000_000, D(2026, 3, 10))
        kwargs = {"user": users.province, "policy": support.poverty, "terms": terms_of(support.poverty),
                  "budgets": {2025: 5_000_000, 2026: 10_000_000}}
        services.policy_update(caps={"language": 7_000_000, "health": 750_000}, **kwargs)
        assert support.poverty.versions.count() == 1
        assert services.version_caps(support.poverty.versions.get())[support.language.pk] == 7_000_000
        with pytest.raises(ValidationError, match="1.000.000"):
            services.policy_update(caps={"health": 750_000}, **kwargs)

    def test_a_budget_below_what_was_used_and_a_validity_that_leaves_payments_out_are_refused(self, users, support):
        pay(support, support.poor_a, 3_000_000, D(2026, 3, 10))
        caps = {"language": 6_000_000, "health": 750_000}
        with pytest.raises(ValidationError, match="3.000.000"):
            services.policy_update(user=users.province, policy=support.poverty, terms=terms_of(support.poverty),
                                   caps=caps, budgets={2025: 5_000_000, 2026: 2_000_000})
        with pytest.raises(ValidationError, match="10/03/2026"):
            services.policy_update(user=users.province, policy=support.poverty,
                                   terms=terms_of(support.poverty, valid_to=D(2026, 2, 28)),
                                   caps=caps, budgets={2025: 5_000_000, 2026: 10_000_000})
        support.poverty.refresh_from_db()
        assert support.poverty.valid_to == D(2026, 12, 31)
        assert support.poverty.budgets.get(year=2026).amount == 10_000_000

    def test_an_item_dropped_by_a_new_version_is_not_paid_after_it(self, users, support):
        services.policy_update(user=users.province, policy=support.poverty, terms=terms_of(support.poverty),
                               caps={"language": 6_000_000}, budgets={2025: 5_000_000, 2026: 10_000_000},
                               caps_from=D(2026, 1, 1))
        with pytest.raises(ValidationError, match="không|not paid"):
            services.payment_record(user=None, worker=support.poor_a, policy=support.poverty, date=D(2026, 2, 1),
                                    decision_no="QĐ", lines=[(support.health, 500_000)])
        assert services.payment_record(user=None, worker=support.poor_a, policy=support.poverty, date=D(2025, 5, 1),
                                       decision_no="QĐ", lines=[(support.health, 500_000)]).version.number == 1
        assert Payment.objects.count() == 1
