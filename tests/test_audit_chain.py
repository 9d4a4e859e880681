"""The audit chain is extended after the fact (issue 18, R-AUD-1): a request appends its event with one
INSERT and no lock shared with other requests; the chain job links the events in order, and
`verify-audit` tells pending events from broken ones."""
import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import audit
from portal.audit_checkpoints import verify_trail
from portal.extensions import db
from portal.models import AuditEvent
from tests.test_audit_checkpoints import bypass_triggers


def write(n, start=0):
    for i in range(start, start + n):
        audit.record_and_commit("test.event", detail={"n": i})
    return db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_R_AUD_1_a_new_event_is_pending_not_broken(app, app_context):
    write(3)
    assert db.session.scalar(select(func.count()).where(AuditEvent.event_hash.is_(None))) == 3
    assert audit.verify_chain() is None
    result = cli(app, "verify-audit")
    assert result.exit_code == 0, result.output
    assert "3 events are pending" in result.output and "0 events (3 more pending, not chained yet)" in result.output


def test_R_AUD_1_the_chain_job_links_pending_events_and_verify_passes(app, app_context):
    ids = write(4)
    assert "Audit events chained: 4." in cli(app, "audit-chain").output
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.chain_position for e in events] == [1, 2, 3, 4]
    assert events[0].previous_hash == audit.GENESIS_HASH
    assert all(later.previous_hash == earlier.event_hash for earlier, later in zip(events, events[1:]))
    write(2, start=4)
    assert "Audit events chained: 2." in cli(app, "audit-chain").output
    assert "Audit events chained: 0." in cli(app, "audit-chain").output
    result = cli(app, "verify-audit")
    assert result.exit_code == 0 and "Audit trail intact: 6 events;" in result.output and "pending" not in result.output
    assert verify_trail().broken == [] and len(ids) == 4


def test_R_AUD_1_an_event_edited_after_chaining_fails_verify(app, app_context):
    ids = write(5)
    audit.chain_pending()
    bypass_triggers("audit_event", f"UPDATE audit_event SET detail = '{{\"n\": 42}}' WHERE id = {ids[2]}")
    result = cli(app, "verify-audit")
    assert result.exit_code != 0 and f"Audit trail broken at event {ids[2]}" in result.output


def test_R_AUD_1_a_removed_chained_event_fails_verify(app, app_context):
    ids = write(5)
    audit.chain_pending()
    bypass_triggers("audit_event", f"DELETE FROM audit_event WHERE id = {ids[1]}")
    result = cli(app, "verify-audit")
    assert result.exit_code != 0 and f"Audit trail broken at event {ids[2]}" in result.output


def test_R_AUD_1_a_truncated_chain_fails_verify_against_the_checkpoint(app, app_context):
    ids = write(6)
    assert cli(app, "audit-checkpoint").exit_code == 0  # chains first, then signs the length
    bypass_triggers("audit_event", f"DELETE FROM audit_event WHERE id > {ids[2]}")
    result = cli(app, "verify-audit")
    assert result.exit_code != 0 and "Missing tail" in result.output and f"event {ids[-1]} is missing" in result.output


def test_R_AUD_1_an_event_committed_late_is_chained_after_newer_ones(app, app_context):
    """Ids are handed out before commit, so a request may commit an older id after a newer one was chained."""
    write(2)
    audit.chain_pending()
    newest = db.session.scalar(select(func.max(AuditEvent.id)))
    db.session.execute(text("INSERT INTO audit_event (id, occurred_at, action, detail) VALUES "
                            "(:id, CURRENT_TIMESTAMP, 'late', '{}')"), {"id": newest + 10})
    db.session.commit()
    write(1)  # gets a smaller or larger id depending on the backend's sequence; either way chained after
    assert audit.chain_pending() == 2
    result = cli(app, "verify-audit")
    assert result.exit_code == 0, result.output


def test_R_AUD_1_the_database_allows_only_the_chaining_update(app, app_context):
    ids = write(2)
    with pytest.raises(DBAPIError):  # the content of a pending event
        db.session.execute(text("UPDATE audit_event SET action = 'edited' WHERE id = :id"), {"id": ids[0]})
        db.session.flush()
    db.session.rollback()
    audit.chain_pending()
    with pytest.raises(DBAPIError):  # a chained event's hash, even to undo it
        db.session.execute(text("UPDATE audit_event SET event_hash = NULL, chain_position = NULL WHERE id = :id"),
                           {"id": ids[0]})
        db.session.flush()
    db.session.rollback()
    assert cli(app, "verify-audit").exit_code == 0


def test_R_AUD_1_the_worker_timer_chains(app, app_context):
    write(3)
    stop = threading.Event()
    timer = threading.Thread(target=audit.run_chain_every, args=(app, 0.05, stop))
    timer.start()
    deadline = time.monotonic() + 10
    while audit.pending_count() and time.monotonic() < deadline:
        time.sleep(0.05)
        db.session.rollback()
    stop.set()
    timer.join()
    assert audit.pending_count() == 0


def test_two_requests_audit_writes_do_not_wait_on_each_other(app, app_context):
    """Fails on the code before issue 18: the second writer waited on the advisory lock until the first committed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    first_wrote, second_done = threading.Event(), threading.Event()
    waited = {}

    def first():
        with app.app_context():
            audit.record("test.first")  # and keep the transaction open
            first_wrote.set()
            second_done.wait(10)
            db.session.commit()

    def second():
        with app.app_context():
            first_wrote.wait(10)
            started = time.monotonic()
            audit.record("test.second")
            db.session.commit()
            waited["seconds"] = time.monotonic() - started
            second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert second_done.is_set(), "the second request's audit write waited for the first request to commit"
    assert waited["seconds"] < 0.5
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 2
    audit.chain_pending()
    assert audit.verify_chain() is None
