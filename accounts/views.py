"""Thin views of the accounts screens: the national administrator manages every account, a provincial
administrator those of their province (others get 404, as for any page not theirs)."""
from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import importers, selectors, services
from accounts.forms import (
    AccountFilterForm,
    AccountForm,
    AccountImportForm,
    InactivityForm,
    PasswordResetForm,
    TemplateForm,
)
from accounts.importers import AlreadyImported
from accounts.middleware import SESSION_FLAG
from accounts.models import AccountImport, ImportStatus, InactivityRule
from accounts.roles import AccountRole, role_of
from accounts.workbooks import write_account_template
from portal import bounds
from portal.forms import add_service_errors
from portal.models import Level, Unit
from portal.scoping import require_account_manager, user_unit
from portal.xlsx import XLSX_CONTENT_TYPE, ImportRejected

PAGE_SIZE = 50
CODES_KEY = "accounts_printable_codes"


def _account_or_404(request, pk: int):
    accounts = services.manageable_accounts(request.user).select_related("scope", "scope__unit", "account_profile")
    return get_object_or_404(accounts, pk=pk)


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in getattr(exc, "message_dict", {NON_FIELD_ERRORS: exc.messages}).items():
        if field == "unit":
            field = form.unit_error_field
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _deliver(request, deliveries) -> bool:
    """Tell what each account received; keep the printed codes in the session for the print page (True if any)."""
    codes = request.session.get(CODES_KEY, [])
    for delivery in deliveries:
        user = delivery.user
        if delivery.code:
            scope = getattr(user, "scope", None)
            codes.append({"username": user.username, "full_name": user.get_full_name(),
                          "unit": scope.unit.name if scope and scope.unit else "", "code": delivery.code,
                          "expires": timezone.localtime(delivery.expires_at).strftime("%d/%m/%Y %H:%M")})
        if delivery.email_error:
            messages.warning(request, _("The e-mail to %(email)s could not be sent (%(error)s): print the one-time "
                                        "code instead.") % {"email": user.email, "error": delivery.email_error})
    request.session[CODES_KEY] = codes
    emailed = sum(1 for d in deliveries if d.emailed)
    coded = sum(1 for d in deliveries if d.code)
    if emailed:
        messages.info(request, _("A one-time link to set the password was e-mailed to %(n)s account(s).") % {"n": emailed})
    if coded:
        messages.info(request, _("%(n)s account(s) without e-mail received a one-time code: print the list and hand "
                                 "each person their code.") % {"n": coded})
    return bool(coded)


def _account_data(form, *, username: str) -> services.AccountData:
    data = form.cleaned_data
    return services.AccountData(username=username, full_name=data["full_name"], email=data["email"],
                                phone=data["phone"], role=data["role"], unit=data.get("unit"))


def _form_or_404(form):
    """A unit id outside the editor's scope answers 404, as for any object not theirs."""
    if form.is_bound and not form.is_valid() and any(e.code == "invalid_choice" for e in form.errors.as_data().get("unit", [])):
        raise Http404
    return form


# --- The list ---------------------------------------------------------------------------------------------------


@login_required
@require_account_manager
def user_list(request):
    form = _form_or_404(AccountFilterForm(request.GET or None, units=selectors.manageable_units(request.user)))
    filters = selectors.AccountFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.AccountFilters(**{k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    accounts = selectors.account_list(request.user, filters)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    flagged = selectors.account_list(request.user, selectors.AccountFilters(login="inactive")).count()
    return render(request, "accounts/user_list.html", {
        "form": form, "page": page, "flagged": flagged, "me": request.user.pk,
        "days": selectors.inactivity_days(user_unit(request.user)), "codes": bool(request.session.get(CODES_KEY))})


@login_required
@require_account_manager
@require_POST
def users_deactivate(request):
    ids = {bounds.param_id(i) for i in request.POST.getlist("ids")} - {None}
    accounts = services.manageable_accounts(request.user).filter(pk__in=ids)
    if accounts.count() != len(ids):
        raise Http404  # an account outside the editor's scope: as if it did not exist
    users = list(accounts.filter(is_active=True).select_related("scope", "scope__unit").order_by("username"))
    if not users:
        messages.error(request, _("Tick the accounts to deactivate."))
        return redirect("accounts:user_list")
    if request.POST.get("confirm") != "yes":
        return render(request, "accounts/users_deactivate.html", {"users": users})
    try:
        count = services.accounts_deactivate(by=request.user, users=users)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return render(request, "accounts/users_deactivate.html", {"users": users})
    messages.success(request, _("%(n)s account(s) deactivated. They are kept, with their history, and can be "
                                "activated again.") % {"n": count})
    return redirect("accounts:user_list")


# --- One account ------------------------------------------------------------------------------------------------


@login_required
@require_account_manager
def user_create(request):
    units = selectors.manageable_units(request.user)
    initial = {"role": AccountRole.OFFICIAL}
    if request.GET.get("unit"):
        chosen = bounds.param_id(request.GET["unit"])
        unit = get_object_or_404(units, pk=chosen) if chosen is not None else None
        if unit is None:
            raise Http404
        initial.update(unit=unit, unit_code=unit.code)
    form = _form_or_404(AccountForm(request.POST or None, editor=request.user, units=units, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_create(by=request.user, data=_account_data(form, username=form.cleaned_data["username"]))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The account %(username)s was created.") % {"username": user.username})
            if _deliver(request, services.access_deliver(by=request.user, users=[user], base_url=_base_url(request))):
                return redirect("accounts:codes")
            return redirect("accounts:user_edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@require_account_manager
def user_edit(request, pk: int):
    account = _account_or_404(request, pk)
    scope = getattr(account, "scope", None)
    profile = getattr(account, "account_profile", None)
    unit = scope.unit if scope else None
    initial = {"full_name": account.get_full_name(), "email": account.email, "phone": getattr(profile, "phone", ""),
               "role": role_of(account) or AccountRole.VIEWER, "unit": unit, "unit_code": unit.code if unit else ""}
    units = selectors.manageable_units(request.user)
    if unit is not None:  # an inherited legacy unit stays a valid choice until the account is moved
        units = Unit.objects.filter(Q(pk__in=units.values("pk")) | Q(pk=unit.pk))
    form = _form_or_404(AccountForm(request.POST or None, editor=request.user, units=units,
                                    account=account, initial=initial))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(by=request.user, user=account, data=_account_data(form, username=account.username))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The account %(username)s was saved.") % {"username": account.username})
            return redirect("accounts:user_list")
    flagged = selectors.account_list(request.user).filter(pk=account.pk, flagged=True).exists()
    return render(request, "accounts/user_form.html", {
        "form": form, "account": account, "profile": profile, "flagged": flagged,
        "days": selectors.inactivity_days(unit), "is_me": account.pk == request.user.pk})


@login_required
@require_account_manager
def user_deactivate(request, pk: int):
    account = _account_or_404(request, pk)
    if request.method == "POST":
        try:
            services.account_deactivate(by=request.user, user=account)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("accounts:user_edit", pk=account.pk)
        messages.success(request, _("The account %(username)s was deactivated: it can no longer log in, and keeps its "
                                    "history.") % {"username": account.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/users_deactivate.html", {"users": [account], "single": True})


@login_required
@require_account_manager
def user_activate(request, pk: int):
    account = _account_or_404(request, pk)
    if request.method == "POST":
        services.account_activate(by=request.user, user=account)
        messages.success(request, _("The account %(username)s was activated again.") % {"username": account.username})
    return redirect("accounts:user_edit", pk=account.pk)


@login_required
@require_account_manager
def user_reset(request, pk: int):
    account = _account_or_404(request, pk)
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery = services.password_reset(by=request.user, user=account, base_url=_base_url(request),
                                               block_current=form.cleaned_data["block_current"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("accounts:user_edit", pk=account.pk)
        if _deliver(request, [delivery]):
            return redirect("accounts:codes")
        return redirect("accounts:user_edit", pk=account.pk)
    return render(request, "accounts/user_reset.html", {"form": form, "account": account})


# --- Printed codes, inactivity period ------------------------------------------------------------------------


@login_required
@require_account_manager
def codes(request):
    """The one-time codes given in this session, to print once; they are kept nowhere else in clear."""
    if request.method == "POST":
        request.session.pop(CODES_KEY, None)
        messages.success(request, _("The list of codes was cleared from this session."))
        return redirect("accounts:user_list")
    return render(request, "accounts/codes.html", {"codes": request.session.get(CODES_KEY, [])})


@login_required
@require_account_manager
def inactivity(request):
    provinces = selectors.manageable_units(request.user).filter(level=Level.PROVINCE).order_by("path")
    own = user_unit(request.user)
    form = _form_or_404(InactivityForm(request.POST or None, provinces=provinces, initial={
        "province": own, "days": getattr(InactivityRule.objects.filter(province=own).first(), "days", None)}))
    if request.method == "POST" and form.is_valid():
        try:
            services.inactivity_rule_set(by=request.user, province=form.cleaned_data["province"],
                                         days=form.cleaned_data["days"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The inactivity period was saved."))
            return redirect("accounts:user_list")
    rules = InactivityRule.objects.filter(province__in=provinces).select_related("province").order_by("province__path")
    return render(request, "accounts/inactivity.html", {"form": form, "rules": rules, "default": selectors.inactivity_days(None)})


# --- Accounts in bulk ---------------------------------------------------------------------------------------------


def _template_roots(user):
    return selectors.manageable_units(user).filter(level=Level.PROVINCE).order_by("path")


@login_required
@require_account_manager
def import_upload(request):
    form = AccountImportForm(request.POST or None, request.FILES or None)
    roots = _template_roots(request.user)
    own = user_unit(request.user)
    template_form = TemplateForm(roots=roots, initial={"root": own or roots.order_by("-structure", "path").first()})
    import_errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = importers.import_preview(upload.read(), by=request.user, file_name=upload.name)
        except ImportRejected as exc:
            import_errors = exc.errors
        else:
            return redirect("accounts:import_preview", pk=batch.pk)
    return render(request, "accounts/import.html",
                  {"form": form, "template_form": template_form, "import_errors": import_errors})


@login_required
@require_account_manager
def import_template(request):
    roots = _template_roots(request.user)
    form = TemplateForm(request.GET or None, roots=roots)
    if form.is_bound and not form.is_valid():
        if "root" in form.errors:
            raise Http404
        return redirect("accounts:import_upload")
    if form.is_bound:
        root, level = form.cleaned_data["root"], form.cleaned_data["level"]
    else:
        root = user_unit(request.user) or roots.order_by("-structure", "path").first()
        level = Level.COMMUNE
    units = selectors.units_without_official(request.user, root=root, level=level) if root else []
    out = tempfile.TemporaryFile()
    write_account_template(units, out)
    out.seek(0)
    name = f"mau-tai-khoan-{root.code if root else 'trong'}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _batch_or_404(request, pk: int) -> AccountImport:
    """A preview is its uploader's own working copy."""
    return get_object_or_404(AccountImport, pk=pk, created_by=request.user)


@login_required
@require_account_manager
def import_preview_view(request, pk: int):
    batch = _batch_or_404(request, pk)
    return render(request, "accounts/import_preview.html", {"batch": batch, "done": batch.status == ImportStatus.DONE})


@login_required
@require_account_manager
def import_commit_view(request, pk: int):
    batch = _batch_or_404(request, pk)
    if request.method != "POST":
        return redirect("accounts:import_preview", pk=batch.pk)
    try:
        outcome = importers.import_commit(by=request.user, batch=batch, base_url=_base_url(request))
    except AlreadyImported:
        messages.info(request, _("These accounts were already created: nothing was created twice."))
        return redirect("accounts:import_preview", pk=batch.pk)
    except ImportRejected as exc:
        return render(request, "accounts/import_preview.html", {"batch": batch, "import_errors": exc.errors})
    messages.success(request, _("%(n)s account(s) created.") % {"n": len(outcome.created)})
    if _deliver(request, outcome.deliveries):
        return redirect("accounts:codes")
    return redirect("accounts:import_preview", pk=batch.pk)


# --- The person's own password ------------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; an account that must choose a new password (new, or logged in with a one-time
    code, so it knows no current password) chooses it without typing the old one."""

    def get_form_class(self):
        return SetPasswordForm if self.request.session.get(SESSION_FLAG) else PasswordChangeForm

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "password_change_required": self.request.session.get(SESSION_FLAG)}

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_set_by_owner(form.user)
        self.request.session.pop(SESSION_FLAG, None)
        return response


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The one-time link: works once (the token depends on the password and the last login) and expires after
    ``PASSWORD_RESET_TIMEOUT``; a deactivated account's link does not work."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:set_password_done")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_set_by_owner(form.user)
        return response


class SetPasswordDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/set_password_done.html"

