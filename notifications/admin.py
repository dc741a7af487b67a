from django.contrib import admin

from notifications.models import Digest, Notification, Preference, ReminderRun


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "mail")
    list_filter = ("kind", "mail")
    search_fields = ("title", "user__username")
    raw_id_fields = ("user", "digest")


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("day", "user", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    raw_id_fields = ("user",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email_enabled", "days_before")
    raw_id_fields = ("user",)


@admin.register(ReminderRun)
class ReminderRunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "day", "running", "reminders", "users", "mails_sent", "mails_failed", "error")
