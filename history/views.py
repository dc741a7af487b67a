"""Thin views of the history screens: imports (upload → mapping → preview → commit → rollback), saved mappings,
history figures and the links between a historic record and a later registration."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from history import selectors, services
from history.fields import field_label
from history.forms import AnswersForm, FigureFilterForm, FigureForm, LinkForm, LinkSearchForm, MappingForm, UploadForm
from history.models import BatchStatus, HistoricLink, HistoryFigure, ImportBatch
from portal.audit import acting_as
from portal.forms import add_service_errors
from portal.jobs import job_create
from portal.models import ReportJob
from portal.scoping import can_approve, get_visible_or_404, require_write
from portal.xlsx import ImportRejected
from workers.models import Worker
from workers.validators import normalise_name

PAGE_SIZE = 30


def _job(request, batch: ImportBatch, kind: str, label: str):
    job = job_create(user=request.user, unit=batch.unit, kind=kind,
                     params={"batch": batch.pk, "label": f"{label}: {batch.file_name}"})
    return redirect("jobs:detail", pk=job.pk)


@login_required
@require_write
def index(request):
    page = Paginator(selectors.batch_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "history/index.html", {"page": page, "tab": "imports"})


@login_required
@require_write
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    import_errors = []
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            batch = services.batch_create(
                user=request.user, unit=form.cleaned_data["unit"], data=upload_file.read(),
                file_name=upload_file.name, structure=form.cleaned_data["structure"],
                accept_duplicates=form.cleaned_data["accept_duplicates"], sheet=form.cleaned_data["sheet"])
        except ImportRejected as exc:
            import_errors = exc.errors
        else:
            if batch.column_mapping_id:
                messages.info(request, _("The saved mapping “%(name)s” fits this sheet: it was applied. Check it.")
                              % {"name": batch.column_mapping.name})
            return redirect("history:mapping", pk=batch.pk)
    return render(request, "history/upload.html", {"form": form, "import_errors": import_errors, "tab": "imports"})


@login_required
@require_write
def mapping(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    header = batch.header
    form = MappingForm(request.POST or None, labels=header.get("labels", []), samples=header.get("samples", []),
                       kind=batch.kind, mapping=batch.mapping, reasons=header.get("reasons", []))
    if request.method == "POST" and "change_kind" in request.POST:
        try:
            services.batch_propose(user=request.user, batch=batch, kind=request.POST.get("kind", ""))
        except (ValidationError, ImportRejected) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", None) or [str(e) for e in exc.errors]))
        return redirect("history:mapping", pk=batch.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_map(user=request.user, batch=batch, kind=form.cleaned_data["kind"], mapping=form.mapping(),
                               save_as=form.cleaned_data["save_as"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _job(request, batch, "history_preview", _("Preview"))
    return render(request, "history/mapping.html", {"batch": batch, "form": form, "tab": "imports",
                                                    "editable": batch.status in (BatchStatus.UPLOADED,
                                                                                 BatchStatus.PREVIEWED)})


@login_required
@require_write
def batch_detail(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    preview = batch.preview or {}
    answers = AnswersForm(request.POST or None, addresses=preview.get("addresses", []),
                          dates=preview.get("dates", []))
    if request.method == "POST" and answers.is_valid():
        try:
            services.batch_answer(user=request.user, batch=batch, addresses=answers.addresses(),
                                  date_columns=answers.date_columns())
        except ValidationError as exc:
            add_service_errors(answers, exc)
        else:
            return _job(request, batch, "history_preview", _("Preview"))
    mapping = [(batch.header.get("labels", [""] * len(batch.mapping))[i] if i < len(batch.header.get("labels", []))
                else "", field_label(key)) for i, key in enumerate(batch.mapping) if key]
    errors_page = Paginator(preview.get("errors", []), 100).get_page(request.GET.get("errors"))
    return render(request, "history/batch_detail.html", {
        "batch": batch, "preview": preview, "answers": answers, "mapping": mapping, "errors_page": errors_page,
        "rollback_problem": services.rollback_problem(user=request.user, batch=batch), "tab": "imports",
        "may_rollback": can_approve(request.user)})


@login_required
@require_write
def confirm(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        claimed = services.batch_confirm(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("history:batch_detail", pk=batch.pk)
    if not claimed:
        messages.info(request, _("This import is already being saved or was saved: nothing was done twice."))
        return redirect("history:batch_detail", pk=batch.pk)
    return _job(request, batch, "history_commit", _("Save"))


@login_required
@require_write
def cancel(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.batch_cancel(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The import was cancelled: nothing of it was saved."))
    return redirect("history:index")


@login_required
@require_write
def rollback(request, pk: int):
    batch = selectors.batch_detail(request.user, pk)
    problem = services.rollback_problem(user=request.user, batch=batch)
    if request.method == "POST":
        try:
            claimed = services.batch_request_rollback(user=request.user, batch=batch)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("history:batch_detail", pk=batch.pk)
        if not claimed:
            messages.info(request, _("This import is already being rolled back."))
            return redirect("history:batch_detail", pk=batch.pk)
        return _job(request, batch, "history_rollback", _("Roll back"))
    return render(request, "history/rollback.html", {"batch": batch, "problem": problem, "tab": "imports"})


@login_required
def job_result(request, pk: int):
    job = get_visible_or_404(ReportJob, request.user, pk=pk)
    if "batch" not in (job.params or {}):
        raise Http404
    batch = selectors.batch_detail(request.user, job.params["batch"])
    return redirect("history:batch_detail", pk=batch.pk)


# --- Saved mappings ------------------------------------------------------------------------------------------------


@login_required
@require_write
def mapping_list(request):
    return render(request, "history/mapping_list.html", {"mappings": selectors.mapping_list(request.user),
                                                         "tab": "mappings"})


@login_required
@require_write
def mapping_delete(request, pk: int):
    saved = get_visible_or_404(selectors.mapping_list(request.user), request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.mapping_delete(user=request.user, mapping=saved)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The mapping “%(name)s” was deleted.") % {"name": saved.name})
    return redirect("history:mapping_list")


# --- History figures -----------------------------------------------------------------------------------------------


@login_required
@require_write
def figure_list(request):
    form = FigureFilterForm(request.GET or None, user=request.user)
    filters = selectors.FigureFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.FigureFilters(unit=form.cleaned_data["unit"], year=form.cleaned_data["year"])
    elif form.is_bound and "unit" in form.errors:
        raise Http404
    page = Paginator(selectors.figure_list(request.user, filters), 50).get_page(request.GET.get("page"))
    return render(request, "history/figure_list.html", {"form": form, "page": page, "tab": "figures"})


@login_required
@require_write
def figure_edit(request, pk: int | None = None):
    figure = get_visible_or_404(HistoryFigure, request.user, pk=pk) if pk else None
    initial = {}
    if figure is not None:
        initial = {name: getattr(figure, name) for name in (
            "unit", "year", "month", "departed", "japan", "korea", "taiwan", "female", "poor", "ethnic_minority",
            "note")}
    form = FigureForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.figure_save(user=request.user, figure=figure, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The history figure was saved."))
            return redirect("history:figure_list")
    return render(request, "history/figure_form.html", {"form": form, "figure": figure, "tab": "figures"})


@login_required
@require_write
def figure_delete(request, pk: int):
    figure = get_visible_or_404(HistoryFigure, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.figure_delete(user=request.user, figure=figure)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The history figure was deleted."))
    return redirect("history:figure_list")


# --- Links between a historic record and a later registration ------------------------------------------------------


@login_required
@require_write
def link(request, pk: int):
    worker = get_visible_or_404(Worker.objects.select_related("unit"), request.user, pk=pk)
    search = LinkSearchForm(request.GET or None)
    found: list[Worker] = []
    if search.is_valid() and search.cleaned_data["q"].strip():
        text = search.cleaned_data["q"].strip()
        digits = text.replace(" ", "").replace(".", "")
        others = Worker.objects.visible_to(request.user).exclude(pk=worker.pk).select_related("unit")
        if worker.has_only_legacy_id:
            others = others.filter(citizen_id__isnull=False)
        else:
            others = others.filter(citizen_id__isnull=True)
        condition = Q(legacy_id_number__contains=digits) | Q(citizen_id__contains=digits) if digits.isdigit() else Q(
            name_key__contains=normalise_name(text))
        found = list(others.filter(condition)[:20])
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        other = get_visible_or_404(Worker, request.user, pk=form.cleaned_data["other"])
        historic, current = (worker, other) if worker.has_only_legacy_id else (other, worker)
        try:
            services.historic_link(user=request.user, worker=current, historic=historic,
                                   note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(historic)s (CMND) and %(worker)s are linked as one person.") % {
                "historic": historic.full_name, "worker": current.full_name})
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "history/link.html", {
        "worker": worker, "search": search, "found": found,
        "candidates": selectors.link_candidates(request.user, worker)})


@login_required
@require_write
def unlink(request, pk: int):
    record = get_visible_or_404(HistoricLink.objects.select_related("worker__unit", "historic"), request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        with acting_as(request.user):
            services.historic_unlink(user=request.user, link=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The link was removed."))
    return redirect("workers:worker_detail", pk=record.worker_id)
