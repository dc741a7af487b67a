from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.services import MAX_DAYS_BEFORE


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(required=False, label=_("Send me a daily e-mail digest"))
    days_before = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_DAYS_BEFORE, label=_("Remind me this many days before a deadline"),
        help_text=_("Empty: the portal's default (%(days)s days)."))

    def __init__(self, *args, default_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_before"].help_text = self.fields["days_before"].help_text % {"days": default_days}
        self.fields["days_before"].widget.attrs["placeholder"] = str(default_days)
