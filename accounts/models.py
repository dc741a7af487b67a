"""Accounts on the portal's own screens: what Django's ``User`` and ``portal.Scope`` do not hold.

- ``AccountProfile``: the phone number, and whether the person must choose a new password before doing anything
  else (an account created on the screen or in bulk; a login with a printed one-time code).
- ``OneTimeCode``: a code printed for an account without e-mail; stored hashed, expires, works once.
- ``InactivityRule``: after how many days without a login a province's accounts are flagged.
- ``AccountImport``: an uploaded sheet of new accounts between its preview and its confirmation (the checked
  cells are kept here and checked again on confirmation; a confirmation replayed creates nothing twice).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Unit


class AccountProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_profile")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must choose a new password at the next login"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("account profile")
        verbose_name_plural = _("account profiles")

    def __str__(self) -> str:
        return str(self.user)


class OneTimeCode(models.Model):
    """A printed code that logs its account in once, before it expires; the account must then choose a password."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="one_time_codes")
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "expires_at"], name="onetimecode_user_expires")]

    def __str__(self) -> str:
        return f"{self.user} ({self.expires_at:%d/%m/%Y})"


class InactivityRule(models.Model):
    """A province's own period: its accounts without a login for ``days`` are flagged (else the national default,
    ``settings.ACCOUNT_INACTIVE_DAYS``)."""

    province = models.OneToOneField(Unit, verbose_name=_("province"), on_delete=models.CASCADE,
                                    related_name="+", limit_choices_to={"level": "province"})
    days = models.PositiveSmallIntegerField(_("days without a login"))

    class Meta:
        verbose_name = _("inactivity period")
        verbose_name_plural = _("inactivity periods")
        constraints = [models.CheckConstraint(condition=Q(days__gte=7) & Q(days__lte=3650),
                                              name="inactivity_rule_days_7_3650")]

    def __str__(self) -> str:
        return f"{self.province}: {self.days}"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Checked, waiting for confirmation")
    DONE = "done", _("Accounts created")


class AccountImport(models.Model):
    """An uploaded sheet of new accounts: checked whole, shown, then created whole on confirmation."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    rows = models.JSONField(default=list)  # [{"row": n, cells by column key}] as read from the sheet
    done_at = models.DateTimeField(null=True, blank=True)
    created_usernames = models.JSONField(default=list)

    class Meta:
        verbose_name = _("account import")
        verbose_name_plural = _("account imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
