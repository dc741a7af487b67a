"""The import saves new workers in bulk (``workers_register_bulk``): the same rows, timeline, snapshot flags, counts
and audit entries as the per-row services wrote, in a number of queries that does not grow with the sheet."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from portal.xlsx import ImportRejected
from workers import importers, services
from workers.importers import import_workers
from workers.models import Departure, Return, Sex, Status, StatusChange, Worker

from .fixtures import cccd
from .test_import import good_rows, sheet

pytestmark = pytest.mark.django_db


def varied_rows(units) -> list[list]:
    """Every kind of new worker a sheet can hold: households, minorities, each pipeline step."""
    return good_rows(units) + [
        # minority through the household status, not the ethnic group
        ["Đỗ Văn Sáu", cccd(dt.date(1993, 3, 3), serial=906), "03/03/1993", "Nam", units.commune_a.code,
         "Kinh", "ethnic_minority; Hộ cận nghèo", "", "04/04/2024", "JP", "", "T-001/GP", ""],
        ["Hồ Thị Bảy", cccd(dt.date(1997, 7, 7), Sex.FEMALE, serial=907), "07/07/1997", "Nữ", units.commune_a.code,
         "", "", "Rút hồ sơ", "", "", "", "", ""],
        ["Mai Văn Tám", cccd(dt.date(1991, 8, 8), serial=908), "08/08/1991", "Nam", units.a.code,
         "Chăm", "poor", "Đã tư vấn", "", "", "", "", ""],
        # a return without a status column: returned all the same
        ["Lý Thị Chín", cccd(dt.date(1989, 9, 9), Sex.FEMALE, serial=909), "09/09/1989", "Nữ", units.commune_a.code,
         "", "", "", "01/01/2023", "Hàn Quốc", "", "", "01/06/2025"],
    ]


def registry() -> dict:
    """Everything the import wrote, keyed by citizen ID (no primary keys, no clock)."""
    out = {}
    for worker in Worker.objects.select_related("unit").prefetch_related("household_statuses"):
        timeline = list(StatusChange.objects.filter(worker=worker).order_by("at", "pk")
                        .values_list("from_status", "to_status", "note", "by_id"))
        departures = [
            (d.date, d.country_id, d.programme_id, d.enterprise_id, d.occupation, d.contract_months, d.warning,
             d.unit_id, d.sex, d.is_poor_or_near_poor, d.is_ethnic_minority, d.has_orientation_cert, d.created_by_id,
             tuple(Return.objects.filter(departure=d)
                   .values_list("date", "early", "reason", "follow_up", "created_by_id")))
            for d in Departure.objects.filter(worker=worker).order_by("date")]
        out[worker.citizen_id] = {
            "worker": (worker.full_name, worker.name_key, worker.date_of_birth, worker.sex, worker.unit_id,
                       worker.ethnicity_id, worker.phone, worker.education, worker.languages, worker.skills,
                       worker.wished_country_id, worker.status, worker.version),
            "household": sorted(h.code for h in worker.household_statuses.all()),
            "timeline": timeline, "departures": departures}
    return out


def created_entries(model) -> dict[str, tuple]:
    """The audit entries of ``model``'s creations, without the values that differ between two runs."""
    volatile = {"id", "created_at", "updated_at", "worker", "departure"}
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                      action=LogEntry.Action.CREATE)
    out = {}
    for entry in entries:
        text = entry.object_repr.removesuffix(f"({entry.object_pk})")  # "Return object (12)": the id differs
        changes = {k: v for k, v in entry.changes_dict.items() if k not in volatile}
        key = (text, json.dumps(changes, sort_keys=True)) if model is Return else text
        out[key] = (entry.actor_id, entry.actor_email, entry.cid, entry.remote_addr, entry.serialized_data, changes)
    return out


def household_entries() -> dict[str, dict]:
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Worker),
                                      action=LogEntry.Action.UPDATE, changes__has_key="household_statuses")
    return {entry.object_repr: (entry.actor_id, entry.changes_dict) for entry in entries}


def one_by_one(monkeypatch):
    """Route new workers through the per-row services, as the import did before the bulk path."""
    def save_new(plans, *, user, result, **_options):
        for plan in plans:
            importers._save_row(plan, user=user, result=result)
        return []

    monkeypatch.setattr(importers, "_save_new", save_new)


@pytest.fixture
def announced():
    """A receiver of ``workers_registered`` (as outreach's lead linking is meant to be): the calls it got."""
    calls = []

    def receiver(sender, workers, **kwargs):
        calls.append([w.citizen_id for w in workers])

    services.workers_registered.connect(receiver, sender=Worker, dispatch_uid="test_import_bulk")
    yield calls
    services.workers_registered.disconnect(sender=Worker, dispatch_uid="test_import_bulk")


@pytest.fixture(params=["signal", "post_save"])
def announcement(request):
    """Both ways new workers are announced: the bulk signal (outreach listening to it), or, while nobody listens
    to it, one post_save per worker (then auditlog logs the workers' creation itself)."""
    if request.param == "signal":
        request.getfixturevalue("announced")
    elif services.workers_registered.has_listeners(Worker):
        pytest.skip("a receiver of workers_registered is connected in this project")
    return request.param


class BulkImportTests:
    def test_the_bulk_path_writes_exactly_the_rows_of_the_per_row_services(self, users, units, enterprises,
                                                                           monkeypatch, announcement):
        data = sheet(varied_rows(units))
        with transaction.atomic():
            with monkeypatch.context() as patch:
                one_by_one(patch)
                expected_result = import_workers(data, user=users.official_a)
            expected = registry()
            expected_audit = {model: created_entries(model) for model in (Departure, Return)}
            expected_workers = created_entries(Worker)
            expected_households = household_entries()
            transaction.set_rollback(True)
        assert Worker.objects.count() == 0 and LogEntry.objects.filter(action=LogEntry.Action.CREATE,
                                                                        content_type__model="worker").count() == 0

        result = import_workers(data, user=users.official_a)

        assert result == expected_result
        assert (result.created, result.updated, result.unchanged, result.departures, result.returns,
                result.status_changes) == (9, 0, 0, 5, 2, 1)
        assert registry() == expected
        assert {model: created_entries(model) for model in (Departure, Return)} == expected_audit
        assert household_entries() == expected_households
        # The per-row path logged a creation with the first status and a change per step; the bulk path inserts
        # each worker with its final status, so its one creation entry says that status.
        workers = created_entries(Worker)
        final = {w.full_name: w.status for w in Worker.objects.all()}
        assert {name: changes.pop("status") for name, (*_, changes) in workers.items()} == {
            name: ["None", status] for name, status in final.items()}
        for *_, changes in expected_workers.values():
            changes.pop("status")
        assert workers == expected_workers

    def test_statuses_timeline_and_snapshot_flags_are_those_of_each_row(self, users, units, enterprises):
        result = import_workers(sheet(varied_rows(units)), user=users.official_a)
        assert result.created == 9
        statuses = dict(Worker.objects.values_list("full_name", "status"))
        assert statuses == {
            "Nguyễn Văn Một": Status.REGISTERED, "Trần Thị Hai": Status.DEPARTED, "Lê Văn Ba": Status.RETURNED,
            "Phạm Văn Bốn": Status.WAITING, "Võ Thị Năm": Status.ABSCONDED, "Đỗ Văn Sáu": Status.DEPARTED,
            "Hồ Thị Bảy": Status.WITHDRAWN, "Mai Văn Tám": Status.COUNSELLED, "Lý Thị Chín": Status.RETURNED}
        note = gettext("Imported from Excel")
        for name, steps in {
            "Võ Thị Năm": [("", "registered"), ("registered", "departed"), ("departed", "absconded")],
            "Lê Văn Ba": [("", "registered"), ("registered", "departed"), ("departed", "returned")],
            "Hồ Thị Bảy": [("", "withdrawn")],
            "Mai Văn Tám": [("", "counselled")],
        }.items():
            changes = list(StatusChange.objects.filter(worker__full_name=name).order_by("at", "pk"))
            assert [(c.from_status, c.to_status) for c in changes] == steps
            assert {(c.note, c.by_id) for c in changes} == {(note, users.official_a.pk)}
            times = [c.at for c in changes]
            assert times == sorted(set(times)), "each step strictly after the one before"
        flags = {d.worker.full_name: (d.unit.code, d.sex, d.is_poor_or_near_poor, d.is_ethnic_minority,
                                      d.has_orientation_cert, bool(d.warning))
                 for d in Departure.objects.select_related("worker", "unit")}
        assert flags == {
            "Trần Thị Hai": (units.commune_a.code, Sex.FEMALE, False, True, False, False),  # Chăm
            "Lê Văn Ba": (units.a.code, Sex.MALE, False, False, False, False),
            "Võ Thị Năm": (units.commune_a.code, Sex.FEMALE, False, False, False, True),  # suspended enterprise
            "Đỗ Văn Sáu": (units.commune_a.code, Sex.MALE, True, True, False, False),  # minority by household
            "Lý Thị Chín": (units.commune_a.code, Sex.FEMALE, False, False, False, False)}
        assert sorted(Return.objects.values_list("departure__worker__full_name", "date", "early")) == [
            ("Lê Văn Ba", dt.date(2025, 8, 10), False), ("Lý Thị Chín", dt.date(2025, 6, 1), False)]

    def test_every_creation_is_in_the_audit_log_as_auditlog_itself_writes_it(self, users, units, enterprises,
                                                                             announcement):
        import_workers(sheet(varied_rows(units)), user=users.official_a)
        created = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
        for model, count in ((Worker, 9), (Departure, 5), (Return, 2)):
            content_type = ContentType.objects.get_for_model(model)
            entries = {int(e.object_pk): e for e in created.filter(content_type=content_type)}
            assert set(entries) == set(model.objects.values_list("pk", flat=True)) and len(entries) == count
            assert {(e.actor, e.object_id) for e in entries.values()} == {(users.official_a, pk) for pk in entries}
            for obj in model.objects.all():
                if model is Departure and hasattr(obj, "return_record"):
                    continue  # auditlog's own diff would now also show the return, written after the departure
                own = json.loads(json.dumps(model_instance_diff(None, obj)))
                assert entries[obj.pk].changes == own, model
                assert entries[obj.pk].object_repr == str(obj)
        one = Worker.objects.get(full_name="Nguyễn Văn Một")
        household = LogEntry.objects.get(object_pk=str(one.pk), action=LogEntry.Action.UPDATE,
                                         content_type=ContentType.objects.get_for_model(Worker))
        assert household.changes == {"household_statuses": {"type": "m2m", "operation": "add",
                                                            "objects": ["Hộ nghèo", "Hộ cận nghèo"]}}

    def test_the_audit_screen_shows_who_created_the_imported_workers(self, users, units, enterprises, client_for):
        from django.urls import reverse

        import_workers(sheet(varied_rows(units)), user=users.official_a)
        response = client_for(users.admin).get(reverse("audit_list"), {"q": "Trần Thị Hai"})
        rows = response.context["rows"]
        assert {(row["entry"].content_type.model, row["entry"].actor) for row in rows} == {
            ("worker", users.official_a), ("departure", users.official_a)}

    def test_importing_twice_changes_nothing_and_logs_nothing_more(self, users, units, enterprises):
        data = sheet(varied_rows(units))
        import_workers(data, user=users.official_a)
        before = (registry(), LogEntry.objects.count())
        result = import_workers(data, user=users.official_a)
        assert (result.created, result.updated, result.unchanged, result.departures, result.returns,
                result.status_changes) == (0, 0, 9, 0, 0, 0)
        assert (registry(), LogEntry.objects.count()) == before

    def test_a_citizen_id_registered_meanwhile_is_reported_on_its_row(self, users, units, enterprises, monkeypatch):
        rows = varied_rows(units)
        real_insert = services._insert_workers

        def someone_was_faster(workers):
            services.worker_register(user=users.admin, citizen_id=rows[2][1], full_name="Người Khác",
                                     date_of_birth=dt.date(1990, 6, 6), sex=Sex.MALE, unit=units.a)
            real_insert(workers)

        monkeypatch.setattr(services, "_insert_workers", someone_was_faster)
        with pytest.raises(ImportRejected) as exc:
            import_workers(sheet(rows), user=users.official_a)
        assert [(e.row, e.message) for e in exc.value.errors] == [
            (4, gettext("A worker with this citizen ID is already registered."))]

    def test_the_bulk_service_refuses_by_position_what_the_per_row_services_refuse(self, users, units, reference):
        ok = services.NewWorker(citizen_id=cccd(dt.date(1990, 1, 1), serial=1), full_name="Một",
                                date_of_birth=dt.date(1990, 1, 1), sex=Sex.MALE, unit=units.commune_a)
        bad = [
            services.NewWorker(citizen_id=cccd(dt.date(1990, 1, 1), serial=2), full_name="Hai",
                               date_of_birth=dt.date(1990, 1, 1), sex=Sex.MALE, unit=units.commune_b),  # scope
            services.NewWorker(citizen_id=cccd(dt.date(1990, 1, 1), serial=3), full_name="Ba",
                               date_of_birth=dt.date(1990, 1, 1), sex=Sex.MALE, unit=units.commune_a,
                               status=Status.WITHDRAWN,
                               departure=services.NewDeparture(date=dt.date(2024, 1, 1), country=reference.japan)),
            ok,  # the same CCCD twice
            services.NewWorker(citizen_id=cccd(dt.date(1990, 1, 1), serial=4), full_name="Bốn",
                               date_of_birth=dt.date(1990, 1, 1), sex=Sex.MALE, unit=units.commune_a,
                               later_statuses=(Status.ABSCONDED,)),
        ]
        with pytest.raises(services.BulkRejected) as exc:
            services.workers_register_bulk(user=users.official_a, workers=[ok, *bad])
        assert exc.value.problems == {
            1: [gettext("The unit is outside your scope.")],
            2: [gettext("A withdrawn worker cannot depart: reopen the file first.")],
            3: [gettext("A worker with this citizen ID is already registered.")],
            4: [gettext("Only a worker who is abroad can abscond or overstay.")]}
        assert Worker.objects.count() == 0


def numbered_rows(units, count: int, start: int = 0) -> list[list]:
    rows = []
    for i in range(start, start + count):
        born = dt.date(1990 + i % 10, 1 + i % 12, 1 + i % 28)
        row = [f"Người Thử Số {i:04d}", cccd(born, serial=7000 + i), born.strftime("%d/%m/%Y"), "Nam",
               units.commune_a.code, "Kinh", "Hộ nghèo" if i % 2 else "", "", "", "", "", "", ""]
        if i % 3 == 0:
            row[7:13] = ["Đã xuất cảnh", "01/02/2024", "Nhật Bản", "JP-TITP", "T-001/GP",
                         "01/03/2025" if i % 6 == 0 else ""]
            if i % 6 == 0:
                row[7] = "Đã về nước"
        rows.append(row)
    return rows


class BulkImportQueryTests:
    def test_an_import_makes_the_same_number_of_queries_at_any_size(self, users, units, enterprises, announced,
                                                                    django_assert_max_num_queries):
        ContentType.objects.get_for_models(Worker, Departure, Return)  # cached after the first import anyway
        counts = []
        for start, count in ((0, 12), (100, 120)):
            rows = numbered_rows(units, count, start)
            # 31: one more than before the history app, the lookup of historic CMND records by name and birth date.
            with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(31):
                result = import_workers(sheet(rows), user=users.official_a)
            # Inserts go in batches (2,000 rows on PostgreSQL, fewer on SQLite's 999 parameters): count the others.
            counts.append(sum(1 for q in queries.captured_queries if not q["sql"].startswith("INSERT")))
            assert (result.created, result.departures, result.returns) == (count, count // 3, count // 6)
            assert announced[-1] == [row[1] for row in rows], "one signal with every new worker"
        assert counts[0] == counts[1]
        assert Worker.objects.count() == 132

    def test_a_second_import_of_the_same_sheet_too(self, users, units, enterprises, announced):
        counts = []
        for start, count in ((0, 12), (100, 120)):
            data = sheet(numbered_rows(units, count, start))
            import_workers(data, user=users.official_a)
            with CaptureQueriesContext(connection) as queries:
                result = import_workers(data, user=users.official_a)
            counts.append(len(queries.captured_queries))
            assert (result.created, result.unchanged) == (0, count)
        assert counts[0] == counts[1] <= 20


class LeadLinkTests:
    def test_a_lead_with_the_citizen_id_of_an_imported_worker_is_linked(self, users, units, enterprises):
        from outreach import services as outreach
        from outreach.models import Kind, LinkMethod

        fair = outreach.activity_record(user=users.official_a, unit=units.a, kind=Kind.JOB_FAIR,
                                        date=dt.date(2026, 3, 1), name="Phiên tháng 3", attendees=100)
        rows = varied_rows(units)
        lead = outreach.lead_record(user=users.official_a, activity=fair, full_name="Lê Văn Ba", citizen_id=rows[2][1])
        other = outreach.lead_record(user=users.official_a, activity=fair, full_name="Ai Đó",
                                     citizen_id=cccd(dt.date(1990, 6, 6), serial=999))
        import_workers(sheet(rows), user=users.official_a)
        lead.refresh_from_db()
        other.refresh_from_db()
        assert (lead.worker.full_name, lead.link_method) == ("Lê Văn Ba", LinkMethod.AUTO)
        assert other.worker is None
