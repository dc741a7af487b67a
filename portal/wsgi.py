import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# A runaway query must not hold a page: web requests get a short statement timeout (portal.db).
from django.conf import settings  # noqa: E402  (after the application: settings are loaded)

from portal.db import limit_statements  # noqa: E402

limit_statements(settings.DB_STATEMENT_TIMEOUT_SECONDS)
