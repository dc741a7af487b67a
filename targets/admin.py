from django.contrib import admin

from targets.models import CoverageGoal, Indicator, MonthlyReport, MonthlyValue, Plan, Quota


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The indicator catalogue is data: administrators add, rename, reorder or retire indicators here."""

    list_display = ("code", "name_vi", "name_en", "aggregation", "order", "active")
    list_editable = ("order", "active")
    search_fields = ("code", "name_vi", "name_en")


class CoverageGoalInline(admin.TabularInline):
    model = CoverageGoal
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "first_year", "last_year", "stretch_percent", "decision_no")
    list_select_related = ("unit",)
    raw_id_fields = ("unit",)
    inlines = [CoverageGoalInline]


@admin.register(Quota)
class QuotaAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "target", "plan", "stretch_percent")
    list_filter = ("year",)
    list_select_related = ("unit", "plan")
    raw_id_fields = ("unit", "plan")
    search_fields = ("unit__code", "unit__name")


class MonthlyValueInline(admin.TabularInline):
    model = MonthlyValue
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("unit", "month", "status", "version", "submitted_at", "reviewed_at")
    list_filter = ("status", "month")
    list_select_related = ("unit",)
    raw_id_fields = ("unit", "submitted_by", "reviewed_by", "updated_by")
    readonly_fields = ("version",)
    search_fields = ("unit__code", "unit__name")
    inlines = [MonthlyValueInline]

    # Figures change only through the screens (draft, submit, review, optimistic lock); here they are read.
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
