"""Settings of the Celery worker subprocess started by tests/test_hardening_jobs.py: the portal's, plus a slow job."""
from portal.settings import *  # noqa: F401,F403
from portal.settings import REPORT_JOB_KINDS

REPORT_JOB_KINDS = {**REPORT_JOB_KINDS, "slow": "tests.hardening_support.slow_job"}
