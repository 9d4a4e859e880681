"""The checklist of one sampled customer's plan (R-INSP-1): computed from the rule functions the
advisers' pages use (plan_rules.problems, hours_rules.missing_weeks, the document seals), never typed."""
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.data_access import HEALTH_FIELDS
from portal.extensions import db
from portal.models import (
    AuditEvent, AuditEventCustomer, Consent, ConsentKind, Organisation, PlanVersion, Signature, SignatureMethod,
    SupportItem,
)
from portal.services import inspection_review, inspection_rules, plan_rules
from portal.template_helpers import UK

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not applicable"


@dataclass(frozen=True)
class Check:
    rule: str
    question: str
    result: str
    detail: str
    evidence: str | None  # a link to the page that shows it


def _result(ok):
    return PASS if ok else FAIL


def _messages(problems, *rules):
    return "; ".join(p.message for p in problems if p.rule in rules)


def checklist(inspection, customer_id, today):
    """One customer's checklist: (checks, the version checked or None, the referral row or None)."""
    return checklists(inspection, [customer_id], today)[customer_id]


def checklists(inspection, customer_ids, today):
    """{customer id: (checks, version, referral)} for a set of customers (a whole sample): a fixed
    number of set-based queries however many customers (issue 13's 50-customer checklist page)."""
    customer_ids = list(dict.fromkeys(customer_ids))
    facts = inspection_review.gather(inspection, customer_ids)
    version_ids = [v for v, _p, _f in facts.latest_agreed.values()]
    versions = {v.id: v for v in db.session.scalars(
        select(PlanVersion).where(PlanVersion.id.in_(version_ids)).options(*_VERSION_LOADS))} if version_ids else {}
    programmes = {p.id: p for p in inspection.programmes}
    shown = _health_shown(inspection, customer_ids)
    consents = _consents(inspection, customer_ids)
    in_work_facts = _in_work_facts([v.plan for v in versions.values()])
    referrals = {}
    for row in facts.referrals:
        referrals.setdefault(row[1], row)
    result = {}
    for customer_id in customer_ids:
        agreed = facts.latest_agreed.get(customer_id)
        version = versions.get(agreed[0]) if agreed else None
        referral = referrals.get(customer_id)
        if version is None:
            checks = [Check("R-ISP-1", "Plan agreed after a needs assessment", FAIL,
                            "No plan version was agreed by the end of the period", None)]
        else:
            checks = _version_checks(inspection, facts, customer_id, version, programmes[version.plan.programme_id],
                                     referral, today, in_work_facts)
            checks.append(_hours_check(inspection, facts, referral, customer_id, version, today))
            checks.append(_health_consent_check(customer_id, shown.get(customer_id, []),
                                                consents.get((customer_id, ConsentKind.HEALTH), [])))
            checks.append(_support_network_check(customer_id, version,
                                                 consents.get((customer_id, ConsentKind.SUPPORT_NETWORK), [])))
        result[customer_id] = (checks, version, referral)
    return result


_VERSION_LOADS = (
    selectinload(PlanVersion.plan), selectinload(PlanVersion.referral), selectinload(PlanVersion.barriers), selectinload(PlanVersion.objectives),
    selectinload(PlanVersion.support_items).selectinload(SupportItem.objectives), selectinload(PlanVersion.milestones), selectinload(PlanVersion.funding),
    selectinload(PlanVersion.taper_steps), selectinload(PlanVersion.parties),
    selectinload(PlanVersion.signatures).selectinload(Signature.party),
)


def _version_checks(inspection, facts, customer_id, version, programme, referral, today, in_work_facts):
    checks = []
    add = checks.append
    plan = version.plan
    problems = plan_rules.problems(version, programme)
    page = url_for("plans.version", customer_id=customer_id, version_id=version.id)
    documents = url_for("documents.index", customer_id=customer_id, version_id=version.id)

    started_on = referral[3] if referral else None
    agreed_on = version.agreed_at.astimezone(UK).date()
    late_start = started_on is not None and version.number == 1 and agreed_on < started_on
    isp1 = _messages(problems, "R-ISP-1")
    add(Check("R-ISP-1", "Plan agreed at the start, after a needs assessment", _result(not isp1 and not late_start),
              isp1 or ("Agreed before the customer started" if late_start else
                       f"Version {version.number} agreed on {agreed_on:%d %B %Y}"), page))
    for rule, question in (("R-ISP-2", "Aspirations, job goal, and the 16-hour aim or the reason"),
                           ("R-ISP-3", "Every support item and qualification linked to an objective"),
                           ("R-ISP-4", "Objectives are SMART")):
        found = _messages(problems, rule)
        add(Check(rule, question, _result(not found), found or "As the rule asks", page))
    late = inspection_rules.late_reviews(version.first_review_on, facts.reviews.get(plan.id, []),
                                         min(inspection.period_to, today))
    add(Check("R-ISP-5", "Reviews held on the dates agreed", _result(not late),
              ("Late or missing: " + ", ".join(f"{d:%d %B %Y}" for d in late)) if late else "Every review due was held",
              url_for("plans.reviews", customer_id=customer_id, plan_id=plan.id)))
    found = _messages(problems, "R-ISP-7")
    add(Check("R-ISP-7", "Barriers and their impact recorded", _result(not found), found or
              f"{len(version.barriers)} barrier(s) recorded", page))
    checks.append(_in_work_check(plan, customer_id, in_work_facts))
    signed_all = version.id in facts.signed_by_all and not _messages(problems, "R-SIGN-1")
    add(Check("R-SIGN-1", "Signed by every party", _result(signed_all),
              "Every required party signed this version" if signed_all else
              (_messages(problems, "R-SIGN-1") or "A required party has not signed"), page))
    signed_format = facts.signed_format.get(version.id)
    copies = facts.copy_formats.get(version.id, set())
    add(Check("R-SIGN-2", "The customer's format provided and the copy given",
              _result(inspection_rules.copy_in_format(signed_format, copies)),
              f"Signed in {signed_format or 'no recorded format'}; copies given: {', '.join(sorted(copies)) or 'none'}",
              documents))
    originals = facts.originals.get(version.id, [])
    add(Check("R-SIGN-3", "The sealed original verifies", _result(bool(originals) and all(originals)),
              f"{sum(originals)} of {len(originals)} sealed original(s) verify" if originals else "No sealed original",
              documents))
    return checks


def _in_work_facts(plans):
    """{plan id: (latest agreed in-work agreement or None, has a job on the plan's programme)} for a set of
    plans, in two queries (the agreements with their signatures, and the jobs)."""
    from portal.models import InWorkAgreement, InWorkJob, Referral

    plans = {plan.id: plan for plan in plans}
    if not plans:
        return {}
    latest = {}
    for agreement in db.session.scalars(
            select(InWorkAgreement).where(InWorkAgreement.plan_id.in_(list(plans)))
            .options(selectinload("*")).order_by(InWorkAgreement.number)):
        if agreement.status.was_agreed:
            latest[agreement.plan_id] = agreement
    with_jobs = set(db.session.execute(
        select(Referral.customer_id, Referral.programme_id).join(InWorkJob, InWorkJob.referral_id == Referral.id)
        .where(Referral.customer_id.in_({p.customer_id for p in plans.values()}))).all())
    return {plan_id: (latest.get(plan_id), (plan.customer_id, plan.programme_id) in with_jobs)
            for plan_id, plan in plans.items()}


def _in_work_check(plan, customer_id, in_work_facts):
    """R-ISP-8 / R-ISP-12: the latest agreed in-work support agreement, read from its own signatures
    (the employer signs the agreement, not the plan)."""
    agreement, has_job = in_work_facts.get(plan.id, (None, False))
    question = "In-work support agreement complete and signed by the customer, the employer and the provider"
    if not has_job and agreement is None:
        return Check("R-ISP-8", question, NOT_APPLICABLE, "The customer is not in work", None)
    found = plan_rules.in_work_problems(agreement, has_job)
    employer = "employer" in plan_rules.agreement_signed_by(agreement)
    detail = "; ".join(p.message for p in found) or (
        f"Agreement {agreement.number} signed by the employer" if employer else "The employer has not signed")
    return Check("R-ISP-8", question, _result(not found and employer), detail,
                 url_for("in_work.agreement", customer_id=customer_id, plan_id=plan.id))


def _hours_check(inspection, facts, referral, customer_id, version, today):
    if referral is None:
        return Check("R-HRS-1", "Weekly hours recorded with no gaps, each linked to an objective", NOT_APPLICABLE,
                     "Not on the programme in the period", None)
    referral_id, _customer, _programme, started_on, ended_on = referral
    gaps = inspection_rules.hours_gaps(started_on, ended_on, inspection.period_from, inspection.period_to,
                                       facts.hours_days.get(referral_id, ()), today)
    agreed_on = version.agreed_at.astimezone(UK).date()
    unlinked = [day for day in facts.unlinked_days.get(referral_id, []) if day >= agreed_on]
    problems = []
    if gaps:
        problems.append(f"{len(gaps)} week(s) with no hours, from {gaps[0]:%d %B %Y}")
    if unlinked:
        problems.append(f"{len(unlinked)} activity(ies) under an agreed plan not linked to an objective")
    return Check("R-HRS-1", "Weekly hours recorded with no gaps, each linked to an objective", _result(not problems),
                 "; ".join(problems) or "Every week has hours, each linked to an objective",
                 url_for("hours.summary", customer_id=customer_id, referral_id=referral_id))


def _consents(inspection, customer_ids):
    """{(customer, kind): [consents given to the provider (or its prime)]} for health and support network."""
    organisation = db.session.get(Organisation, inspection.organisation_id)
    consenting = organisation.prime_id or organisation.id
    found = defaultdict(list)
    for consent in db.session.scalars(select(Consent).where(
            Consent.customer_id.in_(customer_ids), Consent.organisation_id == consenting,
            Consent.kind.in_([ConsentKind.HEALTH, ConsentKind.SUPPORT_NETWORK]))):
        found[(consent.customer_id, consent.kind)].append(consent)
    return found


def _health_shown(inspection, customer_ids):
    """{customer: [moments the provider's staff were shown a health field]} from the audit trail (R-DATA-3).
    The LIKE only narrows the rows read; the JSON decides."""
    shown = defaultdict(list)
    rows = db.session.execute(
        select(AuditEventCustomer.customer_id, AuditEvent.occurred_at, AuditEvent.detail)
        .join(AuditEvent, AuditEventCustomer.event_id == AuditEvent.id)
        .where(AuditEventCustomer.customer_id.in_(customer_ids),
               AuditEvent.actor_organisation_id == inspection.organisation_id,
               or_(*[AuditEvent.detail.contains(f'"{name}"') for name in HEALTH_FIELDS])))
    for customer_id, occurred_at, detail in rows:
        if set(json.loads(detail or "{}").get("fields") or ()) & set(HEALTH_FIELDS):
            shown[customer_id].append(occurred_at)
    return shown


def _in_force(consent, moment):
    given = datetime.combine(consent.given_on, datetime.min.time(), tzinfo=UK)
    return given <= moment and (consent.withdrawn_at is None or moment < consent.withdrawn_at)


def _health_consent_check(customer_id, shown, consents):
    """R-DATA-3: every time the provider's staff were shown a health field, the customer's consent was in force."""
    link = url_for("policy.access_log", customer_id=customer_id)
    if not shown:
        return Check("R-DATA-3", "Consent in place for health data shown", NOT_APPLICABLE,
                     "No health information was shown to the provider", link)
    without = [moment for moment in shown if not any(_in_force(c, moment) for c in consents)]
    return Check("R-DATA-3", "Consent in place for health data shown", _result(not without),
                 f"Shown {len(shown)} time(s); {len(without)} without consent in force" if without else
                 f"Shown {len(shown)} time(s), each with consent in force", link)


def _support_network_check(customer_id, version, consents):
    """R-DATA-8: where someone from the customer's support network took part (a party other than the customer,
    the provider and the employer, or a representative signing), the customer's agreement is recorded."""
    consulted = any(p.role == "other" for p in version.parties) or any(
        s.method == SignatureMethod.REPRESENTATIVE for s in version.signatures)
    if not consulted:
        return Check("R-DATA-8", "Support-network agreement recorded where the network was consulted",
                     NOT_APPLICABLE, "No one from the customer's support network took part in this plan", None)
    agreed = [c for c in consents if _in_force(c, version.agreed_at)]
    return Check("R-DATA-8", "Support-network agreement recorded where the network was consulted", _result(bool(agreed)),
                 "The customer's agreement was in force" if agreed else "No agreement to consult the network was in force",
                 url_for("plans.version", customer_id=customer_id, version_id=version.id))
