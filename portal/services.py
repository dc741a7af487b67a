from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Level, Unit
from portal.scoping import unit_in_scope
from portal.tree import build_path

# A hamlet's code: letters naming the kind of place, then its number ("TH01", "AP3", "KH12"); never a bare
# number (the package's codes are numbers), a negative number or a date.
HAMLET_CODE = re.compile(r"[A-Z]{1,10}[0-9]{1,10}")


def hamlet_add(*, user, parent: Unit, code: str, name: str) -> Unit:
    """Add a unit the package does not have (thôn/ấp/khóm) below a commune."""
    if parent.level != Level.COMMUNE:
        raise ValidationError({"parent": _("A hamlet can only be added below a commune.")})
    if not unit_in_scope(user, parent):
        raise ValidationError({"parent": _("The unit is outside your scope.")})
    code = code.strip().upper()
    if not HAMLET_CODE.fullmatch(code):
        raise ValidationError({"code": _("A hamlet code is 1 to 10 letters then 1 to 10 digits, e.g. TH01; "
                                         "“%(code)s” is not.") % {"code": code[:40]}})
    if Unit.objects.filter(structure=parent.structure, code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is already used.") % {"code": code}})
    with transaction.atomic():
        return Unit.objects.create(
            structure=parent.structure, code=code, name=name.strip(), short_name=name.strip(),
            level=Level.HAMLET, parent=parent, path=build_path(parent.structure, parent.path, code),
            valid_from=parent.valid_from, valid_to=parent.valid_to, is_custom=True,
        )


def scope_reassign(*, by, user, unit: Unit) -> None:
    """Move a user's scope to another unit (e.g. from an abolished district to
    its successor). What they entered stays with the units it was entered for;
    the change itself is in the audit log with the old and new unit."""
    from portal.audit import acting_as
    from portal.models import Scope

    with transaction.atomic(), acting_as(by):
        scope = Scope.objects.select_for_update().get(user=user)
        scope.unit = unit
        scope.save(update_fields=["unit"])
