from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from notifications import selectors, services
from notifications.forms import PreferenceForm
from notifications.models import Notification
from notifications.reminders import default_days_before
from portal.scoping import get_visible_or_404

PAGE_SIZE = 30


def _safe(request, url: str, fallback: str = "notifications:list") -> str:
    # Only a path of this site: anything else ("12345", a view's name) would be read by redirect() as a view name.
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return redirect(fallback).url


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.notifications_of(request.user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {
        "page": page, "unread_only": unread_only, "unread": selectors.unread_count(request.user)})


@login_required
def counts(request):
    """The navigation bar's numbers (JSON), fetched by every page once shown."""
    response = JsonResponse(selectors.counts(request.user))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def notification_open(request, pk: int):
    """Mark one's notification read and go to the page it is about (another's answers 404)."""
    notification = get_visible_or_404(Notification, request.user, pk=pk)
    services.notification_read(user=request.user, notification=notification)
    return redirect(_safe(request, notification.url))


@login_required
def notification_read(request, pk: int):
    notification = get_visible_or_404(Notification, request.user, pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.notification_read(user=request.user, notification=notification)
    return redirect(_safe(request, request.POST.get("next", "")))


@login_required
def notifications_read_all(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    count = services.notifications_read_all(user=request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect(_safe(request, request.POST.get("next", "")))


@login_required
def preferences(request):
    current = services.preference_for(request.user)
    form = PreferenceForm(request.POST or None, default_days=default_days_before(), initial={
        "email_enabled": current.email_enabled, "days_before": current.days_before})
    if request.method == "POST" and form.is_valid():
        services.preference_update(user=request.user, email_enabled=form.cleaned_data["email_enabled"],
                                   days_before=form.cleaned_data["days_before"])
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form, "email": request.user.email})
