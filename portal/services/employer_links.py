"""The employer's remote signing link (R-ISP-12): single use, bound to one agreement content, opened
with a one-time code sent to the employer's email address — something the employer holds, where the
customer's link asks for the customer's date of birth.

Every code tried is counted before it is compared, in one UPDATE (portal.locks.claim), so guesses sent
at the same instant cannot between them compare more codes than the limit allows.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select

from portal import audit, locks, mail
from portal.extensions import db
from portal.models import EmployerSigningLink
from portal.models.base import utcnow
from portal.models.plan import SignatureMethod, VersionStatus
from portal.services import in_work
from portal.services.in_work import AgreementError

LINK_DAYS = 7
CODE_MINUTES = 15
MAX_ATTEMPTS = 5
MAX_CODES = 5


def _token_hash(token):
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def _code_hash(link, code):
    return hashlib.sha256(f"{link.id}:{link.token_hash}:{code}".encode("utf-8")).hexdigest()


def _audit(action, link, **detail):
    agreement = link.agreement
    audit.record(action, customer_id=agreement.plan.customer_id, subject_type="in_work_signing_link",
                 subject_id=link.id, detail={"agreement": agreement.number, **detail})


def create_link(agreement, *, by, email, base_url):
    from flask import url_for

    if agreement.status != VersionStatus.AWAITING_SIGNATURES:
        raise AgreementError("Send the agreement for signature first", field="email")
    if "employer" not in in_work.unsigned_parties(agreement):
        raise AgreementError("The employer has already signed", field="email")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    link = EmployerSigningLink(token_hash=_token_hash(token), agreement_id=agreement.id,
                               content_hash=agreement.content_hash, email=email.strip(), created_by_id=by.id,
                               created_at=now, expires_at=now + timedelta(days=LINK_DAYS), codes_sent=0, attempts=0)
    db.session.add(link)
    db.session.flush()
    url = base_url.rstrip("/") + url_for("employer_signing.start", token=token)
    provider = agreement.organisation.name
    mail.send(link.email, f"In-work support agreement from {provider}: please read and sign",
              f"{provider} has written an in-work support agreement for {agreement.job_title or 'a job'} at "
              f"{agreement.employer_name or 'your organisation'}, to be agreed by the employee, the employer and "
              f"{provider}.\n\nRead and sign it here (the link works once, for {LINK_DAYS} days):\n{url}\n\n"
              "When you open it we will send a code to this email address.\n", purpose="employer_signing_link")
    _audit("in_work.employer_link_sent", link)
    db.session.commit()
    return token


def usable(token):
    """The link if it still works: not used, not expired, not locked out, the agreement unchanged."""
    link = db.session.scalar(select(EmployerSigningLink).where(EmployerSigningLink.token_hash == _token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at < utcnow() or link.attempts >= MAX_ATTEMPTS:
        return None
    agreement = link.agreement
    if agreement.status != VersionStatus.AWAITING_SIGNATURES or agreement.content_hash != link.content_hash:
        return None
    return link


def mark_opened(link):
    if link.opened_at is None and locks.claim(EmployerSigningLink, link.id,
                                              where=(EmployerSigningLink.opened_at.is_(None),),
                                              values={"opened_at": utcnow()}):
        db.session.expire(link)
        _audit("in_work.employer_link_opened", link)
        db.session.commit()


def send_code(link):
    """A fresh six-digit code to the link's address; a new one replaces the last."""
    code = f"{secrets.randbelow(10 ** 6):06d}"
    if not locks.claim(EmployerSigningLink, link.id, where=(EmployerSigningLink.codes_sent < MAX_CODES,),
                       values={"codes_sent": EmployerSigningLink.codes_sent + 1, "code_hash": _code_hash(link, code),
                               "code_expires_at": utcnow() + timedelta(minutes=CODE_MINUTES)}):
        db.session.rollback()
        raise AgreementError("Too many codes have been sent for this link. Ask the provider for a new link.",
                             field="code")
    db.session.expire(link)
    mail.send(link.email, "Your code to sign the in-work support agreement",
              f"Your code is {code}\n\nIt works once, for {CODE_MINUTES} minutes. If you did not ask for it, you "
              "can ignore this email.\n", purpose="employer_signing_code")
    _audit("in_work.employer_code_sent", link, codes_sent=link.codes_sent)
    db.session.commit()


OK, WRONG, EXPIRED, LOCKED = "ok", "wrong", "expired", "locked"


def check_code(link, code):
    """OK once for the right code in time; the try is counted first (at most MAX_ATTEMPTS ever compared)."""
    if not locks.claim(EmployerSigningLink, link.id, where=(EmployerSigningLink.attempts < MAX_ATTEMPTS,),
                       values={"attempts": EmployerSigningLink.attempts + 1}):
        db.session.rollback()
        return LOCKED
    db.session.expire(link)
    code = "".join((code or "").split())
    if link.code_hash is None or link.code_expires_at is None or link.code_expires_at < utcnow():
        result = EXPIRED
    elif not hmac.compare_digest(link.code_hash, _code_hash(link, code)):
        result = WRONG
    # A right code is spent by the request that uses it: two at once, one goes through.
    elif locks.claim(EmployerSigningLink, link.id, where=(EmployerSigningLink.code_hash == link.code_hash,),
                     values={"code_hash": None, "verified_at": utcnow()}):
        db.session.expire(link)
        _audit("in_work.employer_code_checked", link, attempt=link.attempts)
        db.session.commit()
        return OK
    else:
        result = EXPIRED
    _audit("in_work.employer_code_failed", link, attempt=link.attempts, reason=result)
    db.session.commit()
    return LOCKED if link.attempts >= MAX_ATTEMPTS else result


def attempts_left(link):
    return max(MAX_ATTEMPTS - link.attempts, 0)


def sign_by_link(link, *, typed_name, signer_role, ip_address, user_agent):
    if link.verified_at is None:
        raise AgreementError("Enter the code we sent you first")
    signature = in_work.sign(link.agreement, "employer", method=SignatureMethod.EMPLOYER_LINK,
                             typed_name=typed_name, signer_role=signer_role, seen_hash=link.content_hash,
                             ip_address=ip_address, user_agent=user_agent)
    link.used_at = utcnow()
    db.session.commit()
    return signature
