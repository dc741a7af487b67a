"""The history part of the benchmark, at a small size (timings are never asserted): the legacy file and the plain
worker file hold the same people, the whole path commits, and everything is rolled back afterwards."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from history.models import ImportBatch
from scale import benchmark
from tests.scale.test_benchmark import _fingerprint, _generate
from workers.models import Worker

pytestmark = pytest.mark.django_db


class HistoryBenchmarkTests:
    def test_the_history_part_commits_the_legacy_file_and_leaves_the_data_as_it_was(self, tmp_path):
        _generate(workers=300)
        before, workers = _fingerprint(), Worker.objects.count()
        out = tmp_path / "bench.json"
        call_command("benchmark", "--parts", "history", "--history-rows", "120", "--out", str(out),
                     stdout=open(tmp_path / "stdout.txt", "w"))
        data = json.loads(out.read_text())["history"]
        assert data["committed"] and data["rows"] == 120
        assert data["preview_counts"]["new_workers"] == 120 and data["preview_counts"]["errors"] == 0
        assert "created 120" in data["plain_result"]
        assert data["ratio"] > 0 and data["rolled_back"]
        assert _fingerprint() == before and Worker.objects.count() == workers and not ImportBatch.objects.exists()

    def test_the_two_files_describe_the_same_people(self):
        _generate(workers=50)
        from portal.models import Unit

        province = Unit.objects.get(structure="legacy", code="58")
        people = benchmark._legacy_people(10, province)
        assert len({p.cmnd for p in people}) == len({p.cccd for p in people}) == 10
        assert all(p.commune.path.startswith(province.path) for p in people)
