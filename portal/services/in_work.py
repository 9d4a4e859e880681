"""The in-work support agreement (R-ISP-12): versions, content, signatures and the IFS 12 progress checks.

An agreement is a part of the customer's plan with a life of its own: drafted after a job start from
the job record, sent with its own content hash, and agreed when the customer, the employer and the
provider have signed that content. An agreed agreement never changes; a change starts a new one.
"""
import hashlib
import json
import secrets

from sqlalchemy import func, select

from portal import audit, locks
from portal.extensions import db
from portal.models import InWorkAgreement, InWorkCheck, InWorkJob, InWorkSignature, Plan, Referral, TaperStep
from portal.models.base import utcnow
from portal.models.plan import SignatureMethod, VersionStatus
from portal.services import plan_rules
from portal.services.plans import _plain

CONTENT_FIELDS = ("employer_contact_name", "employer_contact_role", "employer_email", "provider_contact",
                  "settling_in", "transport", "benefits_advice", "support", "adjustments", "colleague_advice",
                  "unexpected_issues")
TAPER_FIELDS = ("from_week", "to_week", "support", "hours_per_week")
# Who may sign for each party, and how.
PARTY_METHODS = {
    "customer": {SignatureMethod.IN_PERSON},
    "provider": {SignatureMethod.ADVISER},
    "employer": {SignatureMethod.EMPLOYER_IN_PERSON, SignatureMethod.EMPLOYER_LINK},
}
DECLARATIONS = {
    "customer": "I have read this in-work support agreement, or had it read to me. I understand it and I agree to it.",
    "provider": "I agree this in-work support with the customer and the employer on behalf of my organisation.",
    "employer": "I have read this in-work support agreement. I agree to the employer's part in it, and I may agree "
                "it on the employer's behalf.",
}
CHANGED = "The agreement has changed since this page was opened. Read it again before signing."


class AgreementError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Conflict(Exception):
    pass


def agreements_of(plan):
    return db.session.scalars(select(InWorkAgreement).where(InWorkAgreement.plan_id == plan.id)
                              .order_by(InWorkAgreement.number)).all()


def current(plan):
    found = agreements_of(plan)
    return found[-1] if found else None


def agreed(plan):
    found = [a for a in agreements_of(plan) if a.status == VersionStatus.AGREED]
    return found[-1] if found else None


def jobs_for(plan):
    """The customer's jobs on this plan's programme (the job record is the one source of the job)."""
    return db.session.scalars(
        select(InWorkJob).join(Referral, Referral.id == InWorkJob.referral_id)
        .where(Referral.customer_id == plan.customer_id, Referral.programme_id == plan.programme_id)
        .order_by(InWorkJob.started_on.desc(), InWorkJob.id.desc())).all()


def _audit(action, agreement, **detail):
    audit.record(action, customer_id=agreement.plan.customer_id, subject_type="in_work_agreement",
                 subject_id=agreement.id, detail={"agreement": agreement.number, **detail})


def start(plan, *, job, by, organisation_id, reason):
    """A new draft agreement for `job`; a copy of the latest agreement's terms when there is one."""
    if job is None or job not in jobs_for(plan):
        raise AgreementError("Choose the job this agreement is for", field="job_id")
    reason = (reason or "").strip()
    locks.lock_row(Plan, plan.id)  # two "start" clicks at once must not make two number n
    latest = current(plan)
    if latest is not None and latest.status in (VersionStatus.DRAFT, VersionStatus.AWAITING_SIGNATURES):
        raise AgreementError("There is already an in-work support agreement in progress", field="job_id")
    if latest is not None and not reason:
        raise AgreementError("Say why the agreement is changing", field="reason")
    number = (db.session.scalar(select(func.max(InWorkAgreement.number))
                                .where(InWorkAgreement.plan_id == plan.id)) or 0) + 1
    agreement = InWorkAgreement(plan=plan, number=number, organisation_id=organisation_id, job_id=job.id,
                                status=VersionStatus.DRAFT, created_by_id=by.id,
                                reason=reason or "First in-work support agreement")
    if latest is not None:
        for name in CONTENT_FIELDS:
            setattr(agreement, name, getattr(latest, name))
        agreement.taper_steps = [TaperStep(key=s.key, position=s.position, **{n: getattr(s, n) for n in TAPER_FIELDS})
                                 for s in latest.taper_steps]
    db.session.add(agreement)
    db.session.flush()
    _audit("in_work.agreement_started", agreement, job_id=job.id, reason=agreement.reason)
    db.session.commit()
    return agreement


def _claim_draft(agreement, expected_lock):
    """R-SIGN-4: a save or a send checks the lock its form started from and bumps it in one statement."""
    if agreement.status != VersionStatus.DRAFT:
        raise AgreementError(f"Agreement {agreement.number} is {agreement.status.label.lower()} and cannot change. "
                             "Start a new one to make changes.")
    try:
        expected = int(expected_lock)
    except (TypeError, ValueError):
        raise Conflict() from None
    if not locks.claim(InWorkAgreement, agreement.id,
                       where=(InWorkAgreement.lock_version == expected,
                              InWorkAgreement.status == VersionStatus.DRAFT),
                       values={"lock_version": InWorkAgreement.lock_version + 1}):
        raise Conflict()
    db.session.expire(agreement)


def save(agreement, values, *, expected_lock, by):
    _claim_draft(agreement, expected_lock)
    for name in CONTENT_FIELDS:
        if name in values:
            setattr(agreement, name, (values[name] or "").strip() or None)
    _audit("in_work.agreement_saved", agreement)
    db.session.commit()


def add_taper_step(agreement, values, *, expected_lock, by):
    if values.get("to_week") is not None and values["to_week"] < values["from_week"]:
        raise AgreementError("The last week must be the same as or after the first week", field="to_week")
    _claim_draft(agreement, expected_lock)
    agreement.taper_steps.append(TaperStep(key=secrets.token_hex(6), position=len(agreement.taper_steps),
                                           **{n: values.get(n) for n in TAPER_FIELDS}))
    _audit("in_work.taper_added", agreement, from_week=values["from_week"])
    db.session.commit()


def remove_taper_step(agreement, step, *, expected_lock, by):
    _claim_draft(agreement, expected_lock)
    agreement.taper_steps.remove(step)
    _audit("in_work.taper_removed", agreement, from_week=step.from_week)
    db.session.commit()


# Content and hash --------------------------------------------------------------------------------


def canonical_content(agreement):
    """Everything the three parties agree to, and nothing else of the plan (JCP 92)."""
    content = {"plan_id": agreement.plan_id, "agreement": agreement.number, "job_id": agreement.job_id,
               "employer_name": agreement.employer_name, "job_title": agreement.job_title,
               "started_on": _plain(agreement.started_on)}
    for name in CONTENT_FIELDS:
        content[name] = getattr(agreement, name)
    content["taper"] = [{"key": s.key, **{n: _plain(getattr(s, n)) for n in TAPER_FIELDS}}
                        for s in agreement.taper_steps]
    return content


def content_hash(agreement):
    payload = json.dumps(canonical_content(agreement), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def send_for_signature(agreement, *, expected_lock, by):
    _claim_draft(agreement, expected_lock)
    found = plan_rules.agreement_problems(agreement)
    if found:
        raise AgreementError(f"The agreement is missing {len(found)} thing{'s' if len(found) != 1 else ''}")
    agreement.status = VersionStatus.AWAITING_SIGNATURES
    agreement.sent_for_signature_at = utcnow()
    agreement.content_hash = content_hash(agreement)
    _audit("in_work.sent_for_signature", agreement, content_hash=agreement.content_hash)
    db.session.commit()


def unsigned_parties(agreement):
    signed = plan_rules.agreement_signed_by(agreement)
    return [p for p in plan_rules.AGREEMENT_PARTIES if p not in signed]


def _same_name(a, b):
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


def sign(agreement, party, *, method, typed_name, seen_hash, expected_name=None, signer_role=None, by=None,
         language="en", declaration=None, ip_address=None, user_agent=None):
    """R-ISP-12, R-SIGN-1: one party's agreement to the exact content they read; agreed when all three signed.

    `expected_name`: the name the typed one must match (R-SIGN-4) — the customer as recorded, the
    adviser signing for the provider. The employer gives their own name and their role there."""
    if party not in plan_rules.AGREEMENT_PARTIES or method not in PARTY_METHODS[party]:
        raise AgreementError("This person cannot sign this way")
    typed_name = " ".join((typed_name or "").split())
    if not typed_name:
        raise AgreementError("Type your name to sign", field="typed_name")
    if len(typed_name) > 200:
        raise AgreementError("Your name must be 200 characters or fewer", field="typed_name")
    if expected_name is not None and not _same_name(typed_name, expected_name):
        raise AgreementError(f"The name typed must be {expected_name}, the person signing", field="typed_name")
    signer_role = " ".join((signer_role or "").split()) or None
    if party == "employer" and not signer_role:
        raise AgreementError("Enter your role at the employer", field="signer_role")
    if signer_role and len(signer_role) > 120:
        raise AgreementError("Your role must be 120 characters or fewer", field="signer_role")
    if agreement.status != VersionStatus.AWAITING_SIGNATURES:
        raise AgreementError("This agreement is not waiting for signatures")
    # R-SIGN-4: under the agreement's row lock, on content read and hashed again.
    if seen_hash != agreement.content_hash or not locks.claim(
            InWorkAgreement, agreement.id,
            where=(InWorkAgreement.status == VersionStatus.AWAITING_SIGNATURES,
                   InWorkAgreement.content_hash == seen_hash),
            values={"lock_version": InWorkAgreement.lock_version + 1}):
        raise AgreementError(CHANGED)
    db.session.expire(agreement)
    if content_hash(agreement) != seen_hash:
        raise AgreementError(CHANGED)
    if party not in unsigned_parties(agreement):
        raise AgreementError("This person has already signed this agreement")
    signature = InWorkSignature(agreement_id=agreement.id, party=party, method=method, typed_name=typed_name,
                                signer_role=signer_role, content_hash=seen_hash,
                                declaration=declaration or DECLARATIONS[party],
                                language=language, recorded_by_id=by.id if by else None, ip_address=ip_address,
                                user_agent=(user_agent or "")[:300] or None)
    db.session.add(signature)
    db.session.flush()
    db.session.refresh(agreement)
    audit.record("in_work.signed", customer_id=agreement.plan.customer_id, subject_type="in_work_agreement",
                 subject_id=agreement.id, actor=by,
                 detail={"party": party, "method": str(method), "signer_role": signer_role,
                         "content_hash": seen_hash})
    if not unsigned_parties(agreement):
        _agree(agreement)
    db.session.commit()
    return signature


def _agree(agreement):
    now = utcnow()
    for other in agreements_of(agreement.plan):
        if other.status == VersionStatus.AGREED and other.id != agreement.id:
            other.status = VersionStatus.SUPERSEDED
            other.superseded_at = now
    agreement.status = VersionStatus.AGREED
    agreement.agreed_at = now
    _audit("in_work.agreed", agreement, content_hash=agreement.content_hash)


# Progress: the IFS 12 checks (not signed content) -------------------------------------------------


def record_check(agreement, *, item, done_on, done_by, note, by, today):
    """R-ISP-8: a check done after the job start, with when, who and a note. Needs no new signature."""
    if item not in plan_rules.IFS12_ITEMS:
        raise AgreementError("Choose which check was done", field="item")
    if done_on is None:
        raise AgreementError("Enter the date the check was done", field="done_on")
    started = agreement.started_on
    if started is not None and done_on < started:
        raise AgreementError(f"The check cannot be before the job started on {started:%d %B %Y}", field="done_on")
    if done_on > today:
        raise AgreementError("The date of the check must be today or in the past", field="done_on")
    done_by = " ".join((done_by or "").split())
    note = (note or "").strip()
    if not done_by:
        raise AgreementError("Enter who did the check", field="done_by")
    if not note:
        raise AgreementError("Enter what was found or agreed", field="note")
    check = InWorkCheck(agreement_id=agreement.id, item=item, done_on=done_on, done_by=done_by[:200], note=note,
                        recorded_by_id=by.id)
    db.session.add(check)
    db.session.flush()
    _audit("in_work.check_recorded", agreement, item=item, done_on=done_on.isoformat(), check_id=check.id)
    db.session.commit()
    return check


def checks_of(plan):
    """Every check recorded against any of the plan's agreements, newest first."""
    return db.session.scalars(select(InWorkCheck).join(InWorkAgreement, InWorkAgreement.id == InWorkCheck.agreement_id)
                              .where(InWorkAgreement.plan_id == plan.id)
                              .order_by(InWorkCheck.done_on.desc(), InWorkCheck.id.desc())).all()
