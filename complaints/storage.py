"""Where attachments are kept: ``settings.PRIVATE_MEDIA_ROOT``, outside the static files and the media root,
with no URL. A file leaves it only through ``complaints.views.attachment_download``, which checks the scope."""
from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible(path="complaints.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """A file system storage read from the settings at each use (tests point it at a temporary folder), and
    without a public URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None

    def url(self, name):
        raise ValueError("Attachments have no public URL: serve them through the scoped download view.")


private_storage = PrivateStorage()
