"""/admin/ for emergencies: policies are edited on the portal's screens (support.views.policy_edit), which version
the caps; here an item's cap is read only, so that no change bypasses the versions past payments rely on."""
from django.contrib import admin

from support.models import LoanEligibility, Policy, PolicyBudget, PolicyItem


class PolicyItemInline(admin.TabularInline):
    model = PolicyItem
    extra = 0
    readonly_fields = ["kind", "cap"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
