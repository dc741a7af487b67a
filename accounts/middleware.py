"""An account that must choose a new password (new, or logged in with a one-time code) can do nothing else.

The flag is read from the account at login (``accounts.signals``) and kept in the session, so no page pays a query
for it; choosing a password clears both.
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_FLAG = "accounts_must_change_password"


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_FLAG) and request.user.is_authenticated:
            allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"), "/i18n/",
                       "/" + settings.STATIC_URL.lstrip("/"))
            if not request.path.startswith(allowed):
                messages.warning(request, _("Choose your own password before you continue."))
                return redirect("password_change")
        return self.get_response(request)
