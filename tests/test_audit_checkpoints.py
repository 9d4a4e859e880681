"""Signed audit checkpoints (issue 11, R-AUD-1): a shortened audit trail is detected, not only an edited row."""
import base64
import json
import threading
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import audit
from portal.audit_checkpoints import FILE_NAME, CheckpointRefused, run_every, verify_trail, write_checkpoint
from portal.documents import seal
from portal.extensions import db
from portal.models import AuditCheckpoint, AuditEvent


def bypass_triggers(table, statement):
    """Play the part of someone changing the database directly, around the append-only triggers."""
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(statement))
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"), {"table": table}).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            connection.execute(text(statement))
            for _name, sql in triggers:
                connection.execute(text(sql))
    db.session.expire_all()


def events(n, start=0):
    for i in range(start, start + n):
        audit.record_and_commit("test.event", detail={"n": i})
    audit.chain_pending()  # the job the worker or cron runs (issue 18)
    return db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()


def verify(app):
    return app.test_cli_runner().invoke(args=["verify-audit"])


def checkpoint(app):
    result = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert result.exit_code == 0, result.output
    return result


def checkpoint_file(app):
    return Path(app.config["AUDIT_CHECKPOINT_DIR"]) / FILE_NAME


def test_R_AUD_1_an_intact_trail_with_checkpoints_says_intact(app, app_context):
    events(4)
    assert "Checkpoint written: 4 events up to event" in checkpoint(app).output
    events(3, start=4)  # events after the newest checkpoint are fine
    result = verify(app)
    assert result.exit_code == 0 and "Audit trail intact: 7 events; 1 signed checkpoint agrees, the newest of" in result.output
    assert "has not changed" not in checkpoint(app).output
    assert "has not changed since the newest checkpoint" in checkpoint(app).output
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 2
    assert len(checkpoint_file(app).read_text().splitlines()) == 2
    assert verify(app).exit_code == 0


def test_R_AUD_1_truncating_the_newest_five_events_after_a_checkpoint_is_reported(app, app_context):
    """Fails on the code before issue 11: the shortened chain is still a valid chain, so it said 'intact'."""
    ids = events(10)
    checkpoint(app)
    bypass_triggers("audit_event", f"DELETE FROM audit_event WHERE id > {ids[4]}")
    assert audit.verify_chain() is None  # what the hash chain alone sees

    result = verify(app)
    assert result.exit_code != 0
    assert "Missing tail" in result.output and f"counted 10 events up to event {ids[-1]}" in result.output
    assert f"event {ids[-1]} is missing (the trail now has 5 events)" in result.output
    assert "Audit trail intact" not in result.output
    # New events written since do not hide it, and no new checkpoint may vouch for the shortened trail.
    events(6, start=100)
    assert verify(app).exit_code != 0
    refused = app.test_cli_runner().invoke(args=["audit-checkpoint"])
    assert refused.exit_code != 0 and "Missing tail" in refused.output


def test_R_AUD_1_the_checkpoint_file_reports_a_missing_tail_when_the_table_was_rolled_back_too(app, app_context):
    """As after restoring an older backup: the database's own checkpoints are gone with its events."""
    ids = events(3)
    checkpoint(app)
    events(5, start=3)
    checkpoint(app)
    bypass_triggers("audit_event", f"DELETE FROM audit_event WHERE id > {ids[-1]}")
    newest = db.session.scalar(select(func.max(AuditCheckpoint.id)))
    bypass_triggers("audit_checkpoint", f"DELETE FROM audit_checkpoint WHERE id = {newest}")
    report = verify_trail()
    assert not report.intact
    assert [p for p in report.problems if p.startswith("Missing tail")] == [report.problems[-1]]
    assert f"{FILE_NAME} line 2" in report.problems[-1] and "counted 8 events" in report.problems[-1]


def test_R_AUD_1_a_replaced_tail_is_reported(app, app_context):
    """Deleting the newest events and writing others in their place: the id is there, its hash is not."""
    ids = events(6)
    checkpoint(app)
    bypass_triggers("audit_event", f"DELETE FROM audit_event WHERE id > {ids[2]}")
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('audit_event', 'id'), :id)"), {"id": ids[2]})
    events(4, start=50)
    assert audit.verify_chain() is None
    result = verify(app)
    assert result.exit_code != 0 and f"event {ids[-1]} has another hash than the checkpoint" in result.output


def test_R_AUD_1_an_edited_row_is_reported_at_its_exact_id(app, app_context):
    ids = events(8)
    checkpoint(app)
    bypass_triggers("audit_event", f"UPDATE audit_event SET detail = '{{\"n\": 99}}' WHERE id = {ids[3]}")
    report = verify_trail()
    assert report.broken == [ids[3]]
    result = verify(app)
    assert result.exit_code != 0 and f"Audit trail broken at event {ids[3]}" in result.output
    assert "Missing tail" not in result.output  # the tail is all there


def test_R_AUD_1_no_checkpoint_vouches_for_an_event_edited_since_the_last_one(app, app_context):
    events(3)
    checkpoint(app)
    ids = events(3, start=3)
    bypass_triggers("audit_event", f"UPDATE audit_event SET action = 'edited' WHERE id = {ids[4]}")
    with pytest.raises(CheckpointRefused, match=f"broken at event {ids[4]}"):
        write_checkpoint()
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1


def _forge(app, **changes):
    line = json.loads(checkpoint_file(app).read_text().splitlines()[-1])
    line["record"].update(changes)
    with open(checkpoint_file(app), "a", encoding="utf-8") as output:
        output.write(json.dumps(line) + "\n")


def test_R_AUD_1_a_forged_checkpoint_is_refused(app, app_context):
    ids = events(5)
    checkpoint(app)
    # A changed record under the portal's signature: reported, and not used for the tail check.
    _forge(app, event_count=2, last_event_id=ids[1])
    result = verify(app)
    assert result.exit_code != 0
    assert "Checkpoint with a bad signature, ignored: checkpoint of" in result.output and f"{FILE_NAME} line 2" in result.output
    assert "Missing tail" not in result.output
    # A checkpoint signed with another key.
    other = ec.generate_private_key(ec.SECP256R1())
    record = json.loads(checkpoint_file(app).read_text().splitlines()[0])["record"] | {"event_count": 1}
    signature = base64.b64encode(other.sign(seal.canonical(record).encode(), ec.ECDSA(hashes.SHA256()))).decode()
    with open(checkpoint_file(app), "a", encoding="utf-8") as output:
        output.write(json.dumps({"record": record, "signature": signature}) + "\n" + "not json\n")
    report = verify_trail()
    assert f"Checkpoint with a bad signature, ignored: checkpoint of {record['created_at']} ({FILE_NAME} line 3)" in report.problems
    assert f"Unreadable checkpoint: {FILE_NAME} line 4" in report.problems
    # A forged row in the table is refused the same way.
    bypass_triggers("audit_checkpoint", "UPDATE audit_checkpoint SET signature = 'AAAA'")
    assert any("bad signature" in p and "audit_checkpoint row" in p for p in verify_trail().problems)
    with pytest.raises(CheckpointRefused):
        write_checkpoint()


def test_R_AUD_1_no_checkpoint_yet_is_a_warning_not_a_pass_in_silence(app, app_context):
    events(2)
    result = verify(app)
    assert result.exit_code == 0 and "Warning: No audit checkpoint yet" in result.output


def test_R_AUD_1_the_checkpoint_table_is_append_only(app_context):
    events(1)
    write_checkpoint()
    for statement in ("UPDATE audit_checkpoint SET event_count = 0", "DELETE FROM audit_checkpoint"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement))
            db.session.flush()
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1


def test_R_AUD_1_the_worker_timer_writes_checkpoints(app, app_context):
    events(3)
    stop = threading.Event()
    timer = threading.Thread(target=run_every, args=(app, 0.05, stop), daemon=True)
    timer.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not checkpoint_file(app).exists():
            time.sleep(0.05)
    finally:
        stop.set()
        timer.join(5)
    db.session.expire_all()
    assert db.session.scalar(select(AuditCheckpoint.event_count)) == 3
    assert verify(app).exit_code == 0
