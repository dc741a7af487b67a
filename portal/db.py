"""Database connections that ride through a restart and never let a runaway query hold a page.

``CONN_HEALTH_CHECKS`` (settings) makes a connection kept between requests prove it still works before it is
used, so the first requests after PostgreSQL restarts reconnect instead of failing. :func:`limit_statements`
sets PostgreSQL's ``statement_timeout`` for the connections a process opens: the web server's
(``portal.wsgi``) a short one, a Celery worker's (``portal.tasks``) the longer one reports need; management
commands (migrations, imports, backups, the synthetic data) keep none.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connections
from django.db.models.lookups import In

_TIMEOUT_FLAG = re.compile(r"\s*-c\s*statement_timeout=\S+")


def with_statement_timeout(flags: str, seconds: int) -> str:
    """libpq's ``options`` with the statement timeout set to ``seconds`` (0: none), other flags kept."""
    flags = _TIMEOUT_FLAG.sub("", flags or "").strip()
    return f"{flags} -c statement_timeout={int(seconds) * 1000}".strip() if seconds else flags


def limit_statements(seconds: int) -> None:
    """From now on every PostgreSQL connection of this process cancels a statement running longer than
    ``seconds`` (0: no limit). Open connections are closed so that the next one takes the setting."""
    for connection in connections.all(initialized_only=False):
        if connection.vendor != "postgresql":
            continue
        options = connection.settings_dict.setdefault("OPTIONS", {})
        flags = with_statement_timeout(options.get("options", ""), seconds)
        if flags:
            options["options"] = flags
        else:
            options.pop("options", None)
        connection.close()


def run_per_vendor(schema_editor, statements: dict[str, Iterable[str]], *, what: str) -> None:
    """Execute the statements written for the database's vendor (a migration's triggers, their fill or their drop);
    a vendor none were written for is refused by name."""
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No {what} for {vendor}")
    for sql in statements[vendor]:
        schema_editor.execute(sql)


def is_distinct(vendor: str, a: str, b: str) -> str:
    """SQL for "``a`` differs from ``b``, NULL being a value like any other" in the vendor's dialect."""
    return f"{a} IS DISTINCT FROM {b}" if vendor == "postgresql" else f"{a} IS NOT {b}"


class IntegerIn(In):
    """``IN`` on an integer column leaves out the numbers the column cannot hold.

    No row can have them, and the database driver refuses them (SQLite: ``OverflowError``, PostgreSQL: "out of
    range for type integer"), so an id of 10^20 typed into a multiple choice or a list of ids would answer a
    server error. Django already does this for ``exact``, ``lt``… (``IntegerFieldOverflow``); registered on
    ``IntegerField`` (every integer and auto field inherits it) by ``portal.apps``.
    """

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not isinstance(value, int)
                        or ((low is None or value >= low) and (high is None or value <= high))]
        return super().process_rhs(compiler, connection)
