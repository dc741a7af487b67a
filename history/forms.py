"""Forms of the history screens: they turn what was typed or chosen into domain values; the rules are the
services'."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from history.fields import KIND_FIELDS, field_label, field_year, header_year, year_field
from history.models import SheetKind
from history.reading import file_format
from portal import bounds, tree
from portal.forms import VNIntegerField, YearField
from portal.models import Level, Structure, Unit
from portal.scoping import sees_everything, user_unit
from portal.tree import legacy_prefixes


def history_units(user, *, levels=(Level.PROVINCE, Level.DISTRICT)) -> QuerySet[Unit]:
    """The units whose history the user may bring in: their subtree and, for a 2025 unit, the legacy units it took
    over (their records from before the reform)."""
    units = Unit.objects.filter(level__in=levels).select_related("parent").order_by("structure", "path")
    if sees_everything(user):
        return units
    unit = user_unit(user)
    if unit is None:
        return units.none()
    return units.filter(tree.subtree_q(None, [unit.path, *legacy_prefixes(unit)]))


class UnitField(forms.ModelChoiceField):
    def label_from_instance(self, unit: Unit) -> str:
        suffix = " (2025)" if unit.structure == Structure.NEW else ""
        if unit.parent_id and unit.level != Level.PROVINCE:
            return f"{unit.name}, {unit.parent.name}{suffix}"
        return f"{unit.name}{suffix}"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, or .csv in UTF-8, UTF-16 or Windows-1258)"))
    unit = UnitField(label=_("Whose history"), queryset=Unit.objects.none(),
                     help_text=_("Addresses are matched to the communes of this unit."))
    structure = forms.ChoiceField(
        label=_("Units of the rows"), required=False,
        choices=[("", _("The structure in force on each row's date")), *Structure.choices])
    sheet = forms.IntegerField(label=_("Sheet number"), min_value=1, max_value=200, initial=1,
                               help_text=_("For a workbook of several sheets (one per district): which one."))
    accept_duplicates = forms.BooleanField(
        label=_("Import likely duplicates anyway (same name, date of birth and unit, another ID number)"),
        required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = history_units(user)
        self.fields["unit"].queryset = units
        mine = user_unit(user)
        self.fields["unit"].initial = mine.pk if mine is not None else (units.first().pk if units.exists() else None)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if file_format(upload.name) is None:
            raise forms.ValidationError(_("Upload an Excel .xlsx file or a .csv text file."))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most %(max)s MB).") % {
                "max": round(settings.UPLOAD_MAX_BYTES / 1048576, 1)})
        return upload

    def clean_sheet(self) -> int:
        return self.cleaned_data["sheet"] - 1


def field_choices(kind: str, labels: list[str]) -> list[tuple[str, str]]:
    choices = [("", _("— not imported —"))]
    choices += [(field.key, str(field.label)) for field in KIND_FIELDS[kind]]
    if kind == SheetKind.TOTALS:
        years = sorted({header_year(label) for label in labels if header_year(label)})
        choices += [(year_field(year), field_label(year_field(year))) for year in years]
    return choices


class MappingForm(forms.Form):
    kind = forms.ChoiceField(label=_("The sheet is"), choices=SheetKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    save_as = forms.CharField(label=_("Save this mapping as"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"class": "form-control"}),
                              help_text=_("For example “Sổ theo dõi huyện 2019”: next year's sheet of the same shape "
                                          "then maps itself."))

    def __init__(self, *args, labels: list[str], samples: list[list[str]], kind: str, mapping: list[str],
                 reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.labels = labels
        self.fields["kind"].initial = kind
        chosen_kind = self.data.get("kind", kind) if self.is_bound else kind
        if chosen_kind not in SheetKind.values:
            chosen_kind = kind
        choices = field_choices(chosen_kind, labels)
        valid = {key for key, _label in choices}
        self.columns = []
        for index, label in enumerate(labels):
            name = f"col_{index}"
            initial = mapping[index] if index < len(mapping) and chosen_kind == kind else ""
            self.fields[name] = forms.ChoiceField(label=label or _("(column %(n)s, no header)") % {"n": index + 1},
                                                  choices=choices, required=False,
                                                  initial=initial if initial in valid else "",
                                                  widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
            self.columns.append({"name": name, "index": index, "label": label,
                                 "samples": samples[index] if index < len(samples) else [],
                                 "reason": reasons[index] if index < len(reasons) else ""})

    def bound_columns(self):
        for column in self.columns:
            yield {**column, "field": self[column["name"]]}

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(column["name"]) or "" for column in self.columns]

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for column in self.columns:
            key = data.get(column["name"])
            if not key:
                continue
            if key in seen:
                message = _("Two columns are mapped to “%(field)s”: map one of them only.") % {
                    "field": field_label(key)}
                self.add_error(column["name"], message)
                self.add_error(seen[key], message)
            else:
                seen[key] = column["name"]
            if field_year(key) is not None and data.get("kind") != SheetKind.TOTALS:
                self.add_error(column["name"], _("A column per year belongs to a sheet of totals."))
        return data


class AnswersForm(forms.Form):
    """The user's answers to the preview's questions: which unit an address names, and that a column's dates are
    day/month."""

    def __init__(self, *args, addresses: list[dict], dates: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.address_fields = []
        for number, question in enumerate(addresses):
            name = f"address_{number}"
            self.fields[name] = forms.TypedChoiceField(
                label=question["text"], required=False, coerce=int, empty_value=None,
                choices=[("", _("— choose the unit —")), *[(pk, label) for pk, label in question["candidates"]]])
            self.address_fields.append((name, question))
        self.date_fields = []
        for question in dates:
            name = f"date_{question['column']}"
            self.fields[name] = forms.BooleanField(
                label=_("The dates of “%(column)s” are day/month/year: read them so (the ones that cannot be are "
                        "errors to correct)") % {"column": question["label"]}, required=False)
            self.date_fields.append((name, question))

    def addresses(self) -> dict[str, int]:
        return {question["key"]: self.cleaned_data[name] for name, question in self.address_fields
                if self.cleaned_data.get(name)}

    def date_columns(self) -> list[int]:
        return [question["column"] for name, question in self.date_fields if self.cleaned_data.get(name)]

    def bound_addresses(self):
        for name, question in self.address_fields:
            yield {**question, "field": self[name]}

    def bound_dates(self):
        for name, question in self.date_fields:
            yield {**question, "field": self[name]}


class FigureForm(forms.Form):
    unit = UnitField(label=_("Unit"), queryset=Unit.objects.none())
    year = YearField(label=_("Year"))
    month = forms.TypedChoiceField(label=_("Month"), required=False, coerce=int, empty_value=None,
                                   choices=[("", _("The whole year (only the year's total is known)")),
                                            *[(m, f"{m:02d}") for m in range(1, 13)]])
    departed = VNIntegerField(label=_("Departed"), bound=bounds.PEOPLE)
    japan = VNIntegerField(label=_("to Japan"), bound=bounds.PEOPLE, required=False)
    korea = VNIntegerField(label=_("to Korea"), bound=bounds.PEOPLE, required=False)
    taiwan = VNIntegerField(label=_("to Taiwan"), bound=bounds.PEOPLE, required=False)
    female = VNIntegerField(label=_("women"), bound=bounds.PEOPLE, required=False)
    poor = VNIntegerField(label=_("poor or near-poor households"), bound=bounds.PEOPLE, required=False)
    ethnic_minority = VNIntegerField(label=_("ethnic minority"), bound=bounds.PEOPLE, required=False)
    note = forms.CharField(label=_("Source or note"), max_length=255, required=False,
                           help_text=_("For example: Báo cáo tổng kết năm 2017 của Phòng LĐ-TB&XH."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        levels = (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE)
        mine = user_unit(user)
        if mine is None or mine.level == Level.PROVINCE:
            levels = (Level.PROVINCE, Level.DISTRICT)
        self.fields["unit"].queryset = history_units(user, levels=levels)


class FigureFilterForm(forms.Form):
    unit = UnitField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    year = YearField(label=_("Year"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = history_units(user)


class LinkForm(forms.Form):
    other = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=bounds.BIGINT_MAX)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class LinkSearchForm(forms.Form):
    q = forms.CharField(label=_("Old ID card number (CMND) or name"), max_length=120, required=False,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                      "placeholder": _("ID number or name")}))
