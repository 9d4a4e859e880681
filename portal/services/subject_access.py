"""Subject access (UK GDPR Art. 15; security.md §4.4 and §7 test 25): everything the portal holds about
one customer, as a zip of CSV files and the sealed documents, with manifest.csv giving each file's SHA-256.

The rows are found by following foreign keys down from the customer (referrals, appointments, consents,
plans and every part of their versions, hours, jobs, clubs places, documents), so a new table that hangs
off a customer is exported without touching this file. DWP-held data comes through data_access. Staff
are third parties here: audit events name their role and organisation, not the person or address, and
secrets (token hashes) are left out.
"""
import csv
import enum
import hashlib
import io
import json
import zipfile
from datetime import date, datetime

from sqlalchemy import or_, select

from portal import audit, data_access
from portal.extensions import db
from portal.models import AuditEvent, AuditEventCustomer, DocumentOriginal, VersionSeal

# Followed by hand (the audit trail) or through data_access (DWP-held data).
NOT_WALKED = {data_access.DWP_TABLE, data_access.VERSION_TABLE, AuditEvent.__tablename__, AuditEventCustomer.__tablename__}
SECRET_COLUMNS = ("token_hash", "password_hash", "secret")
AUDIT_COLUMNS = ("id", "occurred_at", "action", "actor_role", "actor_organisation_id", "subject_type", "subject_id",
                 "detail")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _csv(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def _kept(column):
    return not any(part in column.name for part in SECRET_COLUMNS) and not isinstance(column.type, db.LargeBinary)


def _walk(customer_id):
    """{table: [row mapping]} of every row that hangs off the customer by foreign keys."""
    ids = {"customer": {customer_id}}
    found = {}
    for _ in range(2):  # twice: a table may point at one later in the order (a referral transferred from another)
        for table in db.metadata.sorted_tables:
            if table.name in NOT_WALKED:
                continue
            links = [fk.parent.in_(ids[fk.column.table.name]) for fk in table.foreign_keys
                     if ids.get(fk.column.table.name)]
            if not links and table.name != "customer":
                continue
            condition = table.c.id == customer_id if table.name == "customer" else or_(*links)
            rows = [dict(r) for r in db.session.execute(select(table).where(condition)).mappings()]
            found[table.name] = rows
            if "id" in table.c:
                ids[table.name] = {r["id"] for r in rows}
    return found


def _audit_events(customer_id):
    linked = select(AuditEventCustomer.event_id).where(AuditEventCustomer.customer_id == customer_id)
    events = db.session.scalars(select(AuditEvent).where(
        or_(AuditEvent.customer_id == customer_id, AuditEvent.id.in_(linked))).order_by(AuditEvent.id)).all()
    rows = []
    for event in events:
        detail = json.loads(event.detail or "{}")
        detail.pop("customer_ids", None)  # other customers named in the same list are not this customer's data
        rows.append([event.id, event.occurred_at, event.action, event.actor_role, event.actor_organisation_id,
                     event.subject_type, event.subject_id, json.dumps(detail, sort_keys=True, default=str)])
    return rows


def _documents(version_ids):
    if not version_ids:
        return []
    originals = db.session.execute(
        select(VersionSeal.code, DocumentOriginal.kind, DocumentOriginal.document_format, DocumentOriginal.language,
               DocumentOriginal.content)
        .join(DocumentOriginal, DocumentOriginal.seal_id == VersionSeal.id)
        .where(VersionSeal.version_id.in_(version_ids)).order_by(DocumentOriginal.id)).all()
    return [(f"documents/{code}-{fmt}-{lang}.{kind}", content) for code, kind, fmt, lang, content in originals]


def export(customer):
    """(zip bytes, [(file name, sha256)]) for one customer."""
    files = [("dwp_record.csv", _csv(["field", "label", "value"], data_access.subject_access_record(customer.id)))]
    versions = data_access.subject_access_versions(customer.id)
    if versions:  # R-CUST-1: what DWP held before a later referral (or a merged duplicate) replaced it
        files.append(("dwp_record_versions.csv", _csv(
            ["version", "recorded_at", "superseded_at", "source", "details"],
            [[v, at, until, source, json.dumps(facts, sort_keys=True)] for v, at, until, source, facts in versions])))
    walked = _walk(customer.id)
    for table in db.metadata.sorted_tables:
        if table.name in walked:
            columns = [c.name for c in table.columns if _kept(c)]
            files.append((f"{table.name}.csv", _csv(columns, [[r[c] for c in columns] for r in walked[table.name]])))
    files.append(("audit_events.csv", _csv(AUDIT_COLUMNS, _audit_events(customer.id))))
    files += _documents([r["id"] for r in walked.get("plan_version", [])])
    manifest = [(name, hashlib.sha256(data).hexdigest(), len(data)) for name, data in files]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
        archive.writestr("manifest.csv", _csv(["file", "sha256", "bytes"], manifest))
    audit.record("customer.subject_access_exported", customer_id=customer.id, subject_type="customer",
                 subject_id=customer.id,
                 detail={"through": "subject access export", "fields": [f for f, _ in data_access.DWP_FIELDS],
                         "files": len(files)})
    return buffer.getvalue(), manifest
