from __future__ import annotations

from celery import shared_task


@shared_task
def send_reminders() -> str:
    """Daily (beat): the day's reminders and e-mail digests (``manage.py send_reminders``)."""
    from notifications.reminders import reminders_send

    return reminders_send().line


@shared_task
def retry_digests() -> int:
    """Hourly (beat): send again the digests a mail server refused or never got (no new digest is made)."""
    from notifications.mail import digests_send

    return digests_send(prepare=False).sent
