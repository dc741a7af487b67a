"""The house's plan holds (docs/ARCHITECTURE.md): apps depend downward only, no module imports in a cycle, the
core imports no app outside its wiring, and no code outside the unit tree takes a unit's path apart."""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("portal", "notifications", "accounts", "workers", "targets", "support", "outreach", "complaints", "training",
        "history", "reports", "scale")
WIRING = {"settings.py", "urls.py", "celery.py"}


def python_files(app: str):
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


class ArchitectureTests:
    def test_the_contracts_of_import_linter_are_kept(self):
        result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
        assert "Contracts: 2 kept, 0 broken." in result.stdout

    def test_the_core_imports_no_app_outside_its_wiring(self):
        others = tuple(app for app in APPS if app != "portal")
        offenders = sorted(
            f"{path.relative_to(ROOT)} imports {module}"
            for path in python_files("portal") if path.name not in WIRING
            for module in imported_modules(path) if module.split(".")[0] in others
        )
        assert offenders == []

    def test_workers_imports_no_app_above_it(self):
        above = ("targets", "support", "outreach", "complaints", "training", "reports", "scale")
        offenders = sorted(f"{path.relative_to(ROOT)} imports {module}" for path in python_files("workers")
                           for module in imported_modules(path) if module.split(".")[0] in above)
        assert offenders == []

    def test_no_module_name_carries_another_apps_prefix(self):
        def other_prefix(app: str) -> re.Pattern:
            return re.compile(r"^(%s)_" % "|".join(other for other in APPS if other != app))

        assert sorted(str(p.relative_to(ROOT)) for app in APPS for p in python_files(app)
                      if other_prefix(app).match(p.stem)) == []

    def test_only_the_unit_tree_takes_a_path_apart(self):
        parsing = re.compile(r"""path\.split\(|path\.rsplit\(|path\.partition\(|path\.count\(|\.rstrip\(["']/["']\)"""
                             r"""|path\[[^\]]*:[^\]]*\]|rfind\(["']/["']\)""")
        offenders = sorted(f"{path.relative_to(ROOT)}:{number}" for app in APPS for path in python_files(app)
                           if path != ROOT / "portal" / "tree.py"
                           for number, line in enumerate(path.read_text().splitlines(), start=1)
                           if parsing.search(line))
        assert offenders == []
