"""The daily e-mail digest: one message per person per day with every notification not mailed yet.

Sent through Django's mail framework (``EMAIL_*`` settings, read from the environment; the console backend
by default). Nothing is lost when the mail server is down or refuses: the digest keeps its row (status,
attempts, last error) and the next run, or the hourly retry, sends it again; the notifications stay in the
portal whatever happens to the e-mail. A run that meets a server error stops there (the other digests wait,
untouched, for the next run) and logs the failure once.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Digest, DigestStatus, MailState, Notification, Preference

logger = logging.getLogger(__name__)

# Refusals of one message (its address, its content): that digest fails, the others are still sent.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


@dataclass
class MailResult:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # left untouched after a server error: the next run sends them


def _max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATION_MAIL_MAX_ATTEMPTS", 24))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFICATION_MAIL_LEASE_SECONDS", 15 * 60)))


def digests_prepare(*, today: dt.date) -> int:
    """Put every notification not handled yet into its person's digest of ``today``; how many digests got some.

    People without an address, inactive, or who switched e-mail off: their notifications are marked as not
    mailed (they stay in the portal). A person whose digest of the day is already sent gets the rest the next
    day: one e-mail a day."""
    waiting = Notification.objects.filter(mail=MailState.WAITING)
    user_ids = set(waiting.order_by().values_list("user_id", flat=True).distinct())
    if not user_ids:
        return 0
    users = get_user_model().objects.filter(pk__in=user_ids).only("pk", "email", "is_active")
    switched_off = set(Preference.objects.filter(user_id__in=user_ids, email_enabled=False)
                       .values_list("user_id", flat=True))
    eligible = {u.pk for u in users if u.is_active and (u.email or "").strip() and u.pk not in switched_off}
    Notification.objects.filter(mail=MailState.WAITING, user_id__in=user_ids - eligible).update(mail=MailState.NONE)
    filled = 0
    for user_id in sorted(eligible):
        with transaction.atomic():
            digest, _created = Digest.objects.get_or_create(user_id=user_id, day=today)
            digest = Digest.objects.select_for_update().get(pk=digest.pk)
            open_ = digest.status == DigestStatus.PENDING or (
                digest.status == DigestStatus.FAILED and digest.attempts < _max_attempts())
            if open_ and Notification.objects.filter(mail=MailState.WAITING, user_id=user_id).update(
                    mail=MailState.DIGEST, digest=digest):
                filled += 1
    return filled


def digest_message(digest: Digest, items: list[Notification]) -> mail.EmailMessage:
    """The e-mail of ``digest``, in Vietnamese."""
    base = settings.PORTAL_BASE_URL.removesuffix("/")
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext("[Labour-export portal] %(count)s new notification, %(date)s",
                           "[Labour-export portal] %(count)s new notifications, %(date)s", len(items)) % {
            "count": len(items), "date": digest.day.strftime("%d/%m/%Y")}
        body = render_to_string("notifications/digest_email.txt", {
            "user": digest.user, "items": [(n, f"{base}{n.url}" if n.url.startswith("/") else n.url) for n in items],
            "day": digest.day, "settings_url": f"{base}/notifications/settings/", "home_url": f"{base}/"})
    return mail.EmailMessage(subject=subject, body=body, to=[digest.user.email])


def _claimable(now) -> Q:
    return (Q(status__in=[DigestStatus.PENDING, DigestStatus.FAILED], attempts__lt=_max_attempts())
            | Q(status=DigestStatus.SENDING, claimed_at__lt=now - _lease()))


def _fail(pk: int, exc: BaseException) -> None:
    Digest.objects.filter(pk=pk, status=DigestStatus.SENDING).update(
        status=DigestStatus.FAILED, last_error=f"{exc.__class__.__name__}: {exc}"[:2000])


def digests_send(*, today: dt.date | None = None, prepare: bool = True) -> MailResult:
    """Send the digests waiting (pending, failed with attempts left, or abandoned by a run that died).

    Each digest is claimed by a conditional UPDATE first, so two runs at once never send the same one."""
    if prepare:
        digests_prepare(today=today or timezone.localdate())
    now = timezone.now()
    ids = list(Digest.objects.filter(_claimable(now)).order_by("day", "pk").values_list("pk", flat=True))
    result = MailResult()
    if not ids:
        return result
    server_error: BaseException | None = None
    errors: list[str] = []
    connection = mail.get_connection(fail_silently=False)
    try:
        for pk in ids:
            if server_error is not None:
                result.waiting += 1
                continue
            if not Digest.objects.filter(_claimable(now), pk=pk).update(
                    status=DigestStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now):
                continue  # another run took it
            digest = Digest.objects.select_related("user").get(pk=pk)
            items = list(digest.notifications.order_by("created_at", "pk"))
            if not items or not (digest.user.email or "").strip():
                Digest.objects.filter(pk=pk).update(status=DigestStatus.SENT, sent_at=timezone.now(),
                                                    last_error=_("Nothing to send."))
                continue
            try:
                delivered = connection.send_messages([digest_message(digest, items)])
                if not delivered:
                    raise smtplib.SMTPException("the mail backend sent nothing")
            except MESSAGE_ERRORS as exc:
                _fail(pk, exc)
                result.failed += 1
                errors.append(f"{digest.user}: {exc}")
            except (smtplib.SMTPException, OSError) as exc:  # the server is down, refuses us, or timed out
                _fail(pk, exc)
                result.failed += 1
                server_error = exc
                errors.append(str(exc) or exc.__class__.__name__)
            else:
                Digest.objects.filter(pk=pk, status=DigestStatus.SENDING).update(
                    status=DigestStatus.SENT, sent_at=timezone.now(), last_error="")
                result.sent += 1
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            pass  # closing a connection that never opened, or already dropped: nothing left to release
    if result.failed:
        # Once per run, not once per person: an unreachable server would otherwise fill the log.
        logger.error("E-mail digests: %s sent, %s failed, %s left for the next run (%s)",
                     result.sent, result.failed, result.waiting, "; ".join(errors)[:1000])
    return result
