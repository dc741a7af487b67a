from __future__ import annotations

import pytest

from history import demo
from history.models import BatchStatus, ColumnMapping, HistoryFigure, ImportBatch
from reports.progress import Period, progress_rows
from workers import demo as workers_demo
from workers.models import Worker

pytestmark = pytest.mark.django_db


class HistoryDemoTests:
    def test_the_demo_brings_in_ninh_thuans_history_through_the_import_and_loads_once(self, users, units,
                                                                                     reference_data):
        workers_demo.load()
        first = demo.load()
        assert "300 workers of 2019–2020" in first and "linked" in first
        from history.models import HistoricLink

        link = HistoricLink.objects.get()
        assert link.historic.legacy_id_number == "264000001" and link.worker.citizen_id
        assert ImportBatch.objects.filter(status=BatchStatus.COMMITTED).count() == 2
        assert ColumnMapping.objects.get().name == demo.MAPPING_NAME
        historic = Worker.objects.filter(full_name__contains=" Lịch Sử ")
        assert historic.filter(citizen_id__isnull=True).count() == 300
        assert list(historic.filter(citizen_id__isnull=False)) == [link.worker]  # registered again in 2026
        assert HistoryFigure.objects.filter(year__in=(2016, 2017, 2018), month__isnull=True).count() == 21
        counts = (Worker.objects.count(), HistoryFigure.objects.count(), ImportBatch.objects.count())
        assert demo.load() == "history: already there"
        assert counts == (Worker.objects.count(), HistoryFigure.objects.count(), ImportBatch.objects.count())
        for year in (2017, 2018, 2019, 2020):
            report = progress_rows(unit=units.province, period=Period.for_year(year))
            assert report.total.previous_year > 0 and report.total.departed > 0, year
