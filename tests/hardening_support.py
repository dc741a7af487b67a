"""Test-only helpers for tests/test_hardening_*.py: a slow report job a real worker can be killed in.

Also used as the job kind of the worker subprocess: see ``tests/hardening_worker_settings.py``.
"""
from __future__ import annotations

import time

from portal.jobs import JobOutput, job_progress

SLOW_STEPS = 6
STEP_SECONDS = 0.4


def slow_report_bytes(job) -> bytes:
    """The file a complete run writes: the same on every run of the same job."""
    lines = [f"report {job.pk} for unit {job.unit.code}"] + [f"step {i}: {i * i}" for i in range(SLOW_STEPS)]
    return ("\n".join(lines) + "\n").encode()


def slow_job(job):
    """Works in steps (each one a heartbeat), then writes its file slowly: half, a pause, the rest."""
    for step in range(SLOW_STEPS):
        job_progress(job, 10 + step * 10)
        time.sleep(STEP_SECONDS)
    content = slow_report_bytes(job)

    def write(fileobj):
        fileobj.write(content[: len(content) // 2])
        fileobj.flush()
        job_progress(job, 90)  # the test kills the worker once it sees 90: in the middle of the file
        for _ in range(SLOW_STEPS):
            time.sleep(STEP_SECONDS)
            job_progress(job, 90)
        fileobj.write(content[len(content) // 2:])

    return JobOutput(result={"steps": SLOW_STEPS, "total": sum(i * i for i in range(SLOW_STEPS))},
                     filename="slow.txt", write=write)
