"""Public verification (issue 6, issue 17): is this document an untouched original, and is it current?

Nothing is taken on one piece of evidence. An original is confirmed only when all of these agree: the
uploaded bytes' SHA-256, the stored bytes and their stored hash, the record the portal signed (its
signature checked with the seal certificate, its hash, code, version, kind, format and language) and, for
a PDF, the PAdES seal inside the file (integrity, chain to the portal's root, not revoked). So a changed
row in the database cannot make a changed file pass (R-SIGN-3). The page shows nothing personal.
"""
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import undefer

from portal.documents import seal as sealing
from portal.documents.service import normalise_code
from portal.extensions import db
from portal.models import DocumentOriginal, PlanVersion, VersionSeal, VersionStatus


@dataclass(frozen=True)
class Verdict:
    """What the public verification page may say: nothing personal (issue 6)."""

    code: str
    version_number: int
    agreed_at: object
    provider: str
    programme: str
    superseded: bool
    superseded_at: object
    newer_version_number: int | None
    original: DocumentOriginal | None = None
    record_genuine: bool = False
    report: bool = False  # an inspection's closing report (issue 13), not a plan
    made_later_at: datetime | None = None  # a copy made after agreement (issue 17)
    records_sound: bool = True  # for a code: every stored original of it still agrees with its seal


def _record(original):
    try:
        record = json.loads(original.record)
    except (TypeError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def original_is_sound(original, seal, *, uploaded_sha256=None, pdf_seal=None):
    """The stored bytes, stored hash and signed record agree with each other (and with the upload)."""
    if not sealing.record_is_genuine(original.record, original.signature):
        return False
    record = _record(original)
    if record is None:
        return False
    content_sha256 = sealing.sha256(original.content or b"")
    hashes = {content_sha256, original.sha256, record.get("sha256")}
    if uploaded_sha256 is not None:
        hashes.add(uploaded_sha256)
    if len(hashes) != 1:
        return False
    expected = {"code": seal.code, "kind": original.kind, "format": original.document_format,
                "language": original.language}
    if seal.inspection_id is not None:
        expected["inspection_id"] = seal.inspection_id
    else:
        expected["plan_version_id"] = seal.version_id
    if any(record.get(key) != value for key, value in expected.items()):
        return False
    if original.kind != "pdf":
        return True
    return (pdf_seal or sealing.check_pdf_seal(original.content)).genuine


def _verdict(seal, original=None, *, records_sound=True):
    if seal.inspection_id is not None:
        inspection = seal.inspection
        return Verdict(code=seal.code, version_number=None, agreed_at=seal.sealed_at,
                       provider=inspection.organisation.name,
                       programme=", ".join(p.name for p in inspection.programmes), superseded=False,
                       superseded_at=None, newer_version_number=None, original=original,
                       record_genuine=original is not None, report=True, records_sound=records_sound)
    version = db.session.get(PlanVersion, seal.version_id)
    newer = [v for v in version.plan.versions if v.number > version.number and v.status.was_agreed]
    made_later = None
    if original is not None and original.made_later:
        made_later = datetime.fromisoformat(_record(original)["made_at"])
    return Verdict(
        code=seal.code, version_number=version.number, agreed_at=version.agreed_at,
        provider=version.organisation.name, programme=version.plan.programme.name,
        superseded=version.status == VersionStatus.SUPERSEDED or bool(newer), superseded_at=version.superseded_at,
        newer_version_number=max((v.number for v in newer), default=None), original=original,
        record_genuine=original is not None, made_later_at=made_later, records_sound=records_sound,
    )


def seal_for_code(text):
    code = normalise_code(text)
    return db.session.scalar(select(VersionSeal).where(VersionSeal.code == code)) if code else None


def verify_code(text):
    """The version a code belongs to, and whether every original stored under it agrees with its seal."""
    seal = seal_for_code(text)
    if seal is None:
        return None
    originals = db.session.scalars(select(DocumentOriginal).where(DocumentOriginal.seal_id == seal.id)
                                   .options(undefer(DocumentOriginal.content))).all()
    return _verdict(seal, records_sound=all(original_is_sound(o, seal) for o in originals))


@dataclass(frozen=True)
class UploadCheck:
    verdict: Verdict | None
    kind: str | None
    problem: str | None = None  # "empty", "not_a_document", "record_broken" or None
    pdf_seal: sealing.PdfSealCheck | None = None


def _kind(data):
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return "docx" if {"[Content_Types].xml", "word/document.xml"} <= names else None
    return None


def verify_upload(data):
    """Genuine only if the upload is byte for byte a stored original and everything about it agrees."""
    if not data:
        return UploadCheck(verdict=None, kind=None, problem="empty")
    kind = _kind(data)
    if kind is None:
        return UploadCheck(verdict=None, kind=None, problem="not_a_document")
    pdf_seal = sealing.check_pdf_seal(data) if kind == "pdf" else None
    digest = sealing.sha256(data)
    original = db.session.scalar(select(DocumentOriginal).where(DocumentOriginal.sha256 == digest)
                                 .options(undefer(DocumentOriginal.content)).order_by(DocumentOriginal.id).limit(1))
    if original is None:
        return UploadCheck(verdict=None, kind=kind, pdf_seal=pdf_seal)
    if original.kind != kind or not original_is_sound(original, original.seal, uploaded_sha256=digest,
                                                      pdf_seal=pdf_seal):
        return UploadCheck(verdict=None, kind=kind, problem="record_broken", pdf_seal=pdf_seal)
    return UploadCheck(verdict=_verdict(original.seal, original), kind=kind, pdf_seal=pdf_seal)
