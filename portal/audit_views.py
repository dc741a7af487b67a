"""Administrators read the audit trail: who changed what, when, with the values before and after.

Read as a person reads it, in their language: each field by its label (the logged model's verbose name), each
value as the screens show it (a choice's label, yes/no, a date as dd/mm/yyyy, a time in local time, the name of
the record a key points to), found by introspecting the logged model, so the core knows no app. Filters: record
type, author, dates, and the unit (records of that unit and below, for the models that belong to a unit).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.shortcuts import render
from django.template.defaultfilters import yesno
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from portal import formats, tree
from portal.forms import VNDateField
from portal.models import Unit
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
    unit = forms.CharField(required=False, max_length=20, label=_("Unit"))  # a code: that unit and the units below
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

    def clean_unit(self):
        code = (self.cleaned_data.get("unit") or "").strip()
        if not code:
            return []
        units = list(Unit.objects.filter(code=code))  # a code may name a unit in each structure
        if not units:
            raise forms.ValidationError(_("Unknown unit code %(code)s.") % {"code": code})
        return units

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
    if filters.get("unit"):
        entries = entries.filter(unit_condition(filters["unit"]))
    return entries


def unit_field(model) -> str | None:
    """How a logged model's rows reach their unit: ``SCOPE_FIELD``, else a key named ``unit`` to a unit; None when
    the model belongs to no unit (units themselves are handled apart)."""
    if getattr(model, "SCOPE_FIELD", None):
        return model.SCOPE_FIELD
    try:
        field = model._meta.get_field("unit")
    except FieldDoesNotExist:
        return None
    return "unit" if getattr(field, "related_model", None) is Unit else None


def unit_condition(units: list[Unit]) -> Q:
    """The entries of records (still existing) of ``units`` and the units below them."""
    paths = [unit.path for unit in units]
    condition = Q(pk__in=[])
    for model in auditlog.get_models():
        field = None if model is Unit else unit_field(model)
        if model is not Unit and field is None:
            continue
        ids = model._default_manager.filter(tree.subtree_q(field, paths)).values("pk")
        condition |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    return condition


EMPTY = "—"


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


class ValueReader:
    """Turns the text auditlog stored for a value into what a person reads; the records keys point to are looked
    up once per model for a whole page (:meth:`prefetch`)."""

    def __init__(self):
        self.names: dict[type, dict[str, str]] = {}

    def prefetch(self, entries) -> None:
        wanted: dict[type, set[str]] = defaultdict(set)
        for entry in entries:
            model = entry.content_type.model_class()
            for name, values in (entry.changes_dict or {}).items():
                field = _field(model, name)
                if field is not None and field.concrete and field.is_relation and field.many_to_one \
                        and isinstance(values, (list, tuple)):
                    wanted[field.related_model] |= {str(v) for v in values if v not in (None, "None", "")}
        for related, keys in wanted.items():
            rows = related._default_manager.select_related().filter(pk__in=[k for k in keys if k.isdigit()])
            self.names[related] = {str(obj.pk): str(obj) for obj in rows}

    def read(self, field, value) -> str:
        if value in (None, "None", ""):
            return EMPTY
        if field is None:
            return str(value)
        if field.is_relation and field.many_to_one:
            return self.names.get(field.related_model, {}).get(str(value), f"#{value}")
        if field.choices:
            return str({str(key): label for key, label in field.flatchoices}.get(str(value), value))
        if isinstance(field, models.BooleanField) and str(value) in ("True", "False"):
            return yesno(str(value) == "True").capitalize()  # Django's own words: "Có" / "Không"
        if isinstance(field, models.DateTimeField):
            moment = parse_datetime(str(value).replace(" ", "T", 1)) if isinstance(value, str) else None
            if moment is None:
                return str(value)
            if timezone.is_naive(moment):  # auditlog stores naive times in UTC
                moment = moment.replace(tzinfo=dt.timezone.utc)
            return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M:%S")
        if isinstance(field, models.DateField):
            day = parse_date(str(value)) if isinstance(value, str) else None
            return formats.format_date(day) if day else str(value)
        if isinstance(field, (models.IntegerField, models.DecimalField)) and str(value).lstrip("-").isdigit():
            return formats.format_int(int(value))
        return str(value)


def change_rows(entry: LogEntry, reader: ValueReader | None = None) -> list[tuple[str, object, object]]:
    """(field label, before, after) of one entry, in words; the reverse relations auditlog writes on a creation
    ("workers.Payment.None") carry nothing and are left out."""
    reader = reader or ValueReader()
    model = entry.content_type.model_class()
    rows = []
    for name, values in (entry.changes_dict or {}).items():
        field = _field(model, name)
        if field is not None and field.auto_created and not field.concrete:
            continue  # a reverse relation
        if isinstance(values, dict) and values.get("type") == "m2m":  # {"operation": "add", "objects": [...]}
            objects = ", ".join(str(o) for o in values.get("objects", []))
            before, after = (objects, EMPTY) if values.get("operation") == "delete" else (EMPTY, objects)
        else:
            if isinstance(values, (list, tuple)):
                before, after = (list(values) + [None, None])[:2]
            else:
                before, after = None, values
            before, after = reader.read(field, before), reader.read(field, after)
        if before == after == EMPTY:
            continue  # an empty field of a new record
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        rows.append((label[:1].upper() + label[1:], before, after))
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
    reader = ValueReader()
    reader.prefetch(page)
    rows = [{"entry": entry, "changes": change_rows(entry, reader), "action": ACTION_LABELS.get(entry.action, entry.action),
             "model_name": (entry.content_type.model_class()._meta.verbose_name
                            if entry.content_type.model_class() else entry.content_type.model)}
            for entry in page]
    return render(request, "portal/audit_list.html", {"form": form, "page": page, "rows": rows})
