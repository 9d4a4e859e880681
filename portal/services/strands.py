"""Work Choice strands (R-WC-1, IFS 19-26): a history of strand starts, the transitional clock, the
Disability Employment Adviser's approval of a move to longer-term support, and quality checks.

A programme has strands when its row gives a transitional length (data, not a programme code).
"""
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from portal import audit, locks
from portal.extensions import db
from portal.models import Plan, QualityCheck, Role, StrandApproval, StrandStart
from portal.services.plans import PlanError

STRANDS = {"work_entry": "Work entry", "transitional": "Transitional", "longer_term": "Longer-term"}
# R-WC-1: warn three months (13 weeks) before the transitional strand reaches its length (IFS 19-20).
WARNING_WEEKS = 13


def has_strands(programme):
    return programme.transitional_weeks is not None


def current(plan):
    """The strand the customer is on now: the newest start."""
    return db.session.scalar(select(StrandStart).where(StrandStart.plan_id == plan.id)
                             .order_by(StrandStart.started_on.desc(), StrandStart.id.desc()).limit(1))


def history(plan):
    return db.session.scalars(select(StrandStart).where(StrandStart.plan_id == plan.id)
                              .order_by(StrandStart.started_on, StrandStart.id)).all()


def approvals(plan):
    return db.session.scalars(select(StrandApproval).where(StrandApproval.plan_id == plan.id)
                              .order_by(StrandApproval.approved_on)).all()


def _unused_approval(plan, by_day):
    used = exists().where(StrandStart.approval_id == StrandApproval.id)
    return db.session.scalar(select(StrandApproval).where(
        StrandApproval.plan_id == plan.id, StrandApproval.approved_on <= by_day, ~used)
        .order_by(StrandApproval.approved_on.desc()).limit(1))


def record_start(plan, *, strand, started_on, by, today):
    """R-WC-1: a strand starts on a day, after the current one; longer-term only with a DEA approval
    given on or before that day and not used by an earlier move (IFS 21)."""
    if not has_strands(plan.programme):
        raise PlanError("This programme has no strands")
    if strand not in STRANDS:
        raise PlanError("Select the strand", field="strand")
    if started_on is None or started_on > today:
        raise PlanError("The start date must be today or in the past", field="started_on")
    locks.lock_row(Plan, plan.id)  # two strand changes at once: one at a time, each seeing the other
    now_on = current(plan)
    if now_on is not None:
        if now_on.strand == strand:
            raise PlanError(f"The customer is already on the {STRANDS[strand].lower()} strand", field="strand")
        if started_on <= now_on.started_on:
            raise PlanError("The new strand must start after the current one started", field="started_on")
    approval = None
    if strand == "longer_term":
        approval = _unused_approval(plan, started_on)
        if approval is None:
            raise PlanError("A move to longer-term support needs the Disability Employment Adviser's approval, "
                            "given on or before the day it starts", field="strand")
    row = StrandStart(plan_id=plan.id, strand=strand, started_on=started_on,
                      approval_id=approval.id if approval else None, recorded_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise PlanError("A strand change is already recorded for that day", field="started_on") from None
    audit.record("plan.strand_started", customer_id=plan.customer_id, subject_type="wc_strand_start",
                 subject_id=row.id, detail={"strand": strand, "started_on": started_on,
                                            "approval_id": row.approval_id})
    db.session.commit()
    return row


def approve(plan, *, approved_on, note, by, today):
    """IFS 21: recorded by the DEA (a DWP user), dated today or earlier."""
    if by.role != Role.DISABILITY_EMPLOYMENT_ADVISER:
        raise PlanError("Only a Disability Employment Adviser approves a move to longer-term support")
    if not has_strands(plan.programme):
        raise PlanError("This programme has no strands")
    if approved_on is None or approved_on > today:
        raise PlanError("The date of approval must be today or in the past", field="approved_on")
    note = (note or "").strip()
    if not note:
        raise PlanError("Say why longer-term support is needed", field="note")
    row = StrandApproval(plan_id=plan.id, approved_on=approved_on, note=note, approved_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("plan.strand_approved", customer_id=plan.customer_id, subject_type="wc_strand_approval",
                 subject_id=row.id, actor=by, detail={"approved_on": approved_on})
    db.session.commit()
    return row


@dataclass
class Clock:
    started_on: object
    ends_on: object
    warn_from: object
    warning: bool
    ended: bool


def transitional_clock(plan, today):
    """R-WC-1 / IFS 19-20: two years (the programme's transitional weeks) from the transitional strand's own
    start; a warning from three months before. None unless the customer is on the transitional strand."""
    weeks = plan.programme.transitional_weeks
    if not weeks:  # no strands: nothing to read
        return None
    now_on = current(plan)
    if now_on is None or now_on.strand != "transitional":
        return None
    ends_on = now_on.started_on + timedelta(weeks=weeks)
    warn_from = ends_on - timedelta(weeks=WARNING_WEEKS)
    return Clock(now_on.started_on, ends_on, warn_from, today >= warn_from, today >= ends_on)


def next_quality_check(plan):
    """IFS 26: on longer-term support, a check every `programme.quality_check_weeks` from the strand's
    start or the last check, whichever is later. None when no check is scheduled."""
    now_on = current(plan)
    weeks = plan.programme.quality_check_weeks
    if now_on is None or now_on.strand != "longer_term" or not weeks:
        return None
    last = db.session.scalar(select(QualityCheck.checked_on).where(
        QualityCheck.plan_id == plan.id, QualityCheck.checked_on >= now_on.started_on)
        .order_by(QualityCheck.checked_on.desc()).limit(1))
    return (last or now_on.started_on) + timedelta(weeks=weeks)


def record_quality_check(plan, *, checked_on, outcome, by, today):
    now_on = current(plan)
    if now_on is None or now_on.strand != "longer_term":
        raise PlanError("Quality checks are for customers on longer-term support")
    if checked_on is None or checked_on > today:
        raise PlanError("The date of the check must be today or in the past", field="checked_on")
    if checked_on < now_on.started_on:
        raise PlanError("The check must be on or after the longer-term strand started", field="checked_on")
    outcome = (outcome or "").strip()
    if not outcome:
        raise PlanError("Say what the check found", field="outcome")
    row = QualityCheck(plan_id=plan.id, checked_on=checked_on, outcome=outcome, recorded_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("plan.quality_checked", customer_id=plan.customer_id, subject_type="wc_quality_check",
                 subject_id=row.id, detail={"checked_on": checked_on})
    db.session.commit()
    return row
