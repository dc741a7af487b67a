"""Complaint objects of unit B (Bác Ái) for the portal-wide URL walk (tests/test_url_scope.py)."""
from __future__ import annotations

import datetime as dt
import itertools

from django.core.files.base import ContentFile

from complaints import services
from complaints.models import Category, ComplainantKind, PartyKind
from tests.complaints.files import pdf_bytes

_serial = itertools.count(1)


def case_b(env):
    """A case handled by Bác Ái, about a broker no case of another unit names."""
    number = next(_serial)
    return services.case_receive(
        user=env.users.official_b, unit=env.units.b, received_on=dt.date(2025, 5, 2), today=dt.date(2025, 6, 1),
        complainant_kind=ComplainantKind.PERSON, complainant_name="Người Khiếu Nại Bác Ái",
        complainant_phone="0988 000 111", respondent_kind=PartyKind.BROKER,
        respondent_name=f"Môi giới Bác Ái {number}", respondent_phone=f"0966 {number:06d}",
        category=_category(), description="Vụ việc của huyện Bác Ái.")


def _category() -> Category:
    # get_or_create: a transactional test elsewhere may have flushed what the data migration seeded.
    return Category.objects.get_or_create(code="fraud", defaults={"name_vi": "Lừa đảo", "name_en": "Fraud"})[0]


def _attachment_b(env):
    case = case_b(env)
    return services.attachment_add(user=env.users.official_b, case=case,
                                   upload=ContentFile(pdf_bytes(f"B {case.pk}"), name="bien-nhan.pdf"))


FACTORIES = {
    "complaints:case_detail": lambda env: {"pk": case_b(env).pk},
    "complaints:case_step": lambda env: {"pk": case_b(env).pk},
    "complaints:case_extend": lambda env: {"pk": case_b(env).pk},
    "complaints:case_outcome": lambda env: {"pk": case_b(env).pk},
    "complaints:attachment_upload": lambda env: {"pk": case_b(env).pk},
    "complaints:attachment_download": lambda env: {"pk": _attachment_b(env).pk},
    "complaints:attachment_remove": lambda env: {"pk": _attachment_b(env).pk},
    "complaints:party_detail": lambda env: {"pk": case_b(env).party_id},
}
