"""The one document service: a plan version, a format and a language -> the bytes of a document.

Views and jobs call this module; they never assemble documents. Agreed versions are sealed once
(R-SIGN-3): their documents are originals, stored on first making and never made again, so a later
change of template cannot alter them. Drafts are made afresh and marked "Draft – not agreed".
"""
import importlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, data_access
from portal.customer_words import FORMATS, LANGUAGES
from portal.documents import seal as sealing
from portal.documents.context import build_context
from portal.extensions import db
from portal.models import DocumentOriginal, PlanVersion, SignatureMethod, VersionSeal, VersionStatus

KINDS = ("pdf", "docx")
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
KIND_LABELS = {"pdf": "PDF", "docx": "Word"}
FORMAT_LABELS = {"standard": "Standard print", "large_print": "Large print", "easy_read": "Easy Read"}
LANGUAGE_LABELS = {"en": "English", "cy": "Welsh"}
# Crockford base32 without I, L, O, U: easy to read aloud and type.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# The renderers' modules, imported when a document is first made: WeasyPrint, docxtpl and their
# dependencies cost each web worker tens of MB that most of them never use (issue 18).
_RENDERERS = {"docx": ("portal.documents.docx", "render_docx"), "pdf": ("portal.documents.pdf", "render_pdf")}


def new_code():
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text):
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != 10 or any(ch not in CODE_ALPHABET for ch in cleaned):
        return None
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"


def render(context, kind):
    module, function = _RENDERERS[kind]
    return getattr(importlib.import_module(module), function)(context)


def filename(customer_reference, version_number, kind, document_format, lang):
    return f"ISP-{customer_reference}-v{version_number}-{document_format.replace('_', '-')}-{lang}.{kind}"


def seal_of(version):
    return db.session.scalar(select(VersionSeal).where(VersionSeal.version_id == version.id))


# Making originals -------------------------------------------------------------------------------

def _author(version):
    """Originals show what the provider that wrote the version may see (R-DATA-1)."""
    return version.created_by


def _make_original(seal, version, kind, document_format, lang):
    context = build_context(version, reader=_author(version), lang=lang, document_format=document_format,
                            verification=seal.code)
    data = render(context, kind)
    if kind == "pdf":
        data = sealing.seal_pdf(data, reason=f"Individual Support Plan version {version.number} agreed")
    digest = sealing.sha256(data)
    record, signature = sealing.sign_record({
        "code": seal.code, "plan_version_id": version.id, "version": version.number, "kind": kind,
        "format": document_format, "language": lang, "sha256": digest,
        "agreed_at": version.agreed_at.isoformat(),
    })
    original = DocumentOriginal(seal_id=seal.id, kind=kind, document_format=document_format, language=lang,
                                sha256=digest, size=len(data), content=data, record=record, signature=signature)
    db.session.add(original)
    return original


def _customer_choices(version):
    """The customer's format and language: as they signed, else as their record asks (R-SIGN-2)."""
    signed = [s for s in version.signatures if s.party.role == "customer" and s.method != SignatureMethod.ADVISER]
    preferred_lang, preferred_format = data_access.customer_preferences(version.plan.customer_id)
    if signed:
        return signed[-1].document_format or preferred_format, signed[-1].language or preferred_lang
    return preferred_format, preferred_lang


def seal_originals(version):
    """At agreement: the customer's format and the standard English one, docx and PDF, sealed (R-SIGN-3)."""
    seal = VersionSeal(version_id=version.id, code=new_code())
    db.session.add(seal)
    db.session.flush()
    wanted = [_customer_choices(version), ("standard", "en")]
    for document_format, lang in dict.fromkeys(wanted):
        for kind in KINDS:
            _make_original(seal, version, kind, document_format, lang)
    db.session.flush()
    audit.record("document.sealed", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, detail={"code": seal.code, "originals": [
                     f"{kind}/{f}/{lang}" for f, lang in dict.fromkeys(wanted) for kind in KINDS]})
    return seal


def _original(seal, kind, document_format, lang):
    return db.session.scalar(select(DocumentOriginal).where(
        DocumentOriginal.seal_id == seal.id, DocumentOriginal.kind == kind,
        DocumentOriginal.document_format == document_format, DocumentOriginal.language == lang))


def original_for(version, seal, kind, document_format, lang):
    """The stored original, made now (once) if this format was not among those sealed at agreement."""
    existing = _original(seal, kind, document_format, lang)
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            return _make_original(seal, version, kind, document_format, lang)
    except IntegrityError:  # another request made it first: theirs is the original
        return _original(seal, kind, document_format, lang)


# Handing out documents --------------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    media_type: str
    original: bool


def document_for(version, *, reader, kind, document_format, lang):
    """The document `reader` may have. Agreed versions give the sealed original unless the original
    shows DWP-held data the reader's policy hides; then a copy made for the reader (R-DATA-1)."""
    if kind not in KINDS or document_format not in FORMATS or lang not in LANGUAGES:
        raise ValueError("unknown document kind, format or language")
    name = filename(version.plan.customer.reference, version.number, kind, document_format, lang)
    seal = seal_of(version) if version.status.was_agreed else None
    if seal is not None and _sees_what_author_saw(reader, version):
        original = original_for(version, seal, kind, document_format, lang)
        db.session.commit()
        return Document(original.content, name, MEDIA_TYPES[kind], original=True)
    context = build_context(version, reader=reader, lang=lang, document_format=document_format,
                            verification=seal.code if seal else None)
    return Document(render(context, kind), name, MEDIA_TYPES[kind], original=False)


def _sees_what_author_saw(reader, version):
    customer_id = version.plan.customer_id
    author = _author(version)
    mine = data_access.visible_names(reader, [customer_id]).get(customer_id, "")
    theirs = data_access.visible_names(author, [customer_id]).get(customer_id, "") if author else ""
    return mine == theirs


def originals_of(version):
    seal = seal_of(version)
    return seal, (list(seal.originals) if seal else [])


# Verification (public) ---------------------------------------------------------------------------

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


def _verdict(seal, original=None):
    genuine = original is not None and sealing.record_is_genuine(original.record, original.signature)
    if seal.inspection_id is not None:
        inspection = seal.inspection
        return Verdict(code=seal.code, version_number=None, agreed_at=seal.sealed_at,
                       provider=inspection.organisation.name,
                       programme=", ".join(p.name for p in inspection.programmes), superseded=False,
                       superseded_at=None, newer_version_number=None, original=original, record_genuine=genuine,
                       report=True)
    version = db.session.get(PlanVersion, seal.version_id)
    newer = [v for v in version.plan.versions if v.number > version.number and v.status.was_agreed]
    return Verdict(
        code=seal.code, version_number=version.number, agreed_at=version.agreed_at,
        provider=version.organisation.name, programme=version.plan.programme.name,
        superseded=version.status == VersionStatus.SUPERSEDED or bool(newer), superseded_at=version.superseded_at,
        newer_version_number=max((v.number for v in newer), default=None), original=original,
        record_genuine=genuine,
    )


def verify_code(text):
    code = normalise_code(text)
    seal = db.session.scalar(select(VersionSeal).where(VersionSeal.code == code)) if code else None
    return _verdict(seal) if seal else None


@dataclass(frozen=True)
class UploadCheck:
    verdict: Verdict | None
    kind: str | None
    pdf_seal: sealing.PdfSealCheck | None


def verify_upload(data):
    """An untouched original matches a stored SHA-256 byte for byte; a PDF also carries our seal."""
    kind = "pdf" if data.startswith(b"%PDF") else "docx" if data.startswith(b"PK") else None
    pdf_seal = sealing.check_pdf_seal(data) if kind == "pdf" else None
    original = db.session.scalar(select(DocumentOriginal).where(DocumentOriginal.sha256 == sealing.sha256(data)))
    if original is None:
        return UploadCheck(verdict=None, kind=kind, pdf_seal=pdf_seal)
    return UploadCheck(verdict=_verdict(original.seal, original), kind=kind, pdf_seal=pdf_seal)


# The in-work support agreement (R-ISP-12) ----------------------------------------------------------

def agreement_document(agreement, *, employee):
    """The agreement's PDF (standard print, English): the agreement only, for the adviser and the
    employer alike. Once agreed it carries the provider's seal."""
    from portal.documents.agreement import build_agreement_context, render_agreement_pdf

    data = render_agreement_pdf(build_agreement_context(agreement, employee))
    if agreement.status.was_agreed:
        data = sealing.seal_pdf(data, reason=f"In-work support agreement {agreement.number} agreed")
    name = f"In-work-agreement-{agreement.plan.customer.reference}-a{agreement.number}.pdf"
    return Document(data, name, MEDIA_TYPES["pdf"], original=agreement.status.was_agreed)
