"""``manage.py benchmark``: the portal against raw baselines on the same data, in one run.

Composes the apps through ``scale.benchmark`` and ``scale.synthetic`` (tooling).
Generates the data first when the registry is empty; otherwise measures the
data that is there.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Max

from scale import benchmark as bench


class Command(BaseCommand):
    help = ("Measure progress reports, the worker export and import, query counts of the list pages and the "
            "dashboard, and response times under 20 clients, each against a raw baseline; print a table and "
            "write the JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=20_000,
                            help="Workers to generate when the registry is empty (default 20,000).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--province", action="append", dest="provinces", metavar="CODE",
                            help="Provinces to generate (when the registry is empty); default all 63.")
        parser.add_argument("--out", required=True, help="JSON file to write.")
        parser.add_argument("--parts", default="progress,scope,export,import,history,queries,load",
                            help="Comma-separated parts to run (default: all).")
        parser.add_argument("--export-rows", type=int, default=0, help="Limit the export to N workers (0: all).")
        parser.add_argument("--import-rows", type=int, default=20_000, help="Rows of the import file (20,000).")
        parser.add_argument("--history-rows", type=int, default=50_000,
                            help="Rows of the legacy file of the history part (50,000).")
        parser.add_argument("--clients", type=int, default=20, help="Concurrent clients of the load test (20).")
        parser.add_argument("--requests", type=int, default=10, help="Requests per client and page (10).")
        parser.add_argument("--import-memory-rows", type=int, default=200_000,
                            help="Rows of the sheet whose import's memory is measured in a subprocess (200,000; "
                                 "0: not measured).")
        parser.add_argument("--child", choices=["portal", "baseline", "serve", "import"],
                            help="Internal: one export subprocess, the import's memory, or the load test's server.")
        parser.add_argument("--import-file", help="Internal: the sheet of the import's memory subprocess.")
        parser.add_argument("--port", type=int, default=0, help="Internal: the load test server's port.")
        parser.add_argument("--server-workers", type=int, default=bench.SERVER_WORKERS,
                            help=f"gunicorn sync workers of the load test's server ({bench.SERVER_WORKERS}).")

    def handle(self, *args, **options):
        if options["child"] == "serve":
            bench.serve(options["port"], workers=options["server_workers"])
            return
        if options["child"] == "import":
            Path(options["out"]).write_text(json.dumps(bench.import_child(options["import_file"])))
            return
        if options["child"]:
            result = bench.export_child(options["child"], options["export_rows"] or None)
            Path(options["out"]).write_text(json.dumps(result))
            return
        from workers.models import Departure, Worker

        parts = {p.strip() for p in options["parts"].split(",") if p.strip()}
        unknown = parts - {"progress", "scope", "export", "import", "history", "queries", "load"}
        if unknown:
            raise CommandError(f"Unknown parts: {', '.join(sorted(unknown))}")
        results = bench.Results()
        results.data["machine"] = bench.machine()
        if not Worker.objects.exists():
            from scale.synthetic import Options, generate

            self.stdout.write(f"Empty registry: generating {options['workers']:,} workers…")
            summary = generate(Options(workers=options["workers"], provinces=options["provinces"],
                                       seed=options["seed"], progress=options["verbosity"] > 0))
            results.data["generated"] = {"seconds": round(summary.seconds, 1), "method": summary.method,
                                         "counts": dict(summary.counts)}
        elif Worker.objects.count() != options["workers"]:
            self.stdout.write(f"Measuring the {Worker.objects.count():,} workers already in the registry.")
        results.data["data"] = bench.data_summary()
        users = bench.bench_users()
        year = Departure.objects.aggregate(m=Max("date"))["m"].year
        steps = [
            ("progress", lambda: bench.bench_progress(results, year)),
            ("scope", lambda: bench.bench_scope(results, users, year)),
            ("export", lambda: bench.bench_export(results, options["export_rows"] or None)),
            ("import", lambda: bench.bench_import(results, options["import_rows"], users["admin"],
                                                   users["units"]["province"],
                                                   memory_rows=options["import_memory_rows"])),
            ("history", lambda: bench.bench_history(results, options["history_rows"], users["admin"],
                                                     users["units"]["province"])),
            ("queries", lambda: bench.bench_queries(results, users)),
            ("load", lambda: bench.bench_load(results, users, clients=options["clients"],
                                               requests_per_client=options["requests"],
                                               workers=options["server_workers"])),
        ]
        timings = {}
        for name, step in steps:
            if name not in parts:
                continue
            self.stdout.write(f"… {name}")
            start = time.perf_counter()
            step()
            timings[name] = round(time.perf_counter() - start, 1)
        results.data["step_seconds"] = timings
        Path(options["out"]).write_text(json.dumps(results.to_dict(), ensure_ascii=False, indent=2, default=str))
        self.stdout.write(bench.table(results))
        missed = [target for target in results.targets() if target["met"] is False]
        for target in missed:
            self.stdout.write(f"MISSED: {target['name']}: {target['value']} (target {target['target']})")
        self.stdout.write(f"Written {options['out']}")
