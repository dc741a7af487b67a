"""Reference lists are kept up to date by administrators in /admin/."""
from django.contrib import admin

from workers.models import Country, Ethnicity, HouseholdStatus, Programme


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "is_high_income"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "country", "order"]
    list_filter = ["country"]


@admin.register(Ethnicity)
class EthnicityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_majority"]


@admin.register(HouseholdStatus)
class HouseholdStatusAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order"]
