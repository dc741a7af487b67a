"""Reference data of complaints, kept by administrators: the categories and the statutory deadlines."""
from django.contrib import admin

from complaints.models import Category, StepDeadline


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(StepDeadline)
class StepDeadlineAdmin(admin.ModelAdmin):
    list_display = ["status", "days", "extension_days", "legal_basis"]
    list_editable = ["days", "extension_days"]
