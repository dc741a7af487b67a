"""Totals only: a sheet of departures per district and year (or a column per year) becomes history figures, the
total row left out; overlapping periods on one line of the tree refused; a figure entered on the screen follows
the same rules."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from history import services
from history.models import HistoryFigure
from tests.history.conftest import commit, preview, upload
from tests.history.sheets import totals_sheet

pytestmark = pytest.mark.django_db

ROWS = [("Huyện Ninh Sơn", 2016, 12, 6, 2, 2, 4, 3, 1), ("Bác Ái", 2016, 14, 7, 2, 3, 5, 4, 9),
        ("Huyện Ninh Sơn", 2017, 15, 8, 3, 2, 5, 4, 1), ("Bác Ái", 2017, 17, None, None, None, None, None, None),
        ("Tổng cộng", None, 58, None, None, None, None, None, None)]


class TotalsImportTests:
    def test_a_sheet_of_totals_becomes_history_figures_to_known_counts(self, users, units):
        batch = preview(users.province, upload(users.province, units.province, totals_sheet(ROWS), "t.xlsx"))
        counts = batch.preview["counts"]
        assert (counts["history_figures"], counts["errors"], counts["rows"], counts["skipped"]) == (4, 0, 4, 1)
        assert not HistoryFigure.objects.exists()
        commit(users.province, batch)
        figures = {(f.unit.code, f.year): (f.departed, f.japan, f.korea, f.taiwan, f.female, f.poor,
                                           f.ethnic_minority, f.month) for f in HistoryFigure.objects.all()}
        assert figures == {("585", 2016): (12, 6, 2, 2, 4, 3, 1, None), ("584", 2016): (14, 7, 2, 3, 5, 4, 9, None),
                           ("585", 2017): (15, 8, 3, 2, 5, 4, 1, None),
                           ("584", 2017): (17, None, None, None, None, None, None, None)}
        assert HistoryFigure.objects.get(unit=units.b, year=2017).other_markets == 17

    def test_a_column_per_year_and_months_as_mm_yyyy(self, users, units):
        wide = totals_sheet([("Ninh Sơn", 12, 15), ("Bác Ái", 14, None)], header=("Huyện", "Năm 2016", "Năm 2017"))
        commit(users.province, preview(users.province, upload(users.province, units.province, wide, "w.xlsx")))
        assert sorted(HistoryFigure.objects.values_list("unit__code", "year", "departed")) == [
            ("584", 2016, 14), ("585", 2016, 12), ("585", 2017, 15)]
        monthly = totals_sheet([("Ninh Sơn", "03/2018", 4), ("Ninh Sơn", "04/2018", 2)],
                               header=("Đơn vị", "Tháng", "Số lao động xuất cảnh"))
        commit(users.province, preview(users.province, upload(users.province, units.province, monthly, "m.xlsx")))
        assert sorted(HistoryFigure.objects.filter(year=2018).values_list("month", "departed")) == [(3, 4), (4, 2)]

    def test_the_same_sheet_again_updates_nothing_and_a_corrected_one_updates_its_figures(self, users, units):
        commit(users.province, preview(users.province, upload(users.province, units.province, totals_sheet(ROWS))))
        again = preview(users.province, upload(users.province, units.province, totals_sheet(ROWS)))
        assert (again.preview["counts"]["history_figures"], again.preview["counts"]["unchanged_figures"]) == (0, 4)
        corrected = [("Huyện Ninh Sơn", 2016, 13, 6, 2, 2, 4, 3, 1)]
        batch = preview(users.province, upload(users.province, units.province, totals_sheet(corrected)))
        assert batch.preview["counts"]["updated_figures"] == 1
        commit(users.province, batch)
        assert HistoryFigure.objects.get(unit=units.a, year=2016).departed == 13
        assert HistoryFigure.objects.count() == 4

    def test_overlapping_figures_and_impossible_numbers_are_errors_by_row(self, users, units):
        rows = [("Tỉnh Ninh Thuận", 2016, 80), ("Huyện Ninh Sơn", 2016, 12),  # the province and its district
                ("Bác Ái", 2016, 5, 4, 3), ("Bác Ái", 2031, 5), ("Bác Ái", 2015, "mười")]
        batch = preview(users.province, upload(users.province, units.province, totals_sheet(rows)))
        errors = {(e["row"], e["column"]) for e in batch.preview["errors"]}
        assert {row for row, _column in errors} == {6, 7, 8, 9}
        assert batch.preview["blocked"]


class FigureServiceTests:
    def test_a_figure_on_the_screen_may_not_overlap_another_on_its_line(self, users, units):
        services.figure_save(user=users.province, unit=units.a, year=2017, month=None, departed=15)
        with pytest.raises(ValidationError):
            services.figure_save(user=users.province, unit=units.a, year=2017, month=3, departed=2)
        with pytest.raises(ValidationError):
            services.figure_save(user=users.province, unit=units.province, year=2017, month=None, departed=90)
        services.figure_save(user=users.province, unit=units.b, year=2017, month=3, departed=2)  # another line

    def test_an_official_enters_figures_of_their_unit_only(self, users, units):
        with pytest.raises(ValidationError):
            services.figure_save(user=users.official_a, unit=units.b, year=2017, month=None, departed=3)
        with pytest.raises(ValidationError) as caught:
            services.figure_save(user=users.official_a, unit=units.a, year=2017, month=None, departed=3, japan=2,
                                 korea=2)
        assert "japan" in caught.value.message_dict
