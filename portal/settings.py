"""Settings for the labour-export portal.

Embedded by default (SQLite, Celery tasks run in-process). ``DATABASE_URL``
switches to PostgreSQL and ``REDIS_URL`` to a real Celery broker.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from portal.env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "auditlog",
    "portal",
    "notifications",
    "accounts",
    "workers",
    "targets",
    "support",
    "outreach",
    "complaints",
    "training",
    "history",
    "reports",
    "scale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.scope",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = env_url("DATABASE_URL", schemes={"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    # Connections are kept between requests and health-checked before reuse (a PostgreSQL restart costs no
    # failed request); statement timeouts per kind of process: portal.db.limit_statements.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
                                                  conn_health_checks=True)}
# PostgreSQL's JIT compiler off: the reports' grouped queries are estimated costly enough to be compiled, and the
# compiling took longer than the query (measured at 1 M workers: 818 ms of JIT for a query of 93 ms).
PG_OPTIONS = "-c jit=off"


def _with_pg_options(database: dict) -> dict:
    """``database`` with :data:`PG_OPTIONS` added to the libpq ``options`` the URL may already carry."""
    options = database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} {PG_OPTIONS}".strip()
    return database


if DATABASE_URL and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _with_pg_options(DATABASES["default"])
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20},
        }
    }
# A PostgreSQL streaming replica (hot standby) for the reads of reports, exports and dashboards (portal.replica);
# writes, and the reads of everything else, stay on the primary. Its test database is the primary's (the standby
# replays it).
REPLICA_DATABASE_URL = env_url("REPLICA_DATABASE_URL", schemes={"postgres", "postgresql"})
if REPLICA_DATABASE_URL and DATABASE_URL:
    DATABASES["replica"] = {**dj_database_url.parse(REPLICA_DATABASE_URL,
                                                    conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
                                                    conn_health_checks=True), "TEST": {"MIRROR": "default"}}
    _with_pg_options(DATABASES["replica"])
    DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]
REPLICA_READS = True  # the tests turn it off except where they prove the reads go there
# The report jobs that read the replica; the others (history's commit, imports…) must see their own writes.
REPORT_JOB_REPLICA_KINDS = {"progress", "review", "export"}
# Heavy reports and exports run on a Celery queue of their own ("reports": `make worker` consumes both, production
# runs a worker per queue), so they never delay the mail, the reminders or an import (default queue "celery").
REPORTS_QUEUE = "reports"
REPORT_JOB_QUEUES = {"progress": REPORTS_QUEUE, "review": REPORTS_QUEUE, "export": REPORTS_QUEUE}
CELERY_TASK_ROUTES = {"reports.tasks.refresh_national_dashboard": {"queue": REPORTS_QUEUE},
                      "reports.tasks.refresh_unit_dashboard": {"queue": REPORTS_QUEUE},
                      "portal.tasks.store_progress_snapshots": {"queue": REPORTS_QUEUE}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Unit trees kept per process between reports, under the version the database keeps of the units (portal.tree).
UNIT_TREES_KEPT = env_int("UNIT_TREES_KEPT", 16, minimum=0)
# Covering indexes (INCLUDE columns) are a PostgreSQL speed-up; SQLite builds the same index on the key
# columns alone, which is all the embedded mode needs: no warning on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.OneTimeCodeBackend",  # a printed one-time code typed as the password, once
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # At least 10 characters, the usual minimum of government systems (Django's default is 8).
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- i18n and formats ----------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Vietnamese number and date formats in both languages (see portal/locale_formats).
FORMAT_MODULE_PATH = ["portal.locale_formats"]
USE_THOUSAND_SEPARATOR = True

# --- Static files ----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Uploads -----------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_INFLATED_BYTES = env_int("UPLOAD_MAX_INFLATED_BYTES", 200 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 200_000, minimum=1)
# Readers allocate the whole rectangle up to the farthest cell: bound it before reading.
UPLOAD_MAX_CELLS = env_int("UPLOAD_MAX_CELLS", 8_000_000, minimum=1000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Documents attached to complaint cases (PDF, JPEG, PNG): the largest accepted, and where they are kept: outside
# STATIC_ROOT and MEDIA_ROOT, never served but through the scoped download view (complaints.storage).
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# A statement running longer than this is cancelled (PostgreSQL): on web requests, and in report jobs.
DB_STATEMENT_TIMEOUT_SECONDS = env_int("DB_STATEMENT_TIMEOUT_SECONDS", 30, minimum=0)
JOB_STATEMENT_TIMEOUT_SECONDS = env_int("JOB_STATEMENT_TIMEOUT_SECONDS", 15 * 60, minimum=0)

# --- Health (manage.py health, /healthz) -----------------------------------------------
# Less free space than this in MEDIA_ROOT's disk is a failure; so is a periodic sweep (beat) older than this.
HEALTH_MIN_FREE_MB = env_int("HEALTH_MIN_FREE_MB", 500, minimum=0)
HEALTH_BEAT_MAX_AGE_SECONDS = env_int("HEALTH_BEAT_MAX_AGE_SECONDS", 600, minimum=60)

# --- Monthly reporting -----------------------------------------------------------
# Units may edit a month's figures until this day of the following month.
MONTHLY_DEADLINE_DAY = env_int("MONTHLY_DEADLINE_DAY", 5, minimum=1, maximum=31)  # 31: the month's last day

# --- Celery -------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes={"redis", "rediss"})
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
# A unit's dashboard after a write is recomputed by a task of the reports' queue (the pages show the previous figures
# meanwhile) when there is a broker and workers; without one, the request that finds it stale computes it.
DASHBOARD_REFRESH_TASKS = env_bool("DASHBOARD_REFRESH_TASKS", REDIS_URL is not None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A broker that does not answer must not hold a request up: fail fast (portal.jobs.job_dispatch keeps the job
# pending and the sweep sends it when the broker is back).
CELERY_BROKER_CONNECTION_TIMEOUT = 1.0
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 5.0, "max_retries": 0}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1.0
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 2, "interval_start": 0,
                                                            "interval_step": 0.5, "interval_max": 0.5}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict = {
    # On the 1st of each month, store the month just ended of every unit's progress (dashboard trend).
    "store-progress-snapshots": {
        "task": "portal.tasks.store_progress_snapshots",  # defined in reports.tasks
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
    },
    # Re-queue report jobs left running by a worker that died (lease expired, see portal.jobs).
    "requeue-stale-report-jobs": {
        "task": "portal.tasks.requeue_stale_report_jobs",
        "schedule": 120.0,
    },
    # Every morning: reminders of deadlines and overdue months, and the day's e-mail digests (send_reminders).
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": crontab(minute=30, hour=6),
    },
    # Every hour: send again the digests a mail server refused or never got.
    "retry-notification-digests": {
        "task": "notifications.tasks.retry_digests",
        "schedule": crontab(minute=15),
    },
}

# --- Cache -------------------------------------------------------------------
# Shared by every process: through Redis when CACHE_URL (or REDIS_URL) is set, otherwise in
# files under CACHE_DIR, which every process of this machine reads (runserver, gunicorn's
# workers, and the management commands that import or load data: their writes drop the
# server's cached figures at once, see portal.cache_version). Keys carry the database's
# identity, so two databases served from one checkout or one Redis never share an entry.
CACHE_URL = env_url("CACHE_URL", schemes={"redis", "rediss"}) or REDIS_URL
_DB = DATABASES["default"]
_CACHE_KEY_PREFIX = "portal-" + hashlib.sha256(
    "|".join(str(_DB.get(k, "")) for k in ("ENGINE", "HOST", "PORT", "NAME")).encode()).hexdigest()[:12]
# Errors of the cache are misses (portal.cache_backends): pages work without it and use it again when it is back.
CACHES = {
    "default": {"BACKEND": "portal.cache_backends.ResilientRedisCache", "LOCATION": CACHE_URL,
                "KEY_PREFIX": _CACHE_KEY_PREFIX,
                # A cache that does not answer must not hold a page up: fail fast, then compute without it.
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}}
    if CACHE_URL else
    {"BACKEND": "portal.cache_backends.ResilientFileBasedCache",
     "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
     "KEY_PREFIX": _CACHE_KEY_PREFIX, "OPTIONS": {"MAX_ENTRIES": 5000}}
}
# Cached figures (the dashboard, the worker list's count) are kept this long at most; any change
# to the data drops them at once (portal.cache_version).
FIGURES_CACHE_SECONDS = env_int("FIGURES_CACHE_SECONDS", 600, minimum=0)

# Report jobs: kind -> plain function (job) -> result, run by portal.tasks.run_report_job.
REPORT_JOB_KINDS: dict[str, str] = {
    "progress": "reports.progress.jobs.run_progress_job",
    "review": "reports.review.run_review_job",
    "export": "portal.exports.run_export_job",  # every export of a list screen (portal.exports)
    "import_workers": "workers.import_jobs.run_import_job",  # a long worker sheet (workers.import_jobs)
    "history_preview": "history.jobs.run_preview",
    "history_commit": "history.jobs.run_commit",
    "history_rollback": "history.jobs.run_rollback",
}
# A running job whose worker gave no sign of life (progress step) for this long is presumed dead and re-run.
REPORT_JOB_LEASE_SECONDS = env_int("REPORT_JOB_LEASE_SECONDS", 15 * 60, minimum=1)
# Where the result of a finished job is shown (URL name taking the job id); the job page links to it.
REPORT_JOB_RESULT_URLS: dict[str, str] = {
    "progress": "progress:result",
    "import_workers": "workers:import_result",
    "history_preview": "history:job_result",
    "history_commit": "history:job_result",
    "history_rollback": "history:job_result",
}

# --- E-mail and reminders -------------------------------------------------------------
# Django's mail framework, from the environment; by default mails are printed on the console (nothing leaves).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cổng XKLĐ <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
# The portal's address as its users reach it: links in e-mails (sent by commands too, with no request to read it from).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000").removesuffix("/")
# Days before a monthly deadline a person is reminded (each may choose otherwise in their settings).
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 3, minimum=0, maximum=31)
# An overdue month is reminded on its first late day, then again every this many days (0: once).
REMINDER_OVERDUE_REPEAT_DAYS = env_int("REMINDER_OVERDUE_REPEAT_DAYS", 7, minimum=0)
# A report job that ran this long (or failed) tells its author in the bell: they may have left the page.
JOB_NOTIFY_AFTER_SECONDS = env_int("JOB_NOTIFY_AFTER_SECONDS", 10, minimum=0)

# --- Security (production) ---------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the monitoring probe asks over plain HTTP on the machine
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Each app's demo data, loaded in this order by `manage.py load_demo` after the units and accounts.
DEMO_LOADERS: list[str] = [
    "targets.reform_demo.load",
    "workers.demo.load",
    "workers.aftercare.demo.load",  # before the demos that pick among the demo workers
    "targets.demo.load",  # after the registry: the districts' monthly figures are its departures
    "support.demo.load",
    "outreach.demo.load",
    "complaints.demo.load",
    "training.demo.load",
    "targets.goals_demo.load",
    "history.demo.load",
    "reports.figures_demo.load",  # after every loader that records departures: the figures agree with them
    "targets.rules_demo.load",  # after this year's monthly figures (2025 structure): a rule broken, an outlier, a range
    "notifications.demo.load",  # the morning's reminders, once every month of the demo is in place
    "reports.demo.load",
    "accounts.demo.load",
]

# --- Accounts (accounts/) ----------------------------------------------------------------
# E-mail (EMAIL_*, DEFAULT_FROM_EMAIL) and PORTAL_BASE_URL: see "E-mail and reminders" above.
# A one-time link to set one's password works once and expires after this many seconds (Django's token).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600, minimum=300)
# A printed one-time code (for an account without e-mail) works once and expires after this many days.
ACCOUNT_CODE_DAYS = env_int("ACCOUNT_CODE_DAYS", 7, minimum=1)
# An account that has not logged in for this many days is flagged (a province may set its own period).
ACCOUNT_INACTIVE_DAYS = env_int("ACCOUNT_INACTIVE_DAYS", 90, minimum=1)
