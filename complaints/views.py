"""Thin views of complaints: parse the form, call a selector or a service, render or redirect."""
from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from complaints import selectors, services, workflow
from complaints.attachments import KINDS
from complaints.exports import case_filters, case_summary, summary_choice
from complaints.forms import (
    AccessLogFilterForm,
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    CaseImportForm,
    ExtendForm,
    OutcomeForm,
    PartyFilterForm,
    StepForm,
)
from complaints.importers import import_cases
from complaints.models import FINAL_STATUSES, OPEN_STATUSES, Attachment, Case
from complaints.storage import private_storage
from complaints.workbooks import write_import_template
from portal.audit import acting_as
from portal.exports import export_start
from portal.forms import add_service_errors
from portal.scoping import get_visible_or_404, require_admin, require_write
from portal.uploads import form_data, upload_step
from portal.xlsx import XLSX_CONTENT_TYPE
from workers.selectors import sees_personal_data
from workers.services import today

PAGE_SIZE = 50


def _xlsx(write, name: str, *args) -> FileResponse:
    out = tempfile.TemporaryFile()
    write(*args, out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _filters(request) -> tuple[CaseFilterForm, selectors.CaseFilters]:
    return case_filters(request.user, request.GET)  # another unit's id: 404


def _visible_case(request, pk: int) -> Case:
    return get_visible_or_404(Case.objects.select_related("unit"), request.user, pk=pk)


# --- The list, intake, export and import ----------------------------------------------------------------------------


@login_required
def case_list(request):
    form, filters = _filters(request)
    day = today()
    cases = selectors.case_list(request.user, filters, today=day)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.overdue_days = -workflow.days_left(case.due_on, day) if workflow.is_overdue(case.status, case.due_on, day) else 0
        case.full = selectors.sees_complainant(request.user, case)
    return render(request, "complaints/case_list.html", {
        "form": form, "page": page, "sort": filters.sort, "counts": selectors.case_counts(cases, today=day),
        "tab": "cases"})


@login_required
@require_write
def case_create(request):
    form = CaseForm(request.POST or None, user=request.user, initial={"received_on": today()})
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                case = services.case_receive(user=request.user, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The case %(number)s was recorded.") % {"number": case.number})
            return redirect("complaints:case_detail", pk=case.pk)
    return render(request, "complaints/case_form.html", {"form": form, "tab": "new"})


@login_required
def case_export(request):
    """A report job writes the workbook (``complaints.exports.cases_export``): the request answers at once with the
    job's page."""
    _filters(request)  # another unit's id: 404 now, not a failed job
    return export_start(request, "complaints")


@login_required
@require_write
def case_import(request):
    form = CaseImportForm(*form_data(request))
    step = upload_step(request, kind="complaints.cases", form=form,
                       run=lambda data, options: import_cases(data, user=request.user))
    if step.saved:
        messages.success(request, _("Imported: %(created)s new cases, %(advanced)s moved on, %(unchanged)s "
                                    "unchanged.") % vars(step.result))
        return redirect("complaints:case_list")
    return render(request, "complaints/case_import.html", {
        "form": form, "import_errors": step.import_errors, "preview": step.preview, "upload_message": step.message,
        "tab": "import"})


@login_required
@require_write
def case_import_template(request):
    return _xlsx(write_import_template, "mau-nhap-vu-viec-khieu-nai.xlsx")


# --- One case ----------------------------------------------------------------------------------------------------


@login_required
def case_detail(request, pk: int):
    case = selectors.case_detail(request.user, pk)
    full = selectors.sees_complainant(request.user, case)
    services.case_access_record(user=request.user, case=case, full=full)
    day = today()
    days_left = workflow.days_left(case.due_on, day)
    steps = list(case.steps.all())
    rule = workflow.deadline_rules().get(case.status)
    current = next((step for step in steps if step.status == case.status), None)
    return render(request, "complaints/case_detail.html", {
        "case": case, "full": full, "steps": steps, "attachments": list(case.attachments.all()),
        "may_extend": bool(rule and rule.extension_days and current and not current.extension_days),
        "overdue": workflow.is_overdue(case.status, case.due_on, day), "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else 0,
        "is_open": case.status in OPEN_STATUSES, "is_final": case.status in FINAL_STATUSES,
        "attachment_form": AttachmentForm(), "tab": "cases"})


def _case_form_view(request, pk: int, *, form_class, template: str, save, success: str, form_kwargs):
    case = _visible_case(request, pk)
    form = form_class(request.POST or None, **form_kwargs(case))
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                save(case, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("complaints:case_detail", pk=case.pk)
    return render(request, template, {"form": form, "case": case, "tab": "cases"})


@login_required
@require_write
def case_step(request, pk: int):
    return _case_form_view(
        request, pk, form_class=StepForm, template="complaints/case_step.html", success=_("The step was recorded."),
        form_kwargs=lambda case: {"current": case.status, "initial": {"on": today()}},
        save=lambda case, data: services.case_advance(user=request.user, case=case, **data))


@login_required
@require_write
def case_extend(request, pk: int):
    return _case_form_view(
        request, pk, form_class=ExtendForm, template="complaints/case_extend.html",
        success=_("The deadline was extended."), form_kwargs=lambda case: {"initial": {"on": today()}},
        save=lambda case, data: services.case_extend(user=request.user, case=case, **data))


@login_required
@require_write
def case_outcome(request, pk: int):
    return _case_form_view(
        request, pk, form_class=OutcomeForm, template="complaints/case_outcome.html",
        success=_("The outcome was saved."),
        form_kwargs=lambda case: {"initial": {"amount_recovered": case.amount_recovered, "sanction": case.sanction,
                                              "referral_result": case.referral_result}},
        save=lambda case, data: services.case_record_outcome(user=request.user, case=case, **data))


# --- Attachments -------------------------------------------------------------------------------------------------


@login_required
@require_write
def attachment_upload(request, pk: int):
    case = _visible_case(request, pk)
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.attachment_add(user=request.user, case=case, upload=form.cleaned_data["file"],
                                        description=form.cleaned_data["description"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The document was attached."))
            return redirect("complaints:case_detail", pk=case.pk)
    return render(request, "complaints/attachment_form.html", {"form": form, "case": case, "tab": "cases"})


def _attachment(request, pk: int) -> Attachment:
    """An attachment of a case the user may open and whose complainant they see (a document names them); 404
    otherwise."""
    attachment = get_visible_or_404(Attachment.objects.select_related("case", "case__unit"), request.user, pk=pk)
    if not selectors.sees_complainant(request.user, attachment.case):
        raise Http404
    return attachment


@login_required
def attachment_download(request, pk: int):
    attachment = _attachment(request, pk)
    try:
        handle = private_storage.open(attachment.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    services.case_access_record(user=request.user, case=attachment.case, full=True)
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=KINDS[attachment.kind][0])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_write
def attachment_remove(request, pk: int):
    attachment = _attachment(request, pk)  # out of scope: 404 before anything else
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with acting_as(request.user):
        services.attachment_remove(user=request.user, attachment=attachment)
    messages.success(request, _("The document %(name)s was removed.") % {"name": attachment.original_name})
    return redirect("complaints:case_detail", pk=attachment.case_id)


# --- Parties -------------------------------------------------------------------------------------------------------


@login_required
def party_list(request):
    form = PartyFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.party_warnings(request.user, show=data.get("show") or "open", q=data.get("q") or "")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/party_list.html", {
        "form": form, "page": page, "warnings": selectors.party_warning_rows(request.user, page.object_list),
        "tab": "parties", "full": sees_personal_data(request.user)})


@login_required
def party_detail(request, pk: int):
    detail = selectors.party_detail(request.user, pk)
    for case in detail.cases:
        case.full = selectors.sees_complainant(request.user, case)
    return render(request, "complaints/party_detail.html", {"detail": detail, "party": detail.party,
                                                            "today": today(), "tab": "parties"})


# --- Summary -------------------------------------------------------------------------------------------------------


def _summary(request):
    return case_summary(request.user, request.GET)


@login_required
def summary(request):
    form, result = _summary(request)
    return render(request, "complaints/summary.html", {"form": form, "summary": result, "tab": "summary"})


@login_required
def summary_export(request):
    """A report job writes the workbook (``complaints.exports.summary_export``)."""
    _form, unit, _date_from, _date_to = summary_choice(request.user, request.GET)  # another unit: 404 now
    if unit is None:
        raise Http404
    return export_start(request, "complaints_summary")


# --- Who opened which case -------------------------------------------------------------------------------------------


@login_required
@require_admin
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    logs = selectors.access_log_list(request.user, case_q=data.get("case") or "", username=data.get("username") or "",
                                     date_from=data.get("date_from"), date_to=data.get("date_to"))
    page = Paginator(logs, 100).get_page(request.GET.get("page"))
    return render(request, "complaints/access_log.html", {"form": form, "page": page, "tab": "access"})
