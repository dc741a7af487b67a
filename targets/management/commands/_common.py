"""What the targets import commands share: the acting user and the structure of the unit codes."""
from __future__ import annotations

from portal.importing import command_user as acting_user  # noqa: F401 (the commands import it from here)
from portal.models import Structure


def add_common_arguments(parser) -> None:
    parser.add_argument("file", help="the .xlsx file")
    parser.add_argument("--user", help="import as this user, within their scope (default: an administrator)")
    parser.add_argument(
        "--structure", choices=[Structure.LEGACY.value, Structure.NEW.value],
        help="which structure the unit codes belong to (default: a code found in both is read in the structure "
             "in force on the row's date: 1 January of its year, its month)",
    )
