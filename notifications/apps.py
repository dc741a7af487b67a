from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import selectors, signals, tasks  # noqa: F401  (tasks: registered in every process, for beat)
        from portal.jobs import job_finished
        from portal.sections import register_navbar_item

        job_finished.connect(signals.job_finished, dispatch_uid="notifications.job_finished")
        # The navigation bar: what awaits the user (the inbox panels' counts) and the bell.
        register_navbar_item("inbox", template="notifications/_inbox_badge.html", context=selectors.navbar_context,
                             order=10)
        register_navbar_item("notifications", template="notifications/_bell.html", context=selectors.navbar_context,
                             order=20)
