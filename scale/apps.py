from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScaleConfig(AppConfig):
    """Tooling: synthetic national data and the benchmark. It imports every app; no app imports it."""

    name = "scale"
    verbose_name = _("Scale tooling")
