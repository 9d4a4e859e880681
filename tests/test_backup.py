"""Backup and restore drill (issue 11, R-AUD-1, R-SIGN-3): after a restore into a new database the audit
trail and its checkpoints verify, and every sealed original still verifies at /verify."""
import io
import json
import os
import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal import audit, create_app
from portal.backup import MANIFEST
from portal.documents import service as documents
from portal.extensions import db
from portal.models import AuditCheckpoint, AuditEvent, DocumentOriginal, VersionSeal
from tests.conftest import test_config
from tests.test_documents_service import agreed, originals  # noqa: F401 - `agreed` is a fixture
from tests.test_plans import started  # noqa: F401 - a fixture `agreed` uses


@contextmanager
def new_database(database_url, tmp_path, name):
    """A new, empty database beside the test database (PostgreSQL) or a new file (SQLite)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / (name + '.sqlite3')}"
        return
    url = make_url(database_url)
    database = f"{url.database}_{name}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def restored_app(url, checkpoint_dir):
    return create_app(test_config(url, AUDIT_CHECKPOINT_DIR=str(checkpoint_dir)))


def cli(app, *args):
    """Run a command of this app (with_appcontext would otherwise use the app whose context is current)."""
    db.session.commit()
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def backup(app, agreed, tmp_path):
    """A backup of a world with an agreed, sealed plan and a signed audit checkpoint."""
    customer, _plan, version = agreed
    assert cli(app, "audit-checkpoint").exit_code == 0
    audit.record_and_commit("test.after_checkpoint")
    result = cli(app, "backup", "create", str(tmp_path / "backup"))
    assert result.exit_code == 0, result.output
    sealed = [(o.content, o.kind) for o in originals(version)]
    return tmp_path / "backup", documents.seal_of(version).code, sealed, version


def test_the_backup_holds_the_dump_the_checkpoints_and_a_signed_manifest(app, backup):
    directory, _code, _sealed, _version = backup
    entry = json.loads((directory / MANIFEST).read_text())
    manifest = entry["manifest"]
    assert entry["signature"] and manifest["database"] == db.engine.dialect.name
    assert set(manifest["files"]) == {"database.dump" if db.engine.dialect.name == "postgresql" else "database.sqlite3",
                                      "audit-checkpoints/audit-checkpoints.jsonl"}
    # The backup wrote a checkpoint of its own, after the event that followed the first one.
    assert len((directory / "audit-checkpoints" / "audit-checkpoints.jsonl").read_text().splitlines()) == 2
    assert manifest["audit_trail_before_dump"]["event_count"] == db.session.scalar(
        select(func.count()).select_from(AuditEvent))
    assert cli(app, "backup", "create", str(directory)).exit_code != 0  # never into a used folder
    # It holds DWP-held data: nobody but the portal's account may read it.
    assert directory.stat().st_mode & 0o077 == 0


def test_the_restore_drill_verifies_the_audit_trail_and_every_sealed_original(app, backup, database_url, tmp_path):
    """R-AUD-1, R-SIGN-3: restore into a new database; the trail, its checkpoints and /verify all hold."""
    directory, code, sealed, version = backup
    events_at_backup = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with new_database(database_url, tmp_path, "restore") as url:
        restored = restored_app(url, tmp_path / "restored-checkpoints")
        result = cli(restored, "backup", "restore", str(directory))
        assert result.exit_code == 0, result.output
        assert "Installed the backup's audit-checkpoints.jsonl" in result.output
        assert "Restored. Audit trail intact" in result.output
        verified = cli(restored, "verify-audit")
        assert verified.exit_code == 0 and f"Audit trail intact: {events_at_backup} events; 2 signed checkpoints agree, the newest of" \
            in verified.output
        with restored.app_context():
            assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2
            assert db.session.scalar(select(func.count()).select_from(DocumentOriginal)) == len(sealed)
            assert db.session.scalar(select(VersionSeal.code).where(VersionSeal.version_id == version.id)) == code
            public = restored.test_client()
            assert "This is the current version" in public.get(f"/verify/{code}").get_data(as_text=True)
            for content, kind in sealed:
                page = public.post("/verify/", data={"document": (io.BytesIO(content), f"plan.{kind}")},
                                   content_type="multipart/form-data").get_data(as_text=True)
                assert "This file is a genuine original" in page, kind
        # The database now has tables: a second restore into it is refused, nothing changed.
        again = cli(restored, "backup", "restore", str(directory))
        assert again.exit_code != 0 and "already has tables" in again.output
        with restored.app_context():
            db.engine.dispose()


def test_restoring_an_older_backup_beside_the_live_checkpoint_file_reports_the_lost_events(
        app, backup, database_url, tmp_path):
    """R-AUD-1: the live checkpoint file outlives the database, so the events lost with it are reported."""
    directory, _code, _sealed, _version = backup
    audit.record_and_commit("test.after_backup")
    assert cli(app, "audit-checkpoint").exit_code == 0
    live = app.config["AUDIT_CHECKPOINT_DIR"]
    with new_database(database_url, tmp_path, "older") as url:
        restored = restored_app(url, live)
        result = cli(restored, "backup", "restore", str(directory))
        assert result.exit_code != 0
        assert "Kept the existing" in result.output and "Missing tail" in result.output
        with restored.app_context():
            db.engine.dispose()


def test_a_changed_backup_is_refused_before_anything_is_restored(app, backup, database_url, tmp_path):
    directory, _code, _sealed, _version = backup
    changed = tmp_path / "changed"
    shutil.copytree(directory, changed)
    with open(changed / "audit-checkpoints" / "audit-checkpoints.jsonl", "a", encoding="utf-8") as output:
        output.write("\n")
    with new_database(database_url, tmp_path, "changed") as url:
        restored = restored_app(url, tmp_path / "changed-checkpoints")
        result = cli(restored, "backup", "restore", str(changed))
        assert result.exit_code != 0 and "differs from the manifest" in result.output
        entry = json.loads((directory / MANIFEST).read_text())
        entry["manifest"]["created_at"] = "2020-01-01T00:00:00+00:00"
        (changed / MANIFEST).write_text(json.dumps(entry))
        result = cli(restored, "backup", "restore", str(changed))
        assert result.exit_code != 0 and "signature does not hold" in result.output
        with restored.app_context():
            assert db.inspect(db.engine).get_table_names() == []
            db.engine.dispose()
