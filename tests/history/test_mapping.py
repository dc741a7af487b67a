"""The proposed mapping: by the headers' words and by what a column holds; corrected by the user; saved under a
name so that next year's sheet of the same shape maps itself; two columns to one field, or a required field
without a column, refused."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from history import services
from history.models import ColumnMapping, SheetKind
from tests.history.conftest import NINH_SON_2019, upload
from tests.history.sheets import Person, csv_bytes, legacy_people_sheet, totals_sheet

pytestmark = pytest.mark.django_db


class ProposalTests:
    def test_a_legacy_list_maps_by_its_headers(self, users, units):
        batch = upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019))
        assert batch.kind == SheetKind.PEOPLE
        assert batch.mapping == ["", "full_name", "dob_male", "dob_female", "id_number", "address", "country",
                                 "enterprise", "departure_date", "return_date"]

    def test_columns_with_unknown_headers_map_by_their_content(self, users, units, reference_data):
        rows = [["Cột 1", "Cột 2", "Cột 3", "Cột 4", "Cột 5", "Cột 6"]]
        for i in range(6):
            rows.append([f"Người Thử {i}", f"26451234{i}", f"0{i + 1}/03/199{i}", "Nhật Bản",
                         f"1{i}/05/2019", "Xã Lâm Sơn, huyện Ninh Sơn"])
        batch = upload(users.province, units.province, csv_bytes(rows, "utf-8"), "x.csv")
        assert batch.mapping == ["", "id_number", "date_of_birth", "country", "departure_date", "address"]
        assert batch.header["reasons"][1:] == ["content"] * 5

    def test_a_sheet_of_totals_is_told_from_a_list(self, users, units):
        batch = upload(users.province, units.province, totals_sheet([("Huyện Ninh Sơn", 2017, 15, 9, 3, 2, 5, 4, 1)]))
        assert batch.kind == SheetKind.TOTALS
        assert batch.mapping == ["unit", "year", "departed", "japan", "korea", "taiwan", "female", "poor",
                                 "ethnic_minority"]

    def test_a_totals_sheet_with_a_column_per_year(self, users, units):
        data = totals_sheet([("Ninh Sơn", 12, 15, 19)], header=("Huyện", "Năm 2016", "Năm 2017", "2018"))
        batch = upload(users.province, units.province, data)
        assert batch.kind == SheetKind.TOTALS
        assert batch.mapping == ["unit", "departed@2016", "departed@2017", "departed@2018"]


class SavedMappingTests:
    def test_a_saved_mapping_maps_next_years_sheet_of_the_same_shape(self, users, units, reference_data):
        batch = upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019))
        corrected = list(batch.mapping)
        corrected[7] = ""  # the user chose not to import the company column
        services.batch_map(user=users.province, batch=batch, kind=batch.kind, mapping=corrected,
                           save_as="Sổ theo dõi huyện")
        saved = ColumnMapping.objects.get(name="Sổ theo dõi huyện")
        assert saved.unit == units.province and saved.columns["congty"] == "" and saved.columns["hoten"] == "full_name"
        next_year = [Person("Đỗ Văn Giang", dt.date(1994, 4, 4), "Nam", "264599999", "Xã Lâm Sơn, Ninh Sơn",
                            departure=dt.date(2020, 2, 2))]
        second = upload(users.official_a, units.a, legacy_people_sheet(next_year, title="NĂM 2020"))
        assert second.column_mapping == saved  # a district uses the province's mapping
        assert second.mapping[7] == "" and second.mapping[1] == "full_name"
        assert second.header["reasons"][1] == "saved"


class RefusedMappingTests:
    def test_two_columns_mapped_to_one_field_are_refused(self, users, units):
        batch = upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019))
        mapping = list(batch.mapping)
        mapping[6] = "address"  # the country column mapped to the address too
        with pytest.raises(ValidationError) as caught:
            services.batch_map(user=users.province, batch=batch, kind=batch.kind, mapping=mapping)
        assert any("Địa chỉ" in message or "Address" in message for message in caught.value.messages)
        batch.refresh_from_db()
        assert batch.status == "uploaded"

    def test_a_required_field_without_a_column_is_refused(self, users, units):
        batch = upload(users.province, units.province, legacy_people_sheet(NINH_SON_2019))
        mapping = ["" if key == "id_number" else key for key in batch.mapping]
        with pytest.raises(ValidationError) as caught:
            services.batch_map(user=users.province, batch=batch, kind=batch.kind, mapping=mapping)
        assert len(caught.value.messages) == 1
