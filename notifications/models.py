"""Notifications: what the portal tells a person (in the portal, and by e-mail in one digest a day).

Generic: the app knows no other app. The apps above it create notifications through
``notifications.services.notify`` (an approval, a month sent back) and register reminder sources
(``notifications.reminders``) that ``send_reminders`` asks every day; the core's report jobs reach it through
the ``portal.jobs.job_finished`` signal.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> models.QuerySet:
        """A person's own notifications only (an administrator's too): another's answers 404."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> models.QuerySet:
        return self.filter(read_at__isnull=True)


class MailState(models.TextChoices):
    WAITING = "", _("Not handled yet")
    DIGEST = "digest", _("In an e-mail digest")
    NONE = "none", _("No e-mail (no address, or switched off)")


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")


class Digest(models.Model):
    """The e-mail of one person for one day: every notification not mailed yet, in one message.

    A failed sending keeps the row (status, attempts, last error); the next run retries it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notification_digests")
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=DigestStatus.choices, default=DigestStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("e-mail digest")
        verbose_name_plural = _("e-mail digests")
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_one_per_user_and_day")]
        indexes = [models.Index(fields=["status", "day"], name="digest_status_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%d/%m/%Y} ({self.status})"


class Notification(models.Model):
    """One thing a person is told: a title, a text, a link to the page where they act on it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)
    # Set by reminders and events that must never be told twice: unique per user.
    key = models.CharField(_("key"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mail = models.CharField(_("e-mail"), max_length=10, choices=MailState.choices, default=MailState.WAITING,
                            blank=True)
    digest = models.ForeignKey(Digest, verbose_name=_("e-mail digest"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="notifications")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""), name="notification_key_once_per_user"),
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
            models.Index(fields=["mail"], name="notification_mail_waiting", condition=Q(mail="")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """A person's choices: e-mail digests on or off, and how many days before a deadline to be reminded."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    email_enabled = models.BooleanField(_("send me a daily e-mail digest"), default=True)
    days_before = models.PositiveSmallIntegerField(
        _("days before a deadline to remind me"), null=True, blank=True,
        help_text=_("Empty: the portal's default."))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class ReminderRun(models.Model):
    """One run of ``send_reminders``. At most one runs at a time: the partial unique constraint on ``running``
    refuses a second concurrent run (the database decides, on SQLite and PostgreSQL alike)."""

    day = models.DateField(_("day"))
    running = models.BooleanField(default=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    reminders = models.PositiveIntegerField(_("reminders"), default=0)
    users = models.PositiveIntegerField(_("users"), default=0)
    mails_sent = models.PositiveIntegerField(_("e-mails sent"), default=0)
    mails_failed = models.PositiveIntegerField(_("e-mails not sent"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["running"], condition=Q(running=True), name="reminder_run_one_at_a_time"),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.started_at:%H:%M}"
