"""Inspection packs (issue 6, SES 4.19): the sealed originals of a provider's plans agreed in a period,
with a manifest of hashes and verification codes, and the hours summaries of those customers.

`build_pack` runs in the request (no REDIS_URL) or in an RQ worker (`flask --app portal worker`).
"""
import csv
import io
import json
import zipfile
from datetime import datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import contains_eager, undefer

from portal import audit
from portal.documents import seal as sealing
from portal.documents import service as documents
from portal.extensions import db
from portal.models import (
    AGREED_STATUSES, Customer, DocumentOriginal, HoursEntry, InspectionPack, Organisation, OrganisationKind,
    PackStatus, Plan, PlanVersion, Programme, Referral, Role, User, VersionSeal,
)
from portal.models.base import utcnow
from portal.scope import inspected_organisations
from portal.services.hours import live_entries
from portal.template_helpers import UK

PROGRESS_EVERY = 25
QUEUE_NAME = "inspection-packs"


class PackError(Exception):
    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def organisations_for(user):
    """Inspectors build packs for the providers of their inspections (R-DATA-6); a manager for their own
    organisation only."""
    query = select(Organisation).where(Organisation.kind != OrganisationKind.DWP).order_by(Organisation.name)
    if user.role == Role.INSPECTOR:
        query = query.where(Organisation.id.in_(inspected_organisations(user)))
    else:
        query = query.where(Organisation.id == user.organisation_id)
    return db.session.scalars(query).all()


def programmes():
    return db.session.scalars(select(Programme).order_by(Programme.name)).all()


def packs_for(user):
    query = select(InspectionPack).order_by(InspectionPack.requested_at.desc()).limit(50)
    if user.role == Role.INSPECTOR:
        query = query.where(InspectionPack.requested_by_id == user.id)
    else:
        query = query.where(InspectionPack.organisation_id == user.organisation_id,
                            InspectionPack.requested_by_id.in_(_staff_of(user.organisation_id)))
    return db.session.scalars(query).all()


def _staff_of(organisation_id):
    return select(User.id).where(User.organisation_id == organisation_id)


def pack_or_none(user, pack_id):
    pack = db.session.get(InspectionPack, pack_id)
    if pack is None:
        return None
    if user.role == Role.INSPECTOR:
        mine = pack.requested_by_id == user.id
    else:
        # A provider's managers see the packs their own organisation built, not those an inspector built
        # about it: an inspection's scope and timing are the inspector's (issue 12, finding 10; README).
        mine = pack.organisation_id == user.organisation_id and pack.requested_by is not None \
            and pack.requested_by.organisation_id == user.organisation_id
    return pack if mine else None


def _period(pack):
    start = datetime.combine(pack.date_from, time.min, tzinfo=UK)
    end = datetime.combine(pack.date_to + timedelta(days=1), time.min, tzinfo=UK)
    return start, end


def _versions_query(pack):
    start, end = _period(pack)
    if pack.inspection_id is not None:
        return _sample_versions_query(pack, end)
    return (select(PlanVersion).join(Plan, Plan.id == PlanVersion.plan_id)
            .where(PlanVersion.organisation_id == pack.organisation_id, Plan.programme_id == pack.programme_id,
                   PlanVersion.status.in_(AGREED_STATUSES),
                   PlanVersion.agreed_at >= start, PlanVersion.agreed_at < end))


def _sample_customer_ids(pack):
    return json.loads(pack.customer_ids or "[]")


def _sample_versions_query(pack, end):
    """A sample's pack: the sampled customers' versions agreed with the provider (or a sub-contractor of it) on
    the inspection's programmes up to the end of the period, so a plan agreed before the period and still in
    force during it is there too (the checklist reads the latest version agreed by the period's end)."""
    providers = select(Organisation.id).where((Organisation.id == pack.organisation_id)
                                              | (Organisation.prime_id == pack.organisation_id))
    programmes = [p.id for p in pack.inspection.programmes]
    return (select(PlanVersion).join(Plan, Plan.id == PlanVersion.plan_id)
            .where(Plan.customer_id.in_(_sample_customer_ids(pack)), PlanVersion.organisation_id.in_(providers),
                   Plan.programme_id.in_(programmes), PlanVersion.status.in_(AGREED_STATUSES),
                   PlanVersion.agreed_at < end))


def request_sample_pack(user, inspection, customer_ids):
    """A pack of the sealed originals of an inspection's sampled customers (issue 13)."""
    if not customer_ids:
        raise PackError("Draw a sample, or add customers to it, before building its pack", "")
    pack = InspectionPack(organisation_id=inspection.organisation_id, programme_id=None,
                          date_from=inspection.period_from, date_to=inspection.period_to, requested_by_id=user.id,
                          status=PackStatus.QUEUED, inspection_id=inspection.id,
                          customer_ids=json.dumps(sorted(customer_ids)))
    db.session.add(pack)
    db.session.flush()
    return _count_and_record(pack, user, {"inspection_id": inspection.id, "customers": sorted(customer_ids)},
                             "That sample")


def request_pack(user, *, organisation_id, programme_id, date_from, date_to):
    if organisation_id not in {o.id for o in organisations_for(user)}:
        raise PackError("Select a provider you may inspect", "organisation_id")
    if date_from > date_to:
        raise PackError("The first date must be on or before the last date", "date_from")
    pack = InspectionPack(organisation_id=organisation_id, programme_id=programme_id, date_from=date_from,
                          date_to=date_to, requested_by_id=user.id, status=PackStatus.QUEUED)
    db.session.add(pack)
    db.session.flush()
    total = db.session.scalar(select(func.count()).select_from(_versions_query(pack).subquery()))
    if total > current_app.config["INSPECTION_PACK_LIMIT"]:
        db.session.rollback()
        raise PackError(f"That period has {total} agreed plan versions; a pack holds at most "
                        f"{current_app.config['INSPECTION_PACK_LIMIT']}. Choose a shorter period.", "date_to")
    pack.total = total
    audit.record("inspection_pack.requested", subject_type="inspection_pack", subject_id=pack.id, actor=user,
                 detail={"organisation_id": organisation_id, "programme_id": programme_id,
                         "from": date_from.isoformat(), "to": date_to.isoformat(), "plans": total})
    db.session.commit()
    return pack


def _count_and_record(pack, user, detail, what):
    total = db.session.scalar(select(func.count()).select_from(_versions_query(pack).subquery()))
    if total > current_app.config["INSPECTION_PACK_LIMIT"]:
        db.session.rollback()
        raise PackError(f"{what} has {total} agreed plan versions; a pack holds at most "
                        f"{current_app.config['INSPECTION_PACK_LIMIT']}.", "")
    pack.total = total
    audit.record("inspection_pack.requested", subject_type="inspection_pack", subject_id=pack.id, actor=user,
                 detail={**detail, "organisation_id": pack.organisation_id, "plans": total})
    db.session.commit()
    return pack


def _manifest_row(path, version, original):
    return [path, version.reference, version.number, original.kind, original.document_format,
            original.language, original.size, original.sha256, original.seal.code,
            version.agreed_at.astimezone(UK).isoformat(timespec="minutes"),
            "yes" if sealing.record_is_genuine(original.record, original.signature) else "NO"]


MANIFEST_HEADER = ["file", "customer reference", "plan version", "kind", "format", "language", "bytes", "sha256",
                   "verification code", "agreed at", "portal seal record verifies"]
HOURS_HEADER = ["customer reference", "referral", "month", "source", "hours"]


def _hours_rows(pack, customer_ids):
    start, end = pack.date_from, pack.date_to
    year, month = func.extract("year", HoursEntry.on), func.extract("month", HoursEntry.on)
    rows = db.session.execute(
        select(Referral.customer_id, Referral.id, year, month, HoursEntry.source, func.sum(HoursEntry.quarters))
        .join(Referral, Referral.id == HoursEntry.referral_id)
        .where(Referral.customer_id.in_(customer_ids), Referral.organisation_id == pack.organisation_id,
               Referral.programme_id.in_([p.id for p in pack.inspection.programmes]) if pack.inspection_id
               else Referral.programme_id == pack.programme_id, live_entries(),
               HoursEntry.on >= start, HoursEntry.on <= end)
        .group_by(Referral.customer_id, Referral.id, year, month, HoursEntry.source)
        .order_by(Referral.customer_id, Referral.id, year, month, HoursEntry.source)).all()
    return rows


def build_pack(pack_id):
    pack = db.session.get(InspectionPack, pack_id)
    if pack is None or pack.status not in (PackStatus.QUEUED, PackStatus.FAILED):
        return
    pack.status, pack.done = PackStatus.RUNNING, 0
    db.session.commit()
    try:
        data = _zip(pack)
    except Exception as failure:  # noqa: BLE001 - the page must say the pack failed, not spin for ever
        db.session.rollback()
        pack = db.session.get(InspectionPack, pack_id)
        pack.status, pack.error, pack.finished_at = PackStatus.FAILED, str(failure)[:300], utcnow()
        db.session.commit()
        raise
    pack.zip_bytes, pack.zip_sha256 = data, sealing.sha256(data)
    pack.status, pack.finished_at, pack.done = PackStatus.DONE, utcnow(), pack.total
    audit.record("inspection_pack.built", subject_type="inspection_pack", subject_id=pack.id,
                 detail={"bytes": len(data), "sha256": pack.zip_sha256})
    db.session.commit()


class _Version(NamedTuple):
    id: int
    number: int
    agreed_at: datetime
    customer_id: int
    reference: str


def _zip(pack):
    # Plain rows, not ORM objects: the progress commits below would otherwise expire them and cost a reload each.
    versions = [_Version(*row) for row in db.session.execute(
        _versions_query(pack).with_only_columns(PlanVersion.id, PlanVersion.number, PlanVersion.agreed_at,
                                                Customer.id, Customer.reference)
        .join(Customer, Customer.id == Plan.customer_id)
        .order_by(PlanVersion.agreed_at, PlanVersion.id))]
    manifest = io.StringIO()
    writer = csv.writer(manifest)
    writer.writerow(MANIFEST_HEADER)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for first in range(0, len(versions), PROGRESS_EVERY):
            batch = versions[first:first + PROGRESS_EVERY]
            originals = {}
            for original in db.session.scalars(
                    select(DocumentOriginal).join(VersionSeal)
                    .where(VersionSeal.version_id.in_([version.id for version in batch]))
                    .options(undefer(DocumentOriginal.content), contains_eager(DocumentOriginal.seal))
                    .order_by(DocumentOriginal.id)):
                originals.setdefault(original.seal.version_id, []).append(original)
            for version in batch:
                for original in originals.get(version.id, []):
                    path = f"originals/{version.reference}/v{version.number}/" + documents.filename(
                        version.reference, version.number, original.kind, original.document_format, original.language)
                    archive.writestr(path, original.content)
                    writer.writerow(_manifest_row(path, version, original))
            db.session.execute(update(InspectionPack).where(InspectionPack.id == pack.id)
                               .values(done=first + len(batch)))
            db.session.commit()
        hours = io.StringIO()
        hours_writer = csv.writer(hours)
        hours_writer.writerow(HOURS_HEADER)
        references = {version.customer_id: version.reference for version in versions}
        for customer_id, referral_id, y, m, source, quarters in _hours_rows(pack, set(references)):
            hours_writer.writerow([references[customer_id], referral_id, f"{int(y):04d}-{int(m):02d}", str(source),
                                   f"{int(quarters) / 4:.2f}"])
        archive.writestr("manifest.csv", manifest.getvalue())
        archive.writestr("hours_summary.csv", hours.getvalue())
        archive.writestr("README.txt", _readme(pack, len(versions)))
    return out.getvalue()


def _readme(pack, count):
    if pack.inspection_id is not None:
        scope = (f"the sample of inspection {pack.inspection_id} ({len(_sample_customer_ids(pack))} customers), "
                 f"plans agreed up to {pack.date_to.isoformat()}")
    else:
        scope = f"{pack.programme.name}, plans agreed from {pack.date_from.isoformat()} to {pack.date_to.isoformat()}"
    return (f"Inspection pack {pack.id}: {pack.organisation.name}, {scope} ({count} plan versions).\n\n"
            "originals/ holds each agreed version's documents exactly as sealed when stored. manifest.csv gives\n"
            "each file's SHA-256 and verification code: check any file on the portal's verification page\n"
            f"({current_app.config['PORTAL_BASE_URL'].rstrip('/')}/verify). PDFs also carry the portal's PAdES seal.\n"
            "hours_summary.csv: hours recorded for these customers by month and source in the period.\n")


def start(pack):
    """On RQ when REDIS_URL is set; otherwise now, in this request."""
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE_NAME, connection=Redis.from_url(url)).enqueue(
            "portal.documents.packs.build_pack", pack.id, job_timeout=1800, result_ttl=3600)
        return
    build_pack(pack.id)
