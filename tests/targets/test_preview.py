"""Preview before commit (``portal.uploads``): counts and errors first, saved once on confirmation; --dry-run."""
from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.models import UploadPreview
from targets import services
from targets.models import Quota
from tests.targets.conftest import upload, xlsx

HEADER = ["Mã đơn vị", "Năm", "Chỉ tiêu"]


@pytest.fixture
def existing(users, units):
    services.quota_set(user=users.province, unit=units.a, year=2026, target=10)  # 585
    services.quota_set(user=users.province, unit=units.b, year=2026, target=20)  # 584


def quotas() -> dict:
    return dict(Quota.objects.filter(year=2026).values_list("unit__code", "target"))


MIXED = [HEADER, ["585", 2026, 10], ["584", 2026, 25], ["586", 2026, 5], ["587", 2026, 7]]


class ScreenPreviewTests:
    def test_the_preview_counts_creates_updates_unchanged_and_errors_and_saves_nothing(self, users, existing,
                                                                                      client_for):
        client = client_for(users.province)
        page = client.post(reverse("targets:quota_import"), {"file": upload(xlsx(MIXED + [["99999", 2026, 1]]))})
        preview = page.context["preview"]
        assert (preview.to_create, preview.to_update, preview.unchanged, len(preview.errors)) == (2, 1, 1, 1)
        assert "2 dòng tạo mới, 1 dòng cập nhật, 1 dòng không đổi, 1 lỗi" in page.content.decode()
        assert 'data-testid="confirm-upload"' not in page.content.decode()
        assert quotas() == {"585": 10, "584": 20}

    def test_a_valid_file_is_saved_only_on_confirmation_and_only_once(self, users, existing, client_for):
        client = client_for(users.province)
        page = client.post(reverse("targets:quota_import"), {"file": upload(xlsx(MIXED))})
        preview = page.context["preview"]
        assert (preview.to_create, preview.to_update, preview.unchanged, preview.errors) == (2, 1, 1, [])
        assert quotas() == {"585": 10, "584": 20}
        confirm = {"preview_id": preview.pk, "file_hash": preview.file_hash}
        done = client.post(reverse("targets:quota_import"), confirm)
        assert (done.context["result"].created, done.context["result"].changed) == (2, 1)
        assert quotas() == {"585": 10, "584": 25, "586": 5, "587": 7}
        Quota.objects.filter(unit__code="586").delete()
        again = client.post(reverse("targets:quota_import"), confirm)  # a replayed confirmation
        assert again.context["result"] is None and again.context["upload_message"]
        assert quotas() == {"585": 10, "584": 25, "587": 7}

    def test_a_file_changed_after_the_preview_is_refused(self, users, existing, client_for):
        client = client_for(users.province)
        preview = client.post(reverse("targets:quota_import"), {"file": upload(xlsx(MIXED))}).context["preview"]
        page = client.post(reverse("targets:quota_import"), {"preview_id": preview.pk, "file_hash": "0" * 64})
        assert page.context["import_errors"] and page.context["result"] is None
        UploadPreview.objects.filter(pk=preview.pk).update(data=xlsx(MIXED + [["588", 2026, 99]]))
        page = client.post(reverse("targets:quota_import"), {"preview_id": preview.pk, "file_hash": preview.file_hash})
        assert page.context["import_errors"] and page.context["result"] is None
        assert quotas() == {"585": 10, "584": 20}

    def test_data_changed_since_the_preview_saves_nothing_and_shows_the_new_preview(self, users, existing, client_for):
        client = client_for(users.province)
        preview = client.post(reverse("targets:quota_import"), {"file": upload(xlsx(MIXED))}).context["preview"]
        services.quota_set(user=users.province, unit=units_code("586"), year=2026, target=5)  # someone else
        page = client.post(reverse("targets:quota_import"), {"preview_id": preview.pk, "file_hash": preview.file_hash})
        assert page.context["result"] is None and page.context["upload_message"]
        fresh = page.context["preview"]
        assert (fresh.to_create, fresh.to_update, fresh.unchanged) == (1, 1, 2)
        assert quotas() == {"585": 10, "584": 20, "586": 5}
        done = client.post(reverse("targets:quota_import"), {"preview_id": fresh.pk, "file_hash": fresh.file_hash})
        assert done.context["result"].created == 1
        assert quotas() == {"585": 10, "584": 25, "586": 5, "587": 7}

    def test_another_users_preview_cannot_be_confirmed(self, users, existing, client_for):
        preview = client_for(users.province).post(reverse("targets:quota_import"),
                                                  {"file": upload(xlsx(MIXED))}).context["preview"]
        page = client_for(users.admin).post(reverse("targets:quota_import"),
                                            {"preview_id": preview.pk, "file_hash": preview.file_hash})
        assert page.context["result"] is None and page.context["import_errors"]
        assert quotas() == {"585": 10, "584": 20}


def units_code(code):
    from portal.models import Structure, Unit

    return Unit.objects.get(structure=Structure.LEGACY, code=code)


class DryRunCommandTests:
    def test_dry_run_prints_the_summary_saves_nothing_and_exits_by_validity(self, users, existing, tmp_path, capsys):
        good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
        good.write_bytes(xlsx(MIXED))
        bad.write_bytes(xlsx(MIXED + [["99999", 2026, 1]]))
        call_command("import_quotas", str(good), "--dry-run", "--user", users.province.username)
        assert capsys.readouterr().out == "2 to create, 1 to update, 1 unchanged, 0 errors\n"
        with pytest.raises(SystemExit) as exit_status:
            call_command("import_quotas", str(bad), "--dry-run", "--user", users.province.username)
        assert exit_status.value.code == 1
        out = capsys.readouterr()
        assert out.out == "2 to create, 1 to update, 1 unchanged, 1 errors\n" and "99999" in out.err
        assert quotas() == {"585": 10, "584": 20}

    def test_dry_run_of_monthly_figures_counts_new_and_changed_months(self, users, units, clock, tmp_path, capsys):
        import datetime as dt

        clock(dt.date(2026, 3, 3))
        services.figures_save(user=users.province, unit=units.a, month=dt.date(2026, 2, 1), values={"departed": 1},
                              version=None)
        path = tmp_path / "m.xlsx"
        path.write_bytes(xlsx([["Mã đơn vị", "Tháng", "departed"], ["585", "02/2026", 2], ["584", "02/2026", 3]]))
        call_command("import_monthly", str(path), "--dry-run", "--user", users.province.username)
        assert capsys.readouterr().out == "1 to create, 1 to update, 0 unchanged, 0 errors\n"
