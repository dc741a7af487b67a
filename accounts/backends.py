"""Logging in with a printed one-time code: typed in the password field of the ordinary login page.

The code works once and before it expires; the account is then made to choose its own password
(``accounts.middleware``). Failed tries are counted by django-axes like any other failed login.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from accounts.services import one_time_code_redeem


class OneTimeCodeBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        return user if one_time_code_redeem(user=user, code=password) else None
