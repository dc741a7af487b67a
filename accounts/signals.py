"""At login, remember in the session whether the account must choose a new password (``accounts.middleware``)."""
from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import SESSION_FLAG
from accounts.models import AccountProfile


@receiver(user_logged_in, dispatch_uid="accounts_password_change_flag")
def remember_password_change_flag(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if AccountProfile.objects.filter(user=user, must_change_password=True).exists():
        request.session[SESSION_FLAG] = True
    else:
        request.session.pop(SESSION_FLAG, None)
