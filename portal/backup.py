"""Backup and restore (issue 11): the database, the audit checkpoint file(s) and a signed manifest in
one folder, so that after a restore the audit trail and its checkpoints verify (R-AUD-1) and every
sealed original still verifies at /verify (R-SIGN-3).

PostgreSQL is dumped with `pg_dump --format=custom` and restored with `pg_restore`; SQLite is copied
with SQLite's online backup API (a consistent copy while the portal runs).
"""
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from portal.audit_checkpoints import CheckpointRefused, checkpoint_dir, checkpoint_files, trail_head, write_checkpoint
from portal.documents import seal
from portal.extensions import db
from portal.models.base import utcnow

MANIFEST = "manifest.json"
CHECKPOINTS = "audit-checkpoints"
DATABASE_FILE = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
MANIFEST_TYPE = "portal-backup"


class BackupError(RuntimeError):
    pass


def _dialect():
    return db.engine.dialect.name


def _libpq(url):
    """A libpq URL without the password (which goes in PGPASSWORD, not on a command line others can see)."""
    url = make_url(url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name):
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return found


def _run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")
    return result


def _sha256(path):
    return seal.sha256(Path(path).read_bytes())


def _schema_revisions():
    return sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))


def _dump_database(target):
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if _dialect() == "postgresql":
        libpq, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--file", str(target), libpq], env)
    else:
        source, copy = sqlite3.connect(make_url(url).database), sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            source.close()
            copy.close()


def create_backup(directory):
    """Write a checkpoint, copy the checkpoint file(s), dump the database and sign a manifest of it all.
    Returns (manifest, notes for the operator)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} is not empty: give a new folder for each backup")
    notes = []
    try:
        write_checkpoint()
    except CheckpointRefused as refused:
        notes.append(f"No new audit checkpoint (the trail does not match the newest one): {refused}")
    except seal.KeysMissing as missing:
        notes.append(f"No new audit checkpoint: {missing}")
    count, last_id, last_hash = trail_head()
    revisions = _schema_revisions()
    db.session.commit()
    # The dump holds DWP-held personal data: only the portal's own account may read it.
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    (directory / CHECKPOINTS).mkdir()
    # The checkpoint files are copied before the dump, so every checkpoint in the backup describes a
    # trail the dump holds in full (events only ever get added).
    for path in checkpoint_files():
        shutil.copy2(path, directory / CHECKPOINTS / path.name)
    database_file = directory / DATABASE_FILE[_dialect()]
    _dump_database(database_file)
    files = sorted([database_file] + list((directory / CHECKPOINTS).iterdir()))
    for path in files:
        path.chmod(0o600)
    manifest = {
        "type": MANIFEST_TYPE,
        "created_at": utcnow().isoformat(timespec="seconds"),
        "database": _dialect(),
        "schema_revisions": revisions,
        "audit_trail_before_dump": {"event_count": count, "last_event_id": last_id, "last_event_hash": last_hash},
        "files": {str(p.relative_to(directory)): {"sha256": _sha256(p), "size": p.stat().st_size} for p in files},
    }
    try:
        _text, signature = seal.sign_record(manifest)
    except seal.KeysMissing as missing:
        signature = None
        notes.append(f"The manifest is not signed: {missing}")
    (directory / MANIFEST).write_text(json.dumps({"manifest": manifest, "signature": signature}, indent=2) + "\n")
    return manifest, notes


def check_backup(directory):
    """The manifest, after checking every file's SHA-256 and the manifest's signature."""
    directory = Path(directory)
    try:
        entry = json.loads((directory / MANIFEST).read_text())
        manifest, signature = entry["manifest"], entry["signature"]
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as unreadable:
        raise BackupError(f"No readable {MANIFEST} in {directory}: {unreadable}") from unreadable
    if manifest.get("type") != MANIFEST_TYPE:
        raise BackupError(f"{directory / MANIFEST} is not a portal backup manifest")
    if signature is None or not seal.record_is_genuine(seal.canonical(manifest), signature):
        raise BackupError("The manifest's signature does not hold: not a backup made with this portal's keys, "
                          "or changed since")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{name} is missing or differs from the manifest")
    return manifest


def _database_is_empty():
    return not inspect(db.engine).get_table_names()


def restore_backup(directory):
    """Restore a backup into the configured, empty database; put its checkpoint file(s) in
    AUDIT_CHECKPOINT_DIR unless a file of that name is already there. Returns notes for the operator."""
    directory = Path(directory)
    manifest = check_backup(directory)
    if manifest["database"] != _dialect():
        raise BackupError(f"This is a {manifest['database']} backup; the portal's database is {_dialect()}")
    if not _database_is_empty():
        raise BackupError("The portal's database already has tables: restore into a new, empty database")
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    database_file = directory / DATABASE_FILE[_dialect()]
    db.session.remove()
    db.engine.dispose()
    if _dialect() == "postgresql":
        libpq, env = _libpq(url)
        # --clean --if-exists: the dump may create the public schema that a new database already has.
        _run([_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner", "--no-acl",
              "--clean", "--if-exists", "--dbname", libpq, str(database_file)], env)
    else:
        source, target = sqlite3.connect(database_file), sqlite3.connect(make_url(url).database)
        try:
            with target:
                source.backup(target)
        finally:
            source.close()
            target.close()
    db.engine.dispose()
    notes = []
    live = checkpoint_dir()
    live.mkdir(parents=True, exist_ok=True)
    for path in sorted((directory / CHECKPOINTS).glob("*.jsonl")):
        if (live / path.name).exists():
            # The live file is the better witness: it shows what a restore of an older backup lost.
            notes.append(f"Kept the existing {live / path.name}; the backup's copy was not installed.")
        else:
            shutil.copy2(path, live / path.name)
            notes.append(f"Installed the backup's {path.name} in {live}.")
    return notes
