"""The review document a province signs and sends upward ("Báo cáo sơ kết 6 tháng", "tổng kết năm"…).

``context`` computes every named field from the data (the progress report, outreach, support, unreported
months); ``document`` lays it out in the state's format (Decree 30/2020/NĐ-CP) with a docxtpl template, the
portal's own or the one the province uploaded; here the template that applies, the document and the report job.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import tree
from portal.jobs import JobOutput, job_progress
from portal.models import Unit
from portal.scoping import unit_in_scope
from reports.models import ReviewTemplate
from reports.progress import Period
from reports.review.context import review_context
from reports.review.document import ReviewTemplateError, default_template, render_review

__all__ = ["ReviewTemplateError", "review_document", "review_template_save", "run_review_job", "template_for"]


class PeriodNotStarted(ValueError):
    pass


def template_for(unit: Unit) -> ReviewTemplate | None:
    """The uploaded template of the nearest unit at or above ``unit``, if any."""
    return (ReviewTemplate.objects.filter(unit__path__in=tree.ancestor_paths(unit.path, include_self=True))
            .select_related("unit").order_by("-unit__path").first())


def review_document(*, unit: Unit, period: Period, user=None, today: dt.date | None = None,
                    template: bytes | None = None) -> bytes:
    """The .docx for ``unit`` and ``period`` (the caller checked the scope). Refuses a period not yet begun."""
    today = today or timezone.localdate()
    if period.start > today:
        raise PeriodNotStarted(_("The period has not begun yet: a review reports on what has happened."))
    if template is None:
        custom = template_for(unit)
        if custom is not None:
            with custom.file.open("rb") as handle:
                template = handle.read()
    data = review_context(unit=unit, period=period, user=user, today=today)
    return render_review(data.context, template)


def review_template_save(*, user, unit: Unit, content: bytes, name: str) -> ReviewTemplate:
    """Store a unit's own template after checking that it renders with this unit's figures of the current year
    (a template that does not render is refused with the field it names; the previous one stays)."""
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile

    if not unit_in_scope(user, unit):
        raise ValidationError(_("This unit is outside your scope."))
    today = timezone.localdate()
    try:
        review_document(unit=unit, period=Period.for_year(today.year), user=user, today=today, template=content)
    except ReviewTemplateError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    except Exception as exc:  # not a Word document docxtpl can open (a renamed file, a damaged one)
        raise ValidationError({"file": _("This is not a Word document (.docx) that can be used as a template.")}) \
            from exc
    with transaction.atomic():
        template, _created = ReviewTemplate.objects.get_or_create(unit=unit, defaults={"uploaded_by": user})
        old = template.file.name if template.file else ""
        template.file.save(f"{unit.structure}-{unit.code}.docx", ContentFile(content), save=False)
        template.uploaded_by = user
        template.save()
    if old and old != template.file.name:
        template.file.storage.delete(old)
    return template


def run_review_job(job):
    """Plain function run by ``portal.jobs``: the document as the job's file."""
    if job.user is not None and not unit_in_scope(job.user, job.report_unit):
        raise PermissionError(_("This unit is outside your scope."))
    period = Period.from_params(job.params["period"])
    job_progress(job, 10)
    content = review_document(unit=job.report_unit, period=period, user=job.user)
    job_progress(job, 80)
    return JobOutput(
        result={"period": job.params["period"], "label": period.label, "size": len(content)},
        filename=f"bao-cao-{job.report_unit.code}-{period.slug}.docx",
        write=lambda fileobj: fileobj.write(content),
    )


def default_template_bytes() -> bytes:
    return default_template()
