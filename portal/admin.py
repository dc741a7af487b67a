from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from portal.models import Scope, Unit

User = get_user_model()


class ScopeInline(admin.StackedInline):
    model = Scope
    can_delete = False
    autocomplete_fields = ["unit"]


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [ScopeInline]
    list_display = ("username", "first_name", "last_name", "is_active", "scope__role", "scope__unit")
    list_select_related = ("scope", "scope__unit")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "structure", "parent")
    list_filter = ("structure", "level")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
