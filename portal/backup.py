"""Backups that restore: pg_dump/pg_restore on PostgreSQL, SQLite's online backup API otherwise.

A backup is one file. Restoring goes into an EMPTY database only (never over
live data): on PostgreSQL a database that has no tables yet, on SQLite a file
that does not exist yet (``SQLITE_PATH`` then points the portal at it).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    pass


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def backup_database(out: Path, *, alias: str = "default") -> Path:
    """Write the backup to ``out``: first under a temporary name beside it, moved into place only when complete,
    so a failure (disk full, folder not writable, the database gone) leaves no partial file and never spoils an
    earlier backup of the same name."""
    connection = connections[alias]
    db = connection.settings_dict
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot create the folder {out.parent}: {exc.strerror or exc}") from exc
    partial = out.with_name(f".{out.name}.part")
    try:
        if connection.vendor == "postgresql":
            result = subprocess.run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(partial),
                 db["NAME"]],
                env=_pg_env(db), capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}. Nothing was written; an earlier backup "
                                  "there is untouched.")
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            raise BackupError(f"Backups are not supported on {connection.vendor}.")
        os.replace(partial, out)
    except (OSError, sqlite3.Error) as exc:
        raise BackupError(f"The backup could not be written to {out}: {getattr(exc, 'strerror', None) or exc}. "
                          "Nothing was written; an earlier backup there is untouched.") from exc
    finally:
        if partial.exists():
            partial.unlink()
    return out


def restore_database(backup: Path, *, alias: str = "default", target_name: str | None = None) -> None:
    """Restore ``backup`` into an empty database (``target_name``, default the configured one)."""
    if not backup.is_file():
        raise BackupError(f"No such backup file: {backup}")
    connection = connections[alias]
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        name = target_name or db["NAME"]
        env = _pg_env(db)
        probe = subprocess.run(
            [_tool("psql"), "-tAc", "SELECT count(*) FROM pg_tables WHERE schemaname='public'", name],
            env=env, capture_output=True, text=True,
        )
        if probe.returncode != 0:
            raise BackupError(f"Cannot reach database {name}: {probe.stderr.strip()}")
        if probe.stdout.strip() != "0":
            raise BackupError(f"Database {name} is not empty: restore only into an empty database.")
        result = subprocess.run(
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", name, str(backup)],
            env=env, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    elif connection.vendor == "sqlite":
        target = Path(target_name or db["NAME"])
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore only into a new database file.")
        source = sqlite3.connect(backup)
        # CHECK constraints written by Django may call REGEXP, which plain sqlite3 lacks.
        source.create_function(
            "REGEXP", 2, lambda pattern, value: value is not None and re.search(pattern, str(value)) is not None,
            deterministic=True,
        )
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{backup} is damaged.")
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
        finally:
            source.close()
    else:
        raise BackupError(f"Restores are not supported on {connection.vendor}.")
