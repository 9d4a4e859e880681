"""The one document service: a plan version, a format and a language -> the bytes of a document.

Views and jobs call this module; they never assemble documents. Agreed versions are sealed once
(R-SIGN-3): their documents are originals, stored on first making and never made again, so a later
change of template cannot alter them. Drafts are made afresh and marked "Draft – not agreed".

At agreement `open_seal` records the code and the variants to seal; `start_sealing` makes them after the
agreement's commit, on RQ when REDIS_URL is set (issue 17). A variant asked for later is sealed as a
dated copy of the agreed version.
"""
import importlib
import json
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, data_access
from portal.customer_words import FORMATS, LANGUAGES
from portal.documents import seal as sealing
from portal.documents.context import build_context
from portal.extensions import db
from portal.models import DocumentOriginal, PlanVersion, SignatureMethod, VersionSeal, VersionStatus
from portal.models.base import utcnow
from portal.template_helpers import UK

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
SEAL_QUEUE = "document-seals"  # the worker takes these before inspection packs (cli.py)


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


def _uk_date(moment):
    return f"{moment.astimezone(UK):%-d %B %Y}"


def _make_original(seal, version, kind, document_format, lang, *, later, context=None):
    """Render, seal and store one original. `later`: made after agreement, so sealed as a copy of the
    agreed version with today's date, never dated as if agreed (issue 17)."""
    context = context or build_context(version, reader=_author(version), lang=lang, document_format=document_format,
                                       verification=seal.code)
    data = render(context, kind)
    now = utcnow()
    if later:
        reason = (f"A copy made on {_uk_date(now)} of Individual Support Plan version {version.number}, "
                  f"the version agreed on {_uk_date(version.agreed_at)}")
    else:
        reason = f"Individual Support Plan version {version.number} agreed on {_uk_date(version.agreed_at)}"
    return store_original(seal, kind, data, document_format=document_format, lang=lang, reason=reason, record={
        "plan_version_id": version.id, "version": version.number, "agreed_at": version.agreed_at.isoformat(),
        "made_at": now.isoformat(), "sealed_as": "later copy" if later else "agreed", "reason": reason,
    }, made_later=later, created_at=now)


def store_original(seal, kind, data, *, document_format, lang, reason, record, **columns):
    """The one way an original is made, a plan's or an inspection report's (R-SIGN-3): a PDF gets the
    PAdES seal, the bytes' SHA-256 goes into the signed record with what they are, and both are stored."""
    if kind == "pdf":
        data = sealing.seal_pdf(data, reason=reason)
    digest = sealing.sha256(data)
    signed, signature = sealing.sign_record({"code": seal.code, "kind": kind, "format": document_format,
                                             "language": lang, "sha256": digest, **record})
    original = DocumentOriginal(seal_id=seal.id, kind=kind, document_format=document_format, language=lang,
                                sha256=digest, size=len(data), content=data, record=signed, signature=signature,
                                **columns)
    db.session.add(original)
    return original


def _customer_variants(version):
    """What the customer's record asks for and what they signed in (R-SIGN-2): (format, language) each."""
    preferred_lang, preferred_format = data_access.customer_preferences(version.plan.customer_id)
    signed = [s for s in version.signatures if s.party.role == "customer" and s.method != SignatureMethod.ADVISER]
    chosen = [(preferred_format, preferred_lang)]
    if signed:
        chosen.append((signed[-1].document_format or preferred_format, signed[-1].language or preferred_lang))
    return chosen


def agreement_variants(version):
    """Sealed at agreement (R-SIGN-3, issue 17): every variant the customer's record or signature asks
    for, and the standard English one, in both kinds."""
    wanted = [*_customer_variants(version), ("standard", "en")]
    return [(kind, f, lang) for f, lang in dict.fromkeys(wanted) for kind in KINDS]


def open_seal(version):
    """At agreement, in its transaction: the code and the list of variants to seal; the documents are
    made by `start_sealing` once the agreement is committed."""
    seal = VersionSeal(version_id=version.id, code=new_code(), status="queued",
                       variants=json.dumps(["/".join(v) for v in agreement_variants(version)]))
    db.session.add(seal)
    db.session.flush()
    return seal


def start_sealing(version):
    """On RQ when REDIS_URL is set (the adviser sees the progress); otherwise now, after the agreement's
    commit, so a failure to seal never undoes an agreement: what is missing is made when downloaded."""
    seal = seal_of(version)
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        Queue(SEAL_QUEUE, connection=Redis.from_url(url)).enqueue(
            "portal.documents.service.seal_agreed_variants", seal.id, job_timeout=600, result_ttl=3600)
        return
    try:
        seal_agreed_variants(seal.id)
    except Exception:  # noqa: BLE001 - recorded on the seal; the agreement stands
        current_app.logger.exception("Sealing the originals of version %s failed", version.id)


def seal_agreed_variants(seal_id):
    """Make every variant sealed at agreement that is not yet stored, committing after each (the progress)."""
    seal = db.session.get(VersionSeal, seal_id)
    version = db.session.get(PlanVersion, seal.version_id)
    seal.status = "running"
    db.session.commit()
    try:
        contexts = {}
        for kind, document_format, lang in seal.wanted:
            if _original(seal, kind, document_format, lang) is not None:
                continue
            if (document_format, lang) not in contexts:  # one context for both kinds
                contexts[document_format, lang] = build_context(
                    version, reader=_author(version), lang=lang, document_format=document_format,
                    verification=seal.code)
            try:
                with db.session.begin_nested():
                    _make_original(seal, version, kind, document_format, lang, later=False,
                                   context=contexts[document_format, lang])
            except IntegrityError:  # a download made it meanwhile: theirs is the original
                pass
            db.session.commit()
    except Exception as failure:
        db.session.rollback()
        seal = db.session.get(VersionSeal, seal_id)
        seal.status, seal.error, seal.finished_at = "failed", str(failure)[:300], utcnow()
        db.session.commit()
        raise
    seal.status, seal.finished_at = "done", utcnow()
    audit.record("document.sealed", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, detail={"code": seal.code, "originals": ["/".join(v) for v in seal.wanted]})
    db.session.commit()


def seal_progress(seal):
    """(done, total) of the variants sealed at agreement."""
    wanted = set(seal.wanted)
    done = sum(1 for o in seal.originals if (o.kind, o.document_format, o.language) in wanted)
    return done, len(wanted)


def _original(seal, kind, document_format, lang):
    return db.session.scalar(select(DocumentOriginal).where(
        DocumentOriginal.seal_id == seal.id, DocumentOriginal.kind == kind,
        DocumentOriginal.document_format == document_format, DocumentOriginal.language == lang))


def original_for(version, seal, kind, document_format, lang):
    """The stored original, made now (once) if it is not stored yet: as agreed if it is one of the
    variants sealed at agreement (its job has not reached it), else as a later copy."""
    existing = _original(seal, kind, document_format, lang)
    if existing is not None:
        return existing
    later = (kind, document_format, lang) not in seal.wanted
    try:
        with db.session.begin_nested():
            return _make_original(seal, version, kind, document_format, lang, later=later)
    except IntegrityError:  # another request made it first: theirs is the original
        return _original(seal, kind, document_format, lang)


# Handing out documents --------------------------------------------------------------------------

@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    media_type: str
    original: bool


def document_for(version, *, reader, kind, document_format, lang, progress_on=None):
    """The document `reader` may have. Agreed versions give the sealed original unless the original
    shows DWP-held data the reader's policy hides; then a copy made for the reader (R-DATA-1).
    `progress_on` (an agreed version only) asks for a copy with the progress recorded as at that day
    (R-ISP-11): progress is a record against the agreed plan, never part of the sealed original."""
    if kind not in KINDS or document_format not in FORMATS or lang not in LANGUAGES:
        raise ValueError("unknown document kind, format or language")
    name = filename(version.plan.customer.reference, version.number, kind, document_format, lang)
    seal = seal_of(version) if version.status.was_agreed else None
    if progress_on is not None and version.status.was_agreed:
        context = build_context(version, reader=reader, lang=lang, document_format=document_format,
                                verification=seal.code if seal else None, progress_on=progress_on)
        name = name.replace(f".{kind}", f"-progress-{progress_on.isoformat()}.{kind}")
        return Document(render(context, kind), name, MEDIA_TYPES[kind], original=False)
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
