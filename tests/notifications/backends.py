"""Mail backends that fail the way real servers do (EMAIL_BACKEND of the SMTP failure tests)."""
from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

calls: list[str] = []


class DownBackend(BaseEmailBackend):
    """The server does not answer: every sending raises ConnectionRefusedError."""

    def send_messages(self, email_messages):
        calls.append("down")
        raise ConnectionRefusedError(111, "Connection refused")


class RefusingBackend(BaseEmailBackend):
    """The server refuses one address (t_bacai@…) and takes the others (kept in ``sent``)."""

    sent: list = []

    def send_messages(self, email_messages):
        for message in email_messages:
            if any(address.startswith("t_bacai@") for address in message.to):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
            RefusingBackend.sent.append(message)
        return len(email_messages)
