"""History objects of unit B (Bác Ái) for the portal-wide URL walk (tests/test_url_scope.py)."""
from __future__ import annotations

import datetime as dt
import itertools
from functools import partial

from history import services
from history.models import ColumnMapping, HistoricLink, HistoryFigure, ImportBatch
from portal.jobs import job_create
from tests.history.sheets import Person, legacy_people_sheet
from tests.workers.url_factories import worker_b
from workers.models import Sex, Worker

_serial = itertools.count(810001)


def _batch_b(env, *, committed: bool = False) -> ImportBatch:
    number = next(_serial)
    person = Person(f"Người Bác Ái Lịch Sử {number}", dt.date(1990, 2, 3), "Nam", f"264{number:06d}",
                    "Xã Phước Bình, huyện Bác Ái", "Nhật Bản", "", dt.date(2019, 6, 1))
    batch = services.batch_create(user=env.users.official_b, unit=env.units.b, file_name=f"bac-ai-{number}.xlsx",
                                  data=legacy_people_sheet([person]))
    services.batch_map(user=env.users.official_b, batch=batch, kind=batch.kind, mapping=batch.mapping)
    batch = services.batch_preview(batch=batch, user=env.users.official_b)
    if committed:
        services.batch_confirm(user=env.users.official_b, batch=batch)
        batch = services.batch_commit(batch_id=batch.pk, user=env.users.official_b)
    return batch


def _job_b(env) -> dict:
    batch = _batch_b(env)
    job = job_create(user=env.users.official_b, unit=env.units.b, kind="history_preview",
                     params={"batch": batch.pk, "label": "Xem trước"}, enqueue=False)
    return {"pk": job.pk}


def _figure_b(env) -> dict:
    year = 2000 + next(_serial) % 15
    figure = services.figure_save(user=env.users.official_b, unit=env.units.b, year=year, month=None, departed=7)
    return {"pk": figure.pk}


def _mapping_b(env) -> dict:
    mapping = ColumnMapping.objects.create(unit=env.units.b, name=f"Sổ Bác Ái {next(_serial)}",
                                           columns={"hoten": "full_name"}, labels={"hoten": "Họ tên"})
    return {"pk": mapping.pk}


def _link_b(env) -> dict:
    worker = worker_b(env)
    number = next(_serial)
    historic = Worker.objects.create(citizen_id=None, legacy_id_number=f"264{number:06d}", full_name=worker.full_name,
                                     name_key=worker.name_key, date_of_birth=worker.date_of_birth, sex=Sex.MALE,
                                     unit=env.units.commune_b)
    link = HistoricLink.objects.create(historic=historic, worker=worker, linked_by=env.users.official_b)
    return {"pk": link.pk}


def _batch_url(env, committed: bool = False) -> dict:
    return {"pk": _batch_b(env, committed=committed).pk}


FACTORIES = {
    "history:batch_detail": _batch_url,
    "history:mapping": _batch_url,
    "history:confirm": _batch_url,
    "history:cancel": _batch_url,
    "history:rollback": partial(_batch_url, committed=True),
    "history:job_result": _job_b,
    "history:mapping_delete": _mapping_b,
    "history:figure_edit": _figure_b,
    "history:figure_delete": _figure_b,
    "history:link": lambda env: {"pk": worker_b(env).pk},
    "history:unlink": _link_b,
}

__all__ = ["FACTORIES", "HistoryFigure"]
