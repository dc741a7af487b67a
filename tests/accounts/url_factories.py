"""The accounts screens in the portal-wide URL walk (tests/test_url_scope.py).

They are for those who manage accounts (the national administrator, a provincial administrator): everyone else
gets 404, including unit B's own official, so their URLs with an id are listed in ``ADMIN_ONLY``; the scope of a
provincial administrator is tested in tests/accounts/. The one-time link to set a password is ``PUBLIC``: it is
opened without a session, by its token.
"""
from __future__ import annotations


def _set_password_link(env) -> dict:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = env.users.official_b
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


FACTORIES: dict = {}
ADMIN_ONLY = {"accounts:user_edit", "accounts:user_deactivate", "accounts:user_activate", "accounts:user_reset",
              "accounts:import_preview", "accounts:import_commit"}
PUBLIC = {"accounts:set_password": _set_password_link}
