"""Audit trail: who changed what, when, with the values before and after.

Models are registered with django-auditlog (in each app's ``AppConfig.ready``);
the middleware records the request's user. Services called outside a request
(management commands, Celery tasks, imports) wrap their writes in
``acting_as(user)`` so the entries still name a person. Bulk writes send no
signals: :func:`audit_bulk_created` writes the entries auditlog would have.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any, Iterator

from auditlog.context import set_actor
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import DateTimeField, JSONField
from django.utils import timezone
from django.utils.encoding import smart_str

from portal.bulk import insert_rows


@contextmanager
def acting_as(user) -> Iterator[None]:
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    with set_actor(user):
        yield


def _audit_fields(sample) -> list[tuple[str, str, str]] | None:
    """(name, attribute, kind) of the fields auditlog's diff of a created object like ``sample`` compares, in its
    own terms; None when its settings ask for something only its own diff does (JSON, masks, keys as text)."""
    from auditlog.diff import track_field
    from auditlog.registry import auditlog

    options = auditlog.get_model_fields(type(sample))
    if (settings.AUDITLOG_STORE_JSON_CHANGES or settings.AUDITLOG_USE_FK_STRING_REPRESENTATION
            or options["mask_fields"]):
        return None
    fields = []
    for field in type(sample)._meta.get_fields():
        if not track_field(field):
            continue
        if options["include_fields"] and field.name not in options["include_fields"]:
            continue
        if field.name in options["exclude_fields"]:
            continue
        if isinstance(field, JSONField):
            return None
        if field.auto_created and not field.concrete:  # a reverse relation
            if field.one_to_many and hasattr(sample, field.name):
                # auditlog writes the related manager's text ("workers.Departure.None"): the same for every row.
                fields.append((field.name, smart_str(getattr(sample, field.name)), "text"))
            continue  # a reverse one-to-one: nothing points at a row being created
        if isinstance(field, DateTimeField):
            kind = "datetime"
        elif (field.one_to_one or field.many_to_one) and hasattr(field, "rel_class"):
            kind = "fk"
        else:
            kind = "value"
        fields.append((field.name, field.attname, kind))
    return fields


def _created_changes(instance, fields: list[tuple[str, str, str]], use_tz: bool) -> dict[str, list[str]]:
    """auditlog's ``model_instance_diff(None, instance)``: every field against "None" (its value for no object);
    ``use_tz``: settings.USE_TZ, read once by the caller."""
    values = instance.__dict__  # a new object: every concrete field is there
    changes = {}
    for name, source, kind in fields:  # source: the attribute to read, or for "text" the text itself
        if kind == "value":
            value = values[source]
            # smart_str's text of anything but bytes (never a field's value here) is str(): called directly.
            value = value if type(value) is str else str(value)
            if value != "None":
                changes[name] = ["None", value]
        elif kind == "fk":
            value = values[source]  # auditlog keeps a null key as ["None", "None"]
            changes[name] = ["None", "None" if value is None else str(value)]
        elif kind == "text":
            changes[name] = ["None", source]
        else:  # a date and time, naive in UTC
            value = values[source]
            if value is not None and use_tz and not timezone.is_naive(value):
                value = timezone.make_naive(value, timezone=dt.timezone.utc)
            changes[name] = ["None", str(value)]
    return changes


def audit_bulk_created(user, objects: list, *, m2m: dict[str, list[tuple[Any, Iterable]]] | None = None) -> None:
    """One ``LogEntry`` (create) per object, and one (change) per many-to-many field set on a new object, as
    auditlog writes them on a ``save()`` and a ``set()``: same changes, object text, actor and correlation id."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType  # models: not at import time

    context = auditlog_value.get(None) or {}
    actor = context.get("actor")
    if not isinstance(actor, get_user_model()):
        actor = user if user is not None and user.is_authenticated else None
    extra = {key: (value() if callable(value) else value) for key, value in context.items()
             if key not in ("actor", "signal_duid") and hasattr(LogEntry, key)}
    # The columns every entry has the same value in, written once; each entry's own are those of ENTRY_COLUMNS.
    common = {"actor_id": actor.pk if actor else None, "actor_email": getattr(actor, "email", None) if actor else None,
              "cid": get_cid(), "remote_addr": None, "remote_port": None, "timestamp": timezone.now(),
              "changes_text": "", **{key: value for key, value in extra.items() if key not in ENTRY_COLUMNS}}
    entries = []
    use_tz = settings.USE_TZ
    known: dict[type, tuple[list | None, bool, int]] = {}
    for instance in objects:
        model = type(instance)
        if not auditlog.contains(model):
            continue
        if model not in known:
            known[model] = (_audit_fields(instance), auditlog.get_serialize_options(model)["serialize_data"],
                            ContentType.objects.get_for_model(model).pk)
        fields, serialize, content_type = known[model]
        changes = (_created_changes(instance, fields, use_tz) if fields is not None
                   else model_instance_diff(None, instance))
        additional = getattr(instance, "get_additional_data", None)
        entries.append((  # in the order of ENTRY_COLUMNS
            content_type, str(instance.pk), instance.pk, smart_str(instance), LogEntry.Action.CREATE, changes,
            LogEntry.objects._get_serialized_data_or_none(instance) if serialize else None,
            additional() if callable(additional) else None))
    for field_name, pairs in (m2m or {}).items():
        for instance, related in pairs:
            ordering = type(instance)._meta.get_field(field_name).related_model._meta.ordering
            if all(isinstance(key, str) and not key.startswith("-") for key in ordering):  # as the query reads them
                related = sorted(related, key=lambda obj: tuple(getattr(obj, key) for key in ordering))
            additional = getattr(instance, "get_additional_data", None)
            entries.append((
                ContentType.objects.get_for_model(type(instance)).pk, str(instance.pk), instance.pk,
                smart_str(instance), LogEntry.Action.UPDATE,
                {field_name: {"type": "m2m", "operation": "add", "objects": [smart_str(o) for o in related]}},
                None, additional() if callable(additional) else None))
    insert_rows(LogEntry, ENTRY_COLUMNS, entries, constants=common)


# The columns of a bulk entry that differ between entries (audit_bulk_created), in the order its rows give them.
ENTRY_COLUMNS = ("content_type_id", "object_pk", "object_id", "object_repr", "action", "changes", "serialized_data",
                 "additional_data")


def audit_bulk_deleted(user, objects: list) -> None:
    """One ``LogEntry`` (delete) per object, as auditlog writes it when a registered object is deleted (every
    field's value before, the object's text, the actor), written at once: for deleting many rows (an import rolled
    back) with auditlog's own receivers switched off (``auditlog.context.disable_auditlog``)."""
    from auditlog.cid import get_cid
    from auditlog.context import auditlog_value
    from auditlog.diff import model_instance_diff
    from auditlog.models import LogEntry
    from auditlog.registry import auditlog
    from django.contrib.contenttypes.models import ContentType  # models: not at import time

    context = auditlog_value.get(None) or {}
    actor = context.get("actor")
    if not isinstance(actor, get_user_model()):
        actor = user if user is not None and user.is_authenticated else None
    extra = {key: (value() if callable(value) else value) for key, value in context.items()
             if key not in ("actor", "signal_duid") and hasattr(LogEntry, key)}
    common = {"actor_id": actor.pk if actor else None, "actor_email": getattr(actor, "email", None) if actor else None,
              "cid": get_cid(), "remote_addr": None, "remote_port": None, "timestamp": timezone.now(),
              "changes_text": "", "serialized_data": None, "additional_data": None, **extra}
    types: dict[type, tuple[int, bool]] = {}
    entries = []
    for instance in objects:
        model = type(instance)
        if not auditlog.contains(model):
            continue
        if model not in types:
            types[model] = (ContentType.objects.get_for_model(model).pk,
                            auditlog.get_serialize_options(model)["serialize_data"])
        content_type, serialize = types[model]
        additional = getattr(instance, "get_additional_data", None)
        entries.append({
            **common, "content_type_id": content_type, "object_pk": str(instance.pk), "object_id": instance.pk,
            "object_repr": smart_str(instance), "action": LogEntry.Action.DELETE,
            "changes": model_instance_diff(instance, None, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES),
            "serialized_data": LogEntry.objects._get_serialized_data_or_none(instance) if serialize else None,
            "additional_data": additional() if callable(additional) else None})
    columns = list(entries[0]) if entries else []
    insert_rows(LogEntry, columns, ([entry[column] for column in columns] for entry in entries))
