from __future__ import annotations

import datetime as dt

import pytest

from portal.masking import mask
from workers.validators import birth_province_codes, citizen_id_problems, normalise_citizen_id, normalise_name


class CitizenIdTests:
    @pytest.mark.parametrize("citizen_id, dob, sex", [
        ("058095000123", dt.date(1995, 4, 12), "male"),
        ("058195000123", dt.date(1995, 4, 12), "female"),
        ("001200000001", dt.date(2000, 1, 1), "male"),
        ("096305123456", dt.date(2005, 12, 31), "female"),
        ("079099999999", dt.date(1999, 6, 30), "male"),
    ])
    def test_it_accepts_a_citizen_id_that_agrees_with_birth_and_sex(self, citizen_id, dob, sex):
        assert citizen_id_problems(citizen_id, date_of_birth=dob, sex=sex) == []

    @pytest.mark.parametrize("citizen_id, dob, sex, fragment", [
        ("05809500012", dt.date(1995, 4, 12), "male", "12 digits"),
        ("0580950001234", dt.date(1995, 4, 12), "male", "12 digits"),
        ("05809500012a", dt.date(1995, 4, 12), "male", "12 digits"),
        ("000095000123", dt.date(1995, 4, 12), "male", "province code"),
        ("003095000123", dt.date(1995, 4, 12), "male", "province code"),  # 003 is no legacy province
        ("097095000123", dt.date(1995, 4, 12), "male", "province code"),
        ("058195000123", dt.date(1995, 4, 12), "male", "sex"),
        ("058095000123", dt.date(1995, 4, 12), "female", "sex"),
        ("058295000123", dt.date(1995, 4, 12), "male", "century"),
        ("058005000123", dt.date(2005, 4, 12), "male", "century"),
        ("058496000123", dt.date(1996, 4, 12), "male", "0–3"),
        ("058096000123", dt.date(1995, 4, 12), "male", "year of birth 1995"),
    ])
    def test_it_refuses_a_bad_citizen_id_with_the_reason(self, citizen_id, dob, sex, fragment, settings):
        settings.LANGUAGE_CODE = "en"
        from django.utils import translation

        with translation.override("en"):
            problems = citizen_id_problems(citizen_id, date_of_birth=dob, sex=sex)
        assert problems and any(fragment in p for p in problems), problems

    def test_the_province_codes_are_the_63_legacy_ones_padded_to_3_digits(self):
        codes = birth_province_codes()
        assert len(codes) == 63
        assert {"001", "058", "079", "096"} <= codes
        assert "003" not in codes and "097" not in codes

    def test_a_number_from_a_spreadsheet_gets_its_leading_zeros_back(self):
        assert normalise_citizen_id(58095000123) == "058095000123"
        assert normalise_citizen_id(" 058 095 000 123 ") == "058095000123"


class HelpersTests:
    def test_names_are_compared_without_case_or_extra_spaces(self):
        assert normalise_name("  NGUYỄN   Văn  An ") == normalise_name("nguyễn văn an")

    def test_masking_keeps_only_the_last_four_characters(self):
        assert mask("058095000123") == "••••••••0123"
        assert mask("0905123456") == "••••••3456"
        assert mask("") == ""
