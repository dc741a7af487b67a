"""Helpers of the history tests: a legacy file through the whole path (upload, mapping, preview, commit)."""
from __future__ import annotations

import datetime as dt

import pytest

from history import services
from history.models import BatchStatus, ImportBatch
from tests.history.sheets import Person


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def upload(user, unit, data: bytes, name: str = "ninh-son-2019.xlsx", **options) -> ImportBatch:
    return services.batch_create(user=user, unit=unit, data=data, file_name=name, **options)


def preview(user, batch: ImportBatch, *, mapping: list[str] | None = None, kind: str | None = None,
            save_as: str = "") -> ImportBatch:
    services.batch_map(user=user, batch=batch, kind=kind or batch.kind, mapping=mapping or batch.mapping,
                       save_as=save_as)
    return services.batch_preview(batch=batch, user=user)


def commit(user, batch: ImportBatch) -> ImportBatch:
    assert services.batch_confirm(user=user, batch=batch), batch.preview
    batch = services.batch_commit(batch_id=batch.pk, user=user)
    assert batch.status == BatchStatus.COMMITTED, batch.preview.get("errors")
    return batch


def rollback(user, batch: ImportBatch) -> ImportBatch:
    assert services.batch_request_rollback(user=user, batch=batch)
    return services.batch_rollback(batch_id=batch.pk, user=user)


NINH_SON_2019 = [
    Person("Nguyễn Văn An", dt.date(1995, 3, 14), "Nam", "264512345", "Xã Lâm Sơn, huyện Ninh Sơn, tỉnh Ninh Thuận",
           "Nhật Bản", "Công ty Thử Nghiệm A", dt.date(2019, 3, 10), dt.date(2022, 3, 9)),
    Person("Trần Thị Bình", dt.date(1998, 7, 2), "Nữ", "264523456", "lam son, ninh son", "Nhật", "",
           dt.date(2019, 5, 20)),
    Person("Lê Văn Cường", dt.date(1993, 11, 25), "Nam", "264534567", "Thôn Tân Bình, xã Quảng Sơn, H. Ninh Sơn",
           "Hàn Quốc", "", dt.date(2019, 8, 1), dt.date(2020, 2, 15)),
    Person("Phạm Thị Dung", dt.date(1997, 1, 30), "Nữ", "058197001234", "TT Tân Sơn, Ninh Sơn, Ninh Thuận",
           "Đài Loan", "", dt.date(2019, 10, 5)),
    Person("Hoàng Văn Em", dt.date(1996, 6, 18), "Nam", "264545678", "Xã Mỹ Sơn, huyện Ninh Sơn", "Nhật Bản", "",
           dt.date(2019, 12, 2)),
]
