"""Support policies are kept as data and edited by administrators here (items, caps and budgets inline)."""
from django.contrib import admin

from support.models import LoanEligibility, Policy, PolicyBudget, PolicyItem


class PolicyItemInline(admin.TabularInline):
    model = PolicyItem
    extra = 1


class PolicyBudgetInline(admin.TabularInline):
    model = PolicyBudget
    extra = 1


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "legal_basis", "valid_from", "valid_to", "active"]
    list_filter = ["legal_basis", "active"]
    search_fields = ["code", "name", "legal_reference"]
    autocomplete_fields = ["unit"]
    filter_horizontal = ["eligible_statuses"]
    inlines = [PolicyItemInline, PolicyBudgetInline]


@admin.register(LoanEligibility)
class LoanEligibilityAdmin(admin.ModelAdmin):
    list_display = ["household_status"]
