"""What the targets import commands share: the acting user and the structure of the unit codes."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from portal.models import Structure


def add_common_arguments(parser) -> None:
    parser.add_argument("file", help="the .xlsx file")
    parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
    parser.add_argument(
        "--structure", choices=[Structure.LEGACY.value, Structure.NEW.value],
        help="which structure the unit codes belong to (default: a code found in both is read in the structure "
             "in force on the row's date: 1 January of its year, its month)",
    )


def acting_user(username: str | None):
    User = get_user_model()
    if username:
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {username!r}.") from None
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise CommandError("There is no administrator; name a user with --user.")
    return user
