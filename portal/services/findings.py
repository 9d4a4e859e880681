"""Findings of an inspection and the provider's answers (R-INSP-1, R-INSP-2).

A finding moves open → answered → accepted, or answered → reopened → answered …; every change is kept
as a FindingEvent and written to the audit trail in the same transaction. The provider's managers
are emailed when a finding is raised or reopened.
"""
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal import audit, mail
from portal.extensions import db
from portal.models import Finding, FindingEvent, FindingState, Inspection, Role, Severity, User
from portal.services.inspections import InspectionError, population_by_programme

RULES = {
    "R-ISP-1": "Plan agreed at the start after a needs assessment",
    "R-ISP-2": "Aspirations, job goal and the 16-hour aim",
    "R-ISP-3": "Support linked to objectives",
    "R-ISP-4": "SMART objectives",
    "R-ISP-5": "Reviews on the dates agreed",
    "R-ISP-7": "Barriers and their impact",
    "R-ISP-8": "In-work support plan",
    "R-SIGN-1": "Signed by every party",
    "R-SIGN-2": "The customer's format and copy",
    "R-SIGN-3": "Sealed originals",
    "R-HRS-1": "Weekly hours with no gaps",
    "R-DATA-3": "Consent for health data",
    "R-DATA-6": "Access to customers' records",
    "R-DATA-8": "Support-network agreement",
    "R-INSP-1": "Another matter found on inspection",
}


def _managers(organisation_id):
    return db.session.scalars(select(User).where(User.organisation_id == organisation_id, User.role == Role.MANAGER,
                                                 User.is_enabled.is_(True)).order_by(User.id)).all()


def _tell_managers(finding, subject):
    inspection = finding.inspection
    for manager in _managers(inspection.organisation_id):
        mail.send(manager.email, subject,
                  f"An inspector recorded a finding for {inspection.organisation.name} on {finding.rule} "
                  f"({RULES.get(finding.rule, finding.rule)}), severity {finding.severity.label.lower()}, due "
                  f"{finding.due_on:%d %B %Y}. Sign in to the portal and open Findings to read and answer it.",
                  purpose="inspection_finding")


def _event(finding, state, by, text=None, evidence_url=None):
    finding.state = state
    db.session.add(FindingEvent(finding=finding, to_state=state, text=text, evidence_url=evidence_url, by_id=by.id))
    db.session.flush()
    audit.record(f"finding.{state.value}", subject_type="inspection_finding", subject_id=finding.id, actor=by,
                 customer_id=finding.customer_id,
                 detail={"inspection_id": finding.inspection_id, "rule": finding.rule, "state": state.value})


def raise_finding(inspection, *, customer_id, rule, found, severity, action_required, due_on, by, today):
    if not inspection.is_open:
        raise InspectionError("This inspection is closed: its findings can be read but not added to", "found")
    if rule not in RULES:
        raise InspectionError("Select the rule", "rule")
    if severity not in {s.value for s in Severity}:
        raise InspectionError("Select the severity", "severity")
    if due_on is None or due_on < today:
        raise InspectionError("The due date must be today or later", "due_on")
    if customer_id is not None and not any(customer_id in ids for ids in population_by_programme(inspection).values()):
        raise InspectionError("Select a customer of this inspection, or the provider", "customer_id")
    finding = Finding(inspection_id=inspection.id, customer_id=customer_id, rule=rule, found=found,
                      severity=Severity(severity), action_required=action_required, due_on=due_on,
                      raised_by_id=by.id, state=FindingState.OPEN)
    db.session.add(finding)
    db.session.flush()
    _event(finding, FindingState.OPEN, by, text=found)
    _tell_managers(finding, f"Inspection finding on {rule}: action due {due_on:%d %B %Y}")
    db.session.commit()
    return finding


def _evidence(url):
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if (url.startswith("/") and not url.startswith("//")) or (parts.scheme == "https" and parts.netloc):
        return url
    raise InspectionError("Give the evidence as a portal address starting with /, or an https:// link", "evidence_url")


def answer(finding, *, text, evidence_url, by):
    if not finding.state.awaits_provider:
        raise InspectionError("This finding is not waiting for an answer", "text")
    if not finding.inspection.is_open:
        raise InspectionError("The inspection is closed", "text")
    _event(finding, FindingState.ANSWERED, by, text=text, evidence_url=_evidence(evidence_url))
    db.session.commit()


def decide(finding, *, decision, text, by):
    if not finding.inspection.is_open:
        raise InspectionError("The inspection is closed", "decision")
    if finding.state != FindingState.ANSWERED:
        raise InspectionError("Only an answered finding can be accepted or reopened", "decision")
    if decision not in (FindingState.ACCEPTED.value, FindingState.REOPENED.value):
        raise InspectionError("Select accept or reopen", "decision")
    _event(finding, FindingState(decision), by, text=text or None)
    if decision == FindingState.REOPENED.value:
        _tell_managers(finding, f"Inspection finding on {finding.rule} reopened")
    db.session.commit()


def filtered(query, *, state=None, rule=None, due_by=None):
    if state in {s.value for s in FindingState}:
        query = query.where(Finding.state == FindingState(state))
    if rule in RULES:
        query = query.where(Finding.rule == rule)
    if due_by is not None:
        query = query.where(Finding.due_on <= due_by)
    return query.order_by(Finding.due_on, Finding.id)


def of_inspection(inspection, **filters):
    return db.session.scalars(filtered(select(Finding).where(Finding.inspection_id == inspection.id), **filters)).all()


def of_organisation(organisation_id, **filters):
    return db.session.scalars(filtered(
        select(Finding).join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Inspection.organisation_id == organisation_id), **filters)).all()


def awaiting_answer(organisation_id):
    """How many of this organisation's findings wait for the provider's answer (open or reopened): R-REM-1."""
    return db.session.scalar(
        select(func.count(Finding.id)).join(Inspection, Inspection.id == Finding.inspection_id)
        .where(Inspection.organisation_id == organisation_id,
               Finding.state.in_((FindingState.OPEN, FindingState.REOPENED))))


def for_manager(user, finding_id):
    """The finding if it is about this manager's organisation, else None (answered as missing: R-DATA-6)."""
    return db.session.scalar(select(Finding).join(Inspection, Inspection.id == Finding.inspection_id)
                             .where(Finding.id == finding_id, Inspection.organisation_id == user.organisation_id))
