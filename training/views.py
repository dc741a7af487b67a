"""Thin views of training: classes, enrolments, results, the province's rule and the imports."""
from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import bounds
from portal.audit import acting_as
from portal.forms import add_service_errors
from portal.models import Level, Unit
from portal.scoping import can_approve, can_write, get_visible_or_404, require_write, sees_everything, user_unit
from portal.uploads import form_data, upload_step
from portal.xlsx import XLSX_CONTENT_TYPE
from training import selectors, services
from training.forms import (
    CandidateSearchForm,
    ClassFilterForm,
    ClassForm,
    EnrolForm,
    ResultForm,
    RuleForm,
    TrainingImportForm,
    WorkerEnrolForm,
)
from training.importers import import_classes, import_enrolments
from training.models import Enrolment, TrainingClass, TrainingRule
from training.workbooks import write_class_template, write_enrolment_template
from workers.models import Worker

PAGE_SIZE = 50


@login_required
def class_list(request):
    form = ClassFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404  # another unit's id: as if it did not exist
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.ClassFilters(**{k: v for k, v in data.items() if v not in (None, "")})
    page = Paginator(selectors.class_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/class_list.html", {"form": form, "page": page, "tab": "classes"})


@login_required
def class_detail(request, pk: int):
    training_class = selectors.class_detail(request.user, pk)
    enrolments = Paginator(selectors.class_enrolments(request.user, training_class), 100).get_page(
        request.GET.get("page"))
    percent = services.over_capacity_percent(training_class.unit)
    return render(request, "training/class_detail.html", {
        "training_class": training_class, "page": enrolments, "tab": "classes",
        "may_manage": services.may_manage_class(request.user, training_class),
        "may_enrol": can_write(request.user), "limit": services.hard_limit(training_class.capacity, percent)})


def _class_form_view(request, training_class: TrainingClass | None):
    initial = ClassForm.initial_for(training_class) if training_class else {"unit": getattr(user_unit(request.user),
                                                                                            "pk", None)}
    form = ClassForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                training_class = services.class_save(user=request.user, data=form.class_input(),
                                                     training_class=training_class)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The class %(code)s was saved.") % {"code": training_class.code})
            return redirect("training:class_detail", pk=training_class.pk)
    return render(request, "training/class_form.html", {"form": form, "training_class": training_class,
                                                        "tab": "classes"})


@login_required
@require_write
def class_create(request):
    return _class_form_view(request, None)


@login_required
@require_write
def class_edit(request, pk: int):
    training_class = get_visible_or_404(TrainingClass.objects.select_related("unit"), request.user, pk=pk)
    if not services.may_manage_class(request.user, training_class):
        raise PermissionDenied  # a provincial class seen from a district: visible, not theirs to change
    return _class_form_view(request, training_class)


@login_required
@require_write
def class_enrol(request, pk: int):
    """Find workers of the user's scope and enrol the ticked ones."""
    training_class = selectors.class_detail(request.user, pk)
    search = CandidateSearchForm(request.GET or None, user=request.user)
    if search.is_bound and not search.is_valid() and "unit" in search.errors:
        raise Http404
    query = search.cleaned_data if search.is_bound and search.is_valid() else {}
    candidates = selectors.enrol_candidates(request.user, training_class, q=query.get("q") or "",
                                            unit=query.get("unit"))
    form = EnrolForm(request.POST or None, candidates=candidates)
    over_capacity = False
    if request.method == "POST" and form.is_valid():
        workers = list(Worker.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["workers"])
                       .select_related("unit"))
        try:
            with acting_as(request.user):
                created = services.enrolments_create(
                    user=request.user, training_class=training_class, workers=workers,
                    enrolled_on=form.cleaned_data["enrolled_on"],
                    confirm_over_capacity=form.cleaned_data["confirm_over_capacity"])
        except services.OverCapacity as exc:
            over_capacity = True
            form.add_error("confirm_over_capacity", exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(count)s workers were enrolled.") % {"count": len(created)})
            return redirect("training:class_detail", pk=training_class.pk)
    return render(request, "training/class_enrol.html", {
        "training_class": training_class, "search": search, "form": form, "candidates": candidates,
        "over_capacity": over_capacity, "shown": selectors.CANDIDATES_SHOWN, "tab": "classes"})


@login_required
@require_write
def worker_enrol(request, pk: int):
    """From the worker's page: enrol the worker in a class still open."""
    worker = get_visible_or_404(Worker.objects.select_related("unit"), request.user, pk=pk)
    form = WorkerEnrolForm(request.POST or None, classes=selectors.open_classes(request.user))
    over_capacity = False
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.enrolment_create(user=request.user, training_class=form.cleaned_data["training_class"],
                                          worker=worker,
                                          confirm_over_capacity=form.cleaned_data["confirm_over_capacity"])
        except services.OverCapacity as exc:
            over_capacity = True
            form.add_error("confirm_over_capacity", exc.messages[0])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s was enrolled.") % {"name": worker.full_name})
            return redirect("workers:worker_detail", pk=worker.pk)
    return render(request, "training/worker_enrol.html", {"worker": worker, "form": form,
                                                          "over_capacity": over_capacity})


@login_required
@require_write
def enrolment_edit(request, pk: int):
    enrolment = get_visible_or_404(
        Enrolment.objects.select_related("worker", "worker__unit", "training_class", "training_class__unit"),
        request.user, pk=pk)
    form = ResultForm(request.POST or None, initial={
        name: getattr(enrolment, name)
        for name in ("result", "attendance", "certificate_no", "certificate_date", "level", "score")})
    if request.method == "POST" and form.is_valid():
        try:
            with acting_as(request.user):
                services.enrolment_update(user=request.user, enrolment=enrolment, data=form.result_input())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The result of %(name)s was saved.") % {"name": enrolment.worker.full_name})
            return redirect("training:class_detail", pk=enrolment.training_class_id)
    return render(request, "training/enrolment_form.html", {"enrolment": enrolment, "form": form,
                                                            "tab": "classes"})


@login_required
def rule_edit(request):
    """The province's capacity rule: read by everyone of the province, changed by its staff."""
    unit = user_unit(request.user)
    province = services.province_of(unit) if unit is not None else None
    if province is None and sees_everything(request.user):  # an administrator picks the province (?province=id)
        provinces = Unit.objects.filter(level=Level.PROVINCE).order_by("-structure", "code")
        chosen = request.GET.get("province", "")
        chosen_id = bounds.param_id(chosen)
        province = provinces.filter(pk=chosen_id).first() if chosen_id is not None else provinces.first()
    if province is None:
        raise Http404
    rule = TrainingRule.objects.filter(unit=province).first()
    percent = rule.over_capacity_percent if rule else services.over_capacity_percent(province)
    form = RuleForm(request.POST or None, initial={"over_capacity_percent": percent})
    if request.method == "POST":
        if not can_approve(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                with acting_as(request.user):
                    services.rule_set(user=request.user, province=province, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The rule was saved."))
                return redirect(f"{reverse('training:rules')}?province={province.pk}")
    return render(request, "training/rules.html", {"form": form, "province": province, "percent": percent,
                                                   "may_edit": can_approve(request.user), "tab": "rules"})


def _import_view(request, *, run, template: str, title: str, template_url: str):
    form = TrainingImportForm(*form_data(request))
    step = upload_step(request, kind=f"training.{run.__name__}", form=form,
                       run=lambda data, options: run(data, user=request.user))
    if step.saved:
        result = step.result
        messages.success(request, _("Imported: %(result)s.") % {"result": result.summary()})
        for warning in result.warnings:
            messages.warning(request, warning)
        return redirect("training:index")
    return render(request, template, {"form": form, "import_errors": step.import_errors, "preview": step.preview,
                                      "upload_message": step.message, "title": title,
                                      "template_url": template_url, "tab": "import"})


@login_required
@require_write
def class_import(request):
    return _import_view(request, run=import_classes, template="training/import.html", title=_("Import classes"),
                        template_url="training:class_import_template")


@login_required
@require_write
def enrolment_import(request):
    return _import_view(request, run=import_enrolments, template="training/import.html",
                        title=_("Import enrolments and results"), template_url="training:enrolment_import_template")


def _xlsx(write, name: str) -> FileResponse:
    out = tempfile.TemporaryFile()
    write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


@login_required
@require_write
def class_import_template(request):
    return _xlsx(write_class_template, "mau-nhap-lop-dao-tao.xlsx")


@login_required
@require_write
def enrolment_import_template(request):
    return _xlsx(write_enrolment_template, "mau-nhap-hoc-vien.xlsx")
