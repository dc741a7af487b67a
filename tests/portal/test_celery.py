from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from portal.celery import app
from portal.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


class EagerTests:
    def test_without_a_broker_tasks_run_in_process(self, settings):
        if os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is set: tasks go to a real worker (covered by WorkerTests)")
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
        assert ping.delay(1).get(timeout=1) == 2


@pytest.mark.celery_worker
class WorkerTests:
    def test_a_real_worker_on_redis_runs_a_task(self):
        redis_url = os.environ.get("REDIS_URL")
        if not redis_url:
            pytest.skip("REDIS_URL is not set: no broker to test a real worker against")
        assert app.conf.task_always_eager is False
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=WARNING",
             "-n", f"test-{os.getpid()}@%h"],
            cwd=ROOT, env={**os.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            result = ping.delay(41)
            deadline = time.monotonic() + 60
            while not result.ready() and time.monotonic() < deadline:
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.2)
            assert result.get(timeout=1) == 42
        finally:
            worker.terminate()
            worker.wait(timeout=30)
