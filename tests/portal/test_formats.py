from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from portal import formats
from portal.forms import VNDateField, VNIntegerField, VNMonthField


class FormatTests:
    def test_numbers_use_dots_for_thousands_and_commas_for_decimals(self):
        assert formats.format_int(1274) == "1.274"
        assert formats.format_int(159000) == "159.000"
        assert formats.format_int(-1234567) == "-1.234.567"
        assert formats.format_int(0) == "0"
        assert formats.format_percent(Decimal("0.637")) == "63,7%"
        assert formats.format_percent(1.3) == "130,0%"
        assert formats.format_percent(0.5, digits=0) == "50%"
        assert formats.format_decimal(1274.55, 1) == "1.274,6"

    def test_money_in_dong_and_in_trieu_or_ty(self):
        assert formats.format_money(3_400_000) == "3.400.000 đ"
        assert formats.format_money_short(3_400_000_000) == "3,4 tỷ đồng"
        assert formats.format_money_short(48_200_000) == "48,2 triệu đồng"
        assert formats.format_money_short(950_000) == "950.000 đồng"

    def test_dates_are_day_month_year(self):
        assert formats.format_date(dt.date(2021, 3, 1)) == "01/03/2021"
        assert formats.parse_date("01/03/2021") == dt.date(2021, 3, 1)
        assert formats.parse_date("1/3/2021") == dt.date(2021, 3, 1)
        assert formats.parse_month("03/2021") == dt.date(2021, 3, 1)

    @pytest.mark.parametrize("text", ["03/25/2021", "2021-03-01", "1/3/21", "31/02/2024", ""])
    def test_us_iso_and_impossible_dates_are_refused(self, text):
        with pytest.raises(ValueError):
            formats.parse_date(text)

    def test_integers_parse_with_or_without_grouping(self):
        assert formats.parse_int("1.274") == 1274
        assert formats.parse_int("1274") == 1274
        assert formats.parse_int(25.0) == 25
        for bad in ["1,5", "12.34", "abc", 2.5, True]:
            with pytest.raises(ValueError):
                formats.parse_int(bad)
        assert formats.parse_decimal("63,7") == Decimal("63.7")


class FormFieldTests:
    def test_date_field_takes_dd_mm_yyyy_only(self):
        field = VNDateField()
        assert field.clean("25/12/2024") == dt.date(2024, 12, 25)
        with pytest.raises(Exception) as exc:
            field.clean("12/25/2024")
        assert "dd/mm/yyyy" in str(exc.value)

    def test_integer_and_month_fields(self):
        assert VNIntegerField().clean("1.274") == 1274
        assert VNMonthField().clean("07/2025") == dt.date(2025, 7, 1)
