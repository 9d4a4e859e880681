"""Signed checkpoints of the audit trail (R-AUD-1).

The hash chain shows an edited or removed row, but not a removed *tail*: delete the newest events, or
restore an older backup, and what is left is still a valid chain. So every few minutes the portal
signs the trail's length (event count, newest event id and hash) with its seal key and keeps the
note twice: in the `audit_checkpoint` table and appended to a JSON-lines file in
AUDIT_CHECKPOINT_DIR, outside the database, which a database restore does not roll back.
`verify_trail` then checks the chain against every checkpoint whose signature holds.
"""
import fcntl
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal import audit
from portal.documents import seal
from portal.extensions import db
from portal.models import AuditCheckpoint, AuditEvent
from portal.models.base import utcnow

FILE_NAME = "audit-checkpoints.jsonl"
RECORD_TYPE = "portal-audit-checkpoint"
log = logging.getLogger(__name__)


class CheckpointRefused(RuntimeError):
    """The trail does not match the newest checkpoint: a new one would vouch for a damaged trail."""


@dataclass(frozen=True)
class Checkpoint:
    record: dict
    signature: str
    source: str  # where it was read, for the report

    @property
    def key(self):
        return (self.record.get("event_count"), self.record.get("last_event_id"), self.record.get("last_event_hash"))

    @property
    def order(self):
        return (self.record.get("event_count") or 0, self.record.get("last_event_id") or 0)

    def is_genuine(self):
        try:
            return self.record.get("type") == RECORD_TYPE and seal.record_is_genuine(seal.canonical(self.record),
                                                                                     self.signature)
        except (TypeError, AttributeError):
            return False

    def describe(self):
        return f"checkpoint of {self.record.get('created_at')} ({self.source})"


def checkpoint_dir():
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])


def checkpoint_files(directory=None):
    return sorted(Path(directory or checkpoint_dir()).glob("*.jsonl"))


# Reading ------------------------------------------------------------------------------------------

def _read_file(path, problems):
    checkpoints = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            source = f"{path.name} line {number}"
            try:
                entry = json.loads(line)
                checkpoints.append(Checkpoint(dict(entry["record"]), str(entry["signature"]), source))
            except (ValueError, KeyError, TypeError):
                problems.append(f"Unreadable checkpoint: {source}")
    return checkpoints


def _read_table(problems):
    checkpoints = []
    for row in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        try:
            checkpoints.append(Checkpoint(dict(json.loads(row.record)), row.signature,
                                          f"audit_checkpoint row {row.id}"))
        except (ValueError, TypeError):
            problems.append(f"Unreadable checkpoint: audit_checkpoint row {row.id}")
            continue
        if checkpoints[-1].key != (row.event_count, row.last_event_id, row.last_event_hash):
            problems.append(f"Checkpoint columns differ from its signed record: audit_checkpoint row {row.id}")
    return checkpoints


def read_checkpoints():
    """(every checkpoint in the file(s) and the table, problems met reading them)."""
    problems = []
    checkpoints = []
    for path in checkpoint_files():
        checkpoints += _read_file(path, problems)
    checkpoints += _read_table(problems)
    return checkpoints, problems


def _sorted_genuine(checkpoints, problems):
    """The checkpoints whose signature holds, newest first; one problem for each that does not."""
    genuine, verdicts = [], {}
    for checkpoint in checkpoints:
        verdict_key = (seal.canonical(checkpoint.record), checkpoint.signature)
        if verdict_key not in verdicts:
            verdicts[verdict_key] = checkpoint.is_genuine()
        if verdicts[verdict_key]:
            genuine.append(checkpoint)
        else:
            problems.append(f"Checkpoint with a bad signature, ignored: {checkpoint.describe()}")
    return sorted(genuine, key=lambda c: c.order, reverse=True)


# Checking -----------------------------------------------------------------------------------------

def _tail_problem(checkpoint, walk):
    """Why the trail does not reach this checkpoint, or None if it does."""
    count, last_id, last_hash = checkpoint.key
    if count == 0:
        return None
    if last_id not in walk.watched:
        missing = f"event {last_id} is missing"
    elif walk.watched[last_id][0] != last_hash:
        missing = f"event {last_id} has another hash than the checkpoint"
    elif walk.watched[last_id][1] != count:
        missing = f"the trail has {walk.watched[last_id][1]} events up to event {last_id}"
    else:
        return None
    return (f"Missing tail: the {checkpoint.describe()} counted {count} events up to event {last_id}, "
            f"but {missing} (the trail now has {walk.count} events)")


@dataclass
class TrailReport:
    event_count: int = 0  # chained events
    pending: int = 0  # events written but not chained yet: neither broken nor vouched for
    broken: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    checkpoints_checked: int = 0
    newest: Checkpoint | None = None

    @property
    def intact(self):
        return not self.problems


def verify_trail():
    """Check the chain (every edited row) and the chain against every genuine checkpoint (a missing tail)."""
    report = TrailReport()
    try:
        checkpoints, report.problems = read_checkpoints()
        genuine = _sorted_genuine(checkpoints, report.problems)
    except seal.KeysMissing as missing:
        report.problems.append(f"Cannot check the audit checkpoints' signatures: {missing}")
        genuine = []
    walk = audit.walk_chain(watch_ids={c.key[1] for c in genuine})
    report.event_count, report.broken = walk.count, walk.broken
    report.pending = audit.pending_count()
    report.problems[:0] = [f"Audit trail broken at event {event_id}" for event_id in walk.broken]
    distinct = {c.key: c for c in reversed(genuine)}  # the first place each was read, for the report
    failing = [problem for c in sorted(distinct.values(), key=lambda c: c.order, reverse=True)
               if (problem := _tail_problem(c, walk))]
    if failing:
        more = f" (and {len(failing) - 1} older checkpoints)" if len(failing) > 1 else ""
        report.problems.append(failing[0] + more)
    report.checkpoints_checked = len(distinct)
    report.newest = genuine[0] if genuine else None
    if report.pending:
        report.warnings.append(f"{report.pending} events are pending, not chained yet: "
                               "`flask --app portal audit-chain` (or the worker) chains them.")
    if not checkpoints and walk.count:
        report.warnings.append("No audit checkpoint yet, so a missing tail cannot be detected: "
                               "run `flask --app portal audit-checkpoint` every few minutes.")
    elif checkpoints and not checkpoint_files():
        report.warnings.append(f"No checkpoint file in {checkpoint_dir()}: only the database's copies were checked.")
    return report


# Writing ------------------------------------------------------------------------------------------

def trail_head():
    """(chained event count, newest chained event id, its hash), read in one statement so that they agree.
    Pending events are not counted: a checkpoint vouches only for the chain."""
    earlier = aliased(AuditEvent)
    count = (select(func.count()).select_from(earlier)
             .where(earlier.chain_position <= AuditEvent.chain_position).scalar_subquery())
    newest = (select(AuditEvent.id, AuditEvent.event_hash, count).where(AuditEvent.chain_position.is_not(None))
              .order_by(AuditEvent.chain_position.desc()).limit(1))
    row = db.session.execute(newest).first()
    return (0, 0, audit.GENESIS_HASH) if row is None else (row[2], row[0], row[1])


def _newest_written():
    """The newest checkpoint in the table and the last one in the file (not the whole history)."""
    problems = []
    row = db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    in_table = [Checkpoint(json.loads(row.record), row.signature, f"audit_checkpoint row {row.id}")] if row else []
    path = checkpoint_dir() / FILE_NAME
    in_file = _read_file(path, problems)[-1:] if path.exists() else []
    return in_table, in_file


def _check_since(checkpoint):
    """Problems between this checkpoint and the head: its event as signed, and the chain after it."""
    count, last_id, last_hash = checkpoint.key
    position = None
    if count:
        # Only the checkpoint's own event is looked up here; verify_trail reads the whole chain.
        earlier = aliased(AuditEvent)
        up_to = (select(func.count()).select_from(earlier)
                 .where(earlier.chain_position <= AuditEvent.chain_position).scalar_subquery())
        found = db.session.execute(select(AuditEvent.event_hash, up_to, AuditEvent.chain_position)
                                   .where(AuditEvent.id == last_id, AuditEvent.chain_position.is_not(None))).first()
        chained = select(func.count()).select_from(AuditEvent).where(AuditEvent.chain_position.is_not(None))
        seen = audit.ChainWalk(count=db.session.scalar(chained),
                               watched={last_id: (found[0], found[1])} if found else {})
        if problem := _tail_problem(checkpoint, seen):
            return [problem]
        position = found[2]
    return [f"Audit trail broken at event {event_id}"
            for event_id in audit.walk_chain(after=(position, last_hash) if count else None).broken]


def write_checkpoint():
    """Chain the pending events, then sign the chain's current length and keep it in the file and the
    table. None if nothing changed since the newest checkpoint; CheckpointRefused if the trail does not
    match it."""
    audit.chain_pending()
    in_table, in_file = _newest_written()
    genuine = _sorted_genuine(in_table + in_file, problems := [])
    if problems:
        raise CheckpointRefused("; ".join(problems))
    if genuine and (problems := _check_since(genuine[0])):
        raise CheckpointRefused("; ".join(problems))
    count, last_id, last_hash = trail_head()
    if in_table and in_file and in_table[0].key == in_file[0].key == (count, last_id, last_hash):
        return None
    record = {"type": RECORD_TYPE, "created_at": utcnow().isoformat(timespec="seconds"),
              "event_count": count, "last_event_id": last_id, "last_event_hash": last_hash}
    text, signature = seal.sign_record(record)
    _append_to_file({"record": record, "signature": signature})
    row = AuditCheckpoint(event_count=count, last_event_id=last_id, last_event_hash=last_hash,
                          record=text, signature=signature)
    db.session.add(row)
    db.session.commit()
    return row


def _append_to_file(entry):
    """The file first: if the database write then fails, the file only holds a true, older length."""
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()
    with open(directory / FILE_NAME, "ab") as output:
        fcntl.flock(output, fcntl.LOCK_EX)  # the worker and cron may both write
        output.write(line)
        output.flush()
        os.fsync(output.fileno())


def run_every(app, seconds, stop):
    """Chain pending events and write a checkpoint every `seconds` until `stop` (a threading.Event) is
    set: the worker's timer."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                row = write_checkpoint()
                if row is not None:
                    log.info("Audit checkpoint: %s events up to event %s", row.event_count, row.last_event_id)
            except CheckpointRefused as refused:
                log.error("Audit checkpoint refused: %s", refused)
            except Exception:  # noqa: BLE001 - a database blip must not stop the timer
                log.exception("Audit checkpoint failed")
            finally:
                db.session.remove()

