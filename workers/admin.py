"""Reference lists are kept up to date by administrators in /admin/."""
from django.contrib import admin

from workers.models import ChecklistItem, Country, Ethnicity, HouseholdStatus, Programme


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "is_high_income"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "country", "order", "is_skilled", "is_high_income"]
    list_filter = ["country"]


@admin.register(Ethnicity)
class EthnicityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_majority"]


@admin.register(HouseholdStatus)
class HouseholdStatusAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """The pre-departure checklist: a province adds its own items (with its unit) or switches items off."""

    list_display = ["code", "name_vi", "unit", "order", "required", "needs_number", "has_result", "active"]
    list_filter = ["active", "required"]
    autocomplete_fields = ["unit"]
