"""Administrators read the audit trail: who changed what, when, with the values before and after."""
from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from portal.forms import VNDateField
from portal.scoping import require_admin

PAGE_SIZE = 50
ACTION_LABELS = {
    LogEntry.Action.CREATE: _("Created"), LogEntry.Action.UPDATE: _("Changed"),
    LogEntry.Action.DELETE: _("Deleted"), LogEntry.Action.ACCESS: _("Viewed"),
}


def audited_content_types() -> list[ContentType]:
    """The content types of every model registered with auditlog, by verbose name."""
    by_model = ContentType.objects.get_for_models(*auditlog.get_models())
    return sorted(by_model.values(), key=lambda ct: str(ct.model_class()._meta.verbose_name).lower())


class AuditFilterForm(forms.Form):
    model = forms.ModelChoiceField(queryset=ContentType.objects.none(), required=False, label=_("Record type"))
    actor = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False, label=_("Changed by"))
    date_from = VNDateField(required=False, label=_("From"))
    date_to = VNDateField(required=False, label=_("To"))
    q = forms.CharField(required=False, max_length=100, label=_("Record id or name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = audited_content_types()
        self.fields["model"].queryset = ContentType.objects.filter(pk__in=[ct.pk for ct in types])
        self.fields["model"].label_from_instance = lambda ct: str(ct.model_class()._meta.verbose_name).capitalize()
        self.fields["actor"].queryset = get_user_model().objects.filter(
            pk__in=LogEntry.objects.exclude(actor=None).values("actor")).order_by("username")
        self.fields["actor"].label_from_instance = lambda u: u.username
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm" if isinstance(
                field, forms.ModelChoiceField) else "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def audit_entries(filters: dict):
    """The log entries matching the screen's filters, newest first."""
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if filters.get("model"):
        entries = entries.filter(content_type=filters["model"])
    if filters.get("actor"):
        entries = entries.filter(actor=filters["actor"])
    if filters.get("date_from"):
        entries = entries.filter(timestamp__date__gte=filters["date_from"])
    if filters.get("date_to"):
        entries = entries.filter(timestamp__date__lte=filters["date_to"])
    if filters.get("q"):
        text = filters["q"].strip()
        entries = entries.filter(Q(object_pk=text) | Q(object_repr__icontains=text))
    return entries


def change_rows(entry: LogEntry) -> list[tuple[str, object, object]]:
    """(field label, before, after) of one entry, without a query per foreign key."""
    model = entry.content_type.model_class()
    rows = []
    for name, values in (entry.changes_dict or {}).items():
        if isinstance(values, dict) and values.get("type") == "m2m":  # {"operation": "add", "objects": [...]}
            objects = ", ".join(str(o) for o in values.get("objects", []))
            before, after = (objects, "—") if values.get("operation") == "delete" else ("—", objects)
        elif isinstance(values, (list, tuple)):
            before, after = (list(values) + [None, None])[:2]
        else:
            before, after = None, values
        label = name
        if model is not None:
            try:
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
            except FieldDoesNotExist:
                pass
        rows.append((label, "—" if before in (None, "None") else before, "—" if after in (None, "None") else after))
    return rows


@login_required
@require_admin
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        entries = LogEntry.objects.none()
    else:
        entries = audit_entries(filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"entry": entry, "changes": change_rows(entry), "action": ACTION_LABELS.get(entry.action, entry.action),
             "model_name": (entry.content_type.model_class()._meta.verbose_name
                            if entry.content_type.model_class() else entry.content_type.model)}
            for entry in page]
    return render(request, "portal/audit_list.html", {"form": form, "page": page, "rows": rows})
