"""Individual Support Plans: versions, sections, signatures (R-ISP-1..10, R-SIGN-1).

An agreed version never changes: every write goes through `_editable`, which refuses anything but a
draft. A save carries the lock version its form started from; a stale one raises Conflict.
"""
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, update

from portal import audit, data_access, locks
from portal.documents import service as documents
from portal.extensions import db
from portal.models import Referral, SigningLink
from portal.models.base import utcnow
from portal.models.plan import (
    Barrier, DistanceAssessment, DistanceDomain, DistanceScore, FundingRequest, Milestone, Objective, Plan, PlanParty,
    PlanVersion, Review, Signature, SignatureMethod, SupportItem, TaperStep, VersionStatus,
)
from portal.services import plan_rules, signers

# Scalar fields by section, in task-list order; list sections hold rows instead.
SCALAR_SECTIONS = {
    "needs": ("needs_assessment", "needs_assessed_on"),
    "goals": ("aspirations", "job_goal", "target_weekly_hours", "target_hours_reason"),
    "length": ("length_rationale",),
    "reviews": ("review_every_weeks", "first_review_on"),
    "permitted_work": ("permitted_work", "permitted_work_hours", "permitted_work_details"),
    "support_network": ("support_network_who", "support_network_agreed_on", "support_network_withdrawn_on"),
    "in_work": ("in_work", "employer_name", "job_title", "job_start_on", "check_settled_in", "check_transport",
                "check_benefits_advice", "check_adjustments"),
}
LIST_MODELS = {
    "barriers": (Barrier, ("category", "description", "impact", "response")),
    # R-ISP-11: achieved and passed dates are progress (services/progress.py), not signed content.
    "objectives": (Objective, ("what", "how_often", "measure", "target_on")),
    "support": (SupportItem, ("kind", "description", "deliverer", "deliverer_name", "planned_hours")),
    "milestones": (Milestone, ("description", "agreed_on")),
    "funding": (FundingRequest, ("source", "purpose", "amount", "outcome")),
    "taper": (TaperStep, ("from_week", "to_week", "support", "hours_per_week")),
    "parties": (PlanParty, ("role", "name", "required")),
}
RELATIONSHIPS = {"barriers": "barriers", "objectives": "objectives", "support": "support_items",
                 "milestones": "milestones", "funding": "funding", "taper": "taper_steps", "parties": "parties"}
SECTION_TITLES = {
    "needs": "Needs assessment",
    "barriers": "Barriers to work",
    "goals": "Aspirations and job goal",
    "objectives": "Objectives",
    "support": "Support and qualifications",
    "milestones": "Milestones",
    "funding": "Funding from other organisations",
    "length": "Time on the programme",
    "reviews": "Review schedule",
    "permitted_work": "Permitted work",
    "support_network": "Support network",
    "in_work": "In-work support",
    "parties": "Who signs the plan",
}


class PlanError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Conflict(Exception):
    """Someone saved this version since the form was opened."""

    def __init__(self, version):
        super().__init__("conflict")
        self.version = version


def _key():
    return secrets.token_hex(6)


def plans_for(customer_id):
    return db.session.scalars(select(Plan).where(Plan.customer_id == customer_id).order_by(Plan.created_at)).all()


def current_version(plan):
    """The newest version: the one being worked on, or the agreed one if there is no newer draft."""
    return plan.versions[-1] if plan.versions else None


def agreed_version(plan):
    agreed = [v for v in plan.versions if v.status == VersionStatus.AGREED]
    return agreed[-1] if agreed else None


def start_plan(*, customer, referral, by, customer_name):
    """R-ISP-1: a plan is started when the customer starts; version 1 is a draft."""
    if referral.started_on is None:
        raise PlanError("Record that the customer has started before starting their plan")
    locks.lock_row(Referral, referral.id)  # two "start plan" clicks at once must not make two plans
    existing = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id,
                                                    Plan.programme_id == referral.programme_id))
    if existing is not None:
        raise PlanError("This customer already has a plan for this programme")
    plan = Plan(customer_id=customer.id, programme_id=referral.programme_id)
    version = PlanVersion(plan=plan, number=1, organisation_id=referral.organisation_id, referral=referral,
                          status=VersionStatus.DRAFT, created_by_id=by.id, reason="First plan")
    version.parties = [
        PlanParty(key=_key(), position=0, role="customer", name=customer_name, required=True),
        PlanParty(key=_key(), position=1, role="adviser", name=by.name, required=True),
    ]
    db.session.add(plan)
    db.session.flush()
    audit.record("plan.started", customer_id=customer.id, subject_type="plan_version", subject_id=version.id)
    db.session.commit()
    return plan


def _claim_draft(version, expected_lock):
    """R-SIGN-4: check the lock the form started from and bump it in one statement, so that of two
    saves made at the same instant one wins and the other gets the conflict page; a colleague's
    "send for signature" claims the same row, so nothing is saved into a plan already sent. A form
    with no lock number is a conflict too: its author may not have seen the latest text."""
    if version.status != VersionStatus.DRAFT:
        raise PlanError(f"Version {version.number} is {version.status.label.lower()} and cannot change. "
                        "Start a new version to make changes.")
    if expected_lock is None or not locks.claim(
            PlanVersion, version.id,
            where=(PlanVersion.lock_version == int(expected_lock), PlanVersion.status == VersionStatus.DRAFT),
            values={"lock_version": PlanVersion.lock_version + 1}):
        raise Conflict(version)
    # Read the version again under the lock: what follows works on the committed content.
    db.session.expire(version)


def _touch(version, by, section, customer_id):
    audit.record("plan.section_saved", customer_id=customer_id, subject_type="plan_version",
                 subject_id=version.id, detail={"section": section, "version": version.number})


def save_section(version, section, values, *, expected_lock, by):
    _claim_draft(version, expected_lock)
    for name in SCALAR_SECTIONS[section]:
        if name in values:
            setattr(version, name, values[name])
    _touch(version, by, section, version.plan.customer_id)
    db.session.commit()


def save_item(version, section, values, *, expected_lock, by, item=None, objective_ids=None):
    _claim_draft(version, expected_lock)
    model, fields = LIST_MODELS[section]
    rows = getattr(version, RELATIONSHIPS[section])
    if item is None:
        item = model(key=_key(), position=len(rows))
        rows.append(item)
    for name in fields:
        if name in values:
            setattr(item, name, values[name])
    if objective_ids is not None:
        item.objectives = [o for o in version.objectives if o.id in set(objective_ids)]
    _touch(version, by, section, version.plan.customer_id)
    db.session.commit()
    return item


def remove_item(version, section, item, *, expected_lock, by):
    _claim_draft(version, expected_lock)
    getattr(version, RELATIONSHIPS[section]).remove(item)
    _touch(version, by, section, version.plan.customer_id)
    db.session.commit()


def item_of(version, section, item_id):
    for item in getattr(version, RELATIONSHIPS[section]):
        if item.id == item_id:
            return item
    return None


# Content, hash and comparison ------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def canonical_content(version):
    """Everything the parties agree to, as plain data in a fixed order (what the hash covers)."""
    content = {"plan_id": version.plan_id, "version": version.number}
    for fields in SCALAR_SECTIONS.values():
        for name in fields:
            content[name] = _plain(getattr(version, name))
    for section, (_model, fields) in LIST_MODELS.items():
        rows = []
        for item in getattr(version, RELATIONSHIPS[section]):
            row = {"key": item.key, **{name: _plain(getattr(item, name)) for name in fields}}
            if section == "support":
                row["objectives"] = sorted(o.key for o in item.objectives)
            rows.append(row)
        content[section] = rows
    return content


def content_hash(version):
    payload = json.dumps(canonical_content(version), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class Change:
    section: str
    what: str
    before: object
    after: object
    # For words a customer reads (issue 16): which section, added/changed/removed (or "field" for a
    # section's own answers), and the item's own text.
    section_key: str = ""
    kind: str = "field"
    item: str = ""


def compare(older, newer):
    """What changed from one version to another, section by section."""
    a, b = canonical_content(older), canonical_content(newer)
    changes = []
    for section, fields in SCALAR_SECTIONS.items():
        for name in fields:
            if a[name] != b[name]:
                changes.append(Change(SECTION_TITLES[section], name.replace("_", " ").capitalize(), a[name], b[name],
                                      section))
    for section, (_model, fields) in LIST_MODELS.items():
        before = {row["key"]: row for row in a[section]}
        after = {row["key"]: row for row in b[section]}
        for key, row in after.items():
            label = _row_label(row)
            if key not in before:
                changes.append(Change(SECTION_TITLES.get(section, section), f"Added: {label}", None, _row_text(row),
                                      section, "added", label))
            elif before[key] != row:
                changes.append(Change(SECTION_TITLES.get(section, section), f"Changed: {label}",
                                      _row_text(before[key]), _row_text(row), section, "changed", label))
        for key, row in before.items():
            if key not in after:
                label = _row_label(row)
                changes.append(Change(SECTION_TITLES.get(section, section), f"Removed: {label}",
                                      _row_text(row), None, section, "removed", label))
    return changes


def changes_for_customer(older, newer):
    """What changed, once per section and item, for the customer's own words (see `customer_words`):
    a section's answers changing is one change, not one per field."""
    found, seen = [], set()
    for change in compare(older, newer):
        key = (change.section_key, change.kind, change.item)
        if key not in seen:
            seen.add(key)
            found.append(change)
    return found


def _row_label(row):
    return plan_rules._short(row_label(row))


def row_label(item):
    """What an item of a list section is called: its text, whichever field holds it. `item` is a row of
    the model or of `canonical_content`."""
    value = item.get if isinstance(item, dict) else lambda name: getattr(item, name, None)
    for name in ("what", "description", "source", "name", "support"):
        if value(name):
            return str(value(name))
    return ""


def _row_text(row):
    return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in row.items() if k != "key" and v not in (None, "", []))


# Signing ---------------------------------------------------------------------------------------


def check(version):
    return plan_rules.problems(version, version.plan.programme)


def send_for_signature(version, *, expected_lock, by):
    _claim_draft(version, expected_lock)
    found = check(version)
    if found:
        raise PlanError(f"The plan breaks {len(found)} rule{'s' if len(found) != 1 else ''}")
    version.status = VersionStatus.AWAITING_SIGNATURES
    version.sent_for_signature_at = utcnow()
    version.content_hash = content_hash(version)
    audit.record("plan.sent_for_signature", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, detail={"content_hash": version.content_hash})
    db.session.commit()


def return_to_draft(version, *, by):
    if version.status != VersionStatus.AWAITING_SIGNATURES or not locks.claim(
            PlanVersion, version.id, where=(PlanVersion.status == VersionStatus.AWAITING_SIGNATURES,),
            values={"lock_version": PlanVersion.lock_version + 1}):
        raise PlanError("Only a plan awaiting signatures can go back to draft")
    db.session.expire(version)
    version.status = VersionStatus.DRAFT
    version.content_hash = None
    audit.record("plan.returned_to_draft", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id)
    db.session.commit()


def unsigned_parties(version):
    signed = {s.party_id for s in version.signatures if s.content_hash == version.content_hash}
    return [p for p in version.parties if p.required and p.id not in signed]


CHANGED_SINCE_READ = "The plan has changed since this page was opened. Read it again before signing."


def sign(version, party, *, method, typed_name, declaration, seen_hash, by=None, language="en",
         document_format="standard", representative_relationship=None, representative_reason=None,
         witness_name=None, witness_relationship=None, witness_reason=None, drawn_signature_png=None,
         ip_address=None, user_agent=None):
    """R-SIGN-1: record one party's agreement to the exact content they saw; agree when all have signed."""
    if version.status != VersionStatus.AWAITING_SIGNATURES:
        raise PlanError("This version is not waiting for signatures")
    if seen_hash != version.content_hash:
        raise PlanError(CHANGED_SINCE_READ)
    # R-SIGN-4: a signature, and the agreement it may complete, is made under the version's row lock,
    # on content read again and hashed again: a change made since the signer opened the page, or a
    # colleague's signature or "back to draft" at the same instant, is seen here and nothing is signed.
    if not locks.claim(PlanVersion, version.id,
                       where=(PlanVersion.status == VersionStatus.AWAITING_SIGNATURES,
                              PlanVersion.content_hash == seen_hash),
                       values={"lock_version": PlanVersion.lock_version + 1}):
        raise PlanError(CHANGED_SINCE_READ)
    db.session.expire(version)
    if content_hash(version) != seen_hash:
        raise PlanError(CHANGED_SINCE_READ)
    if party.version_id != version.id or party not in unsigned_parties(version):
        raise PlanError("This person has already signed this version")
    problem = signers.signer_problem(
        party_role=party.role, method=str(method), recorded_names=recorded_names(version, party),
        typed_name=typed_name, representative_relationship=representative_relationship,
        representative_reason=representative_reason, witness_name=witness_name,
        witness_relationship=witness_relationship, witness_reason=witness_reason)
    if problem:
        raise PlanError(problem[1], field=problem[0])
    signature = Signature(
        version_id=version.id, party_id=party.id, method=method, typed_name=typed_name.strip(),
        content_hash=version.content_hash, declaration=declaration, language=language,
        document_format=document_format, representative_relationship=representative_relationship,
        representative_reason=representative_reason, witness_name=witness_name,
        witness_relationship=(witness_relationship or "").strip() or None,
        witness_reason=(witness_reason or "").strip() or None, drawn_signature_png=drawn_signature_png, recorded_by_id=by.id if by else None,
        ip_address=ip_address, user_agent=(user_agent or "")[:300] or None,
    )
    db.session.add(signature)
    db.session.flush()
    db.session.refresh(version)
    audit.record("plan.signed", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, actor=by,
                 detail={"party": party.role, "method": str(method), "content_hash": version.content_hash})
    agreed_now = not unsigned_parties(version)
    if agreed_now:
        _agree(version)
    db.session.commit()
    if agreed_now:
        documents.start_sealing(version)
    return signature


def recorded_names(version, party):
    """R-SIGN-4: the names a party may sign as: the plan's party name and, for the customer, the name on
    their record (read through data_access, which hands out no other field)."""
    names = [party.name]
    if party.role == "customer":
        names.append(data_access.recorded_name(version.plan.customer_id))
    return [name for name in names if name]


def _agree(version):
    now = utcnow()
    for other in version.plan.versions:
        if other.status == VersionStatus.AGREED and other.id != version.id:
            other.status = VersionStatus.SUPERSEDED
            other.superseded_at = now
    version.status = VersionStatus.AGREED
    version.agreed_at = now
    plan = version.plan
    latest_review = plan.reviews[0] if plan.reviews else None
    if latest_review is None or latest_review.next_review_on is None:
        plan.next_review_on = version.first_review_on
    audit.record("plan.agreed", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, detail={"content_hash": version.content_hash})
    documents.open_seal(version)


def revise(plan, *, by, reason, organisation_id=None, referral=None):
    """R-ISP-10: changing an agreed plan starts a new draft, a copy of the latest version."""
    reason = (reason or "").strip()
    if not reason:
        raise PlanError("Say why the plan is changing", field="reason")
    # Two revisions at the same instant would both number themselves max + 1: queue them on the plan.
    locks.lock_row(Plan, plan.id)
    db.session.expire(plan)
    source = current_version(plan)
    continuing = organisation_id is not None and organisation_id != source.organisation_id
    if source.status in (VersionStatus.DRAFT, VersionStatus.AWAITING_SIGNATURES) and not continuing:
        raise PlanError("There is already a version in progress")
    # R-REF-1: after a transfer the receiving provider continues the current plan as its own new version.
    number = (db.session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.plan_id == plan.id)) or 0) + 1
    version = PlanVersion(plan=plan, number=number, organisation_id=organisation_id or source.organisation_id,
                          referral=referral or source.referral, status=VersionStatus.DRAFT, created_by_id=by.id,
                          reason=reason)
    db.session.add(version)
    for section, fields in SCALAR_SECTIONS.items():
        for name in fields:
            # In-work support lives in the in-work support agreement since 0019 (R-ISP-12): not copied on.
            if section != "in_work":
                setattr(version, name, getattr(source, name))
    version.in_work = False
    keys_to_objective = {}
    for section, (model, fields) in LIST_MODELS.items():
        if section == "taper":
            setattr(version, RELATIONSHIPS[section], [])
            continue
        copies = []
        for item in getattr(source, RELATIONSHIPS[section]):
            copy = model(key=item.key, position=item.position, **{name: getattr(item, name) for name in fields})
            if section == "objectives":
                keys_to_objective[item.key] = copy
            if section == "support":
                copy.objectives = [keys_to_objective[o.key] for o in item.objectives if o.key in keys_to_objective]
            copies.append(copy)
        setattr(version, RELATIONSHIPS[section], copies)
    db.session.flush()
    audit.record("plan.revised", customer_id=plan.customer_id, subject_type="plan_version", subject_id=version.id,
                 detail={"from_version": source.number, "reason": reason})
    db.session.commit()
    return version


# Reviews and distance travelled ------------------------------------------------------------------


def record_review(plan, *, by, held_on, participants, what_changed, next_review_on, today):
    """R-ISP-5: a review held, who took part, what changed, and the next review date."""
    if held_on > today:
        raise PlanError("The review date must be today or in the past", field="held_on")
    if next_review_on <= held_on:
        raise PlanError("The next review must be after this one", field="next_review_on")
    review = Review(plan_id=plan.id, version_id=current_version(plan).id, held_on=held_on,
                    participants=participants.strip(), what_changed=(what_changed or "").strip() or None,
                    next_review_on=next_review_on, recorded_by_id=by.id)
    db.session.add(review)
    plan.next_review_on = next_review_on
    db.session.flush()
    audit.record("plan.reviewed", customer_id=plan.customer_id, subject_type="plan_review", subject_id=review.id,
                 detail={"held_on": held_on, "next_review_on": next_review_on})
    db.session.commit()
    return review


def domains_for(programme_id):
    return db.session.scalars(select(DistanceDomain).where(DistanceDomain.programme_id == programme_id)
                              .order_by(DistanceDomain.position)).all()


def record_assessment(plan, *, by, assessed_on, label, scores, today):
    """R-ISP-6: one distance-travelled assessment, a score from 1 to 10 for each of the programme's domains."""
    if assessed_on > today:
        raise PlanError("The assessment date must be today or in the past", field="assessed_on")
    domains = domains_for(plan.programme_id)
    missing = [d.label for d in domains if scores.get(d.id) is None]
    if missing:
        raise PlanError(f"Give a score for {missing[0].lower()}", field=f"domain_{domains[0].id}")
    assessment = DistanceAssessment(plan_id=plan.id, assessed_on=assessed_on, label=label.strip(),
                                    recorded_by_id=by.id)
    assessment.scores = [DistanceScore(domain_id=d.id, score=int(scores[d.id])) for d in domains]
    db.session.add(assessment)
    db.session.flush()
    audit.record("plan.distance_assessed", customer_id=plan.customer_id, subject_type="distance_assessment",
                 subject_id=assessment.id, detail={"label": label, "scores": {d.code: scores[d.id] for d in domains}})
    db.session.commit()
    return assessment


def distance_table(plan):
    """(domains, [(assessment, {domain id: score})]) in date order, for the chart and its table."""
    domains = domains_for(plan.programme_id)
    rows = [(a, {s.domain_id: s.score for s in a.scores}) for a in plan.assessments]
    return domains, rows


# Remote signing links ----------------------------------------------------------------------------

SIGNING_LINK_DAYS = 7
SIGNING_CHECK_ATTEMPTS = 5


def create_signing_link(version, party, *, by, email, base_url):
    """A single-use link, expiring in 7 days, bound to this version's exact content; sent by the mail service."""
    from datetime import timedelta

    from flask import url_for

    from portal import mail
    from portal.security.tokens import new_token, token_hash

    if version.status != VersionStatus.AWAITING_SIGNATURES:
        raise PlanError("Send the plan for signature first")
    if party not in unsigned_parties(version):
        raise PlanError("This person has already signed")
    if party.role == "employer":
        # R-ISP-12: the plan's link checks the customer's date of birth; the employer signs the in-work
        # support agreement, by its own link and code.
        raise PlanError("The employer signs the in-work support agreement: send them its link instead")
    token = new_token()
    now = utcnow()
    link = SigningLink(token_hash=token_hash(token), version_id=version.id, party_id=party.id,
                       content_hash=version.content_hash, created_by_id=by.id, created_at=now,
                       expires_at=now + timedelta(days=SIGNING_LINK_DAYS))
    db.session.add(link)
    db.session.flush()
    url = base_url.rstrip("/") + url_for("signing.start", token=token)
    first = data_access.customer_preferences(version.plan.customer_id)[0] if party.role == "customer" else "en"
    mail.send(email, *_signing_email(party, url, version.organisation.name, first), purpose="signing_link")
    audit.record("plan.signing_link_sent", customer_id=version.plan.customer_id, subject_type="plan_signing_link",
                 subject_id=link.id, detail={"party": party.role})
    db.session.commit()
    return token


def _signing_email(party, url, provider, first_lang):
    """(subject, body) in English and Welsh, the customer's own language first (R-SIGN-2)."""
    from portal.customer_words import words

    languages = (first_lang, "cy" if first_lang == "en" else "en")
    subject = " / ".join(str(words(lang)["email_subject"]) for lang in languages)
    body = "\n\n* * *\n\n".join(
        words(lang)["email_body"].format(name=party.name, url=f"{url}?lang={lang}", days=SIGNING_LINK_DAYS,
                                         provider=provider) for lang in languages)
    return subject, body + "\n"


def usable_signing_link(token):
    """The link, if it still works: not used, not expired, not locked, and the plan unchanged since it was sent."""
    from portal.security.tokens import token_hash

    link = db.session.scalar(select(SigningLink).where(SigningLink.token_hash == token_hash(token or "")))
    if link is None or link.used_at is not None or link.expires_at < utcnow():
        return None
    if link.failed_checks >= SIGNING_CHECK_ATTEMPTS:
        return None
    version = link.version
    if version.status != VersionStatus.AWAITING_SIGNATURES or version.content_hash != link.content_hash:
        return None
    return link


def record_failed_check(link):
    # Counted in the database, so five guesses sent at once count as five (R-SIGN-1's 5 tries).
    db.session.execute(update(SigningLink).where(SigningLink.id == link.id)
                       .values(failed_checks=SigningLink.failed_checks + 1))
    db.session.refresh(link)
    audit.record("plan.signing_check_failed", customer_id=link.version.plan.customer_id,
                 subject_type="plan_signing_link", subject_id=link.id, detail={"attempt": link.failed_checks})
    db.session.commit()
    return SIGNING_CHECK_ATTEMPTS - link.failed_checks


def sign_by_link(link, *, typed_name, declaration, language, document_format, ip_address, user_agent):
    version = link.version
    signature = sign(version, link.party, method=SignatureMethod.REMOTE_LINK, typed_name=typed_name,
                     declaration=declaration, seen_hash=link.content_hash, language=language,
                     document_format=document_format, ip_address=ip_address, user_agent=user_agent)
    link.used_at = utcnow()
    db.session.commit()
    return signature


def last_signed_by(version, role):
    """The newest earlier version this party's role signed, to show what changed since (issue 4)."""
    earlier = [v for v in version.plan.versions if v.number < version.number
               and v.status.was_agreed
               and any(s.party.role == role for s in v.signatures)]
    return earlier[-1] if earlier else None
