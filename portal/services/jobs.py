"""The job record (R-OUT-1): one row per job, read by in-work support, the Small Employer Payment
(R-HRS-6) and job outcomes. Recording, changing and ending a job, and the minimum wage flag."""
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_app_context
from sqlalchemy import and_, bindparam, select

from portal import audit, data_access, locks
from portal.extensions import db
from portal.models import InWorkJob, JobOutcome, MinimumWageRate
from portal.services import hours_rules, outcomes
from portal.services import job_rules as rules


class JobError(Exception):
    def __init__(self, problems):
        super().__init__(problems[0][1])
        self.problems = problems


@dataclass
class JobFacts:
    employer_name: str
    employer_staff: int
    job_title: str
    started_on: date
    contracted_quarters: int
    hourly_pay_pence: int
    supported: bool
    unsupported_from: date | None = None


def _period(referral):
    return hours_rules.Period(starts_on=referral.started_on, ends_on=referral.ended_on)


def _snapshot(job):
    return {
        "employer_name": job.employer_name, "employer_staff": job.employer_staff, "job_title": job.job_title,
        "started_on": job.started_on.isoformat(), "ended_on": job.ended_on.isoformat() if job.ended_on else None,
        "contracted_quarters": job.contracted_quarters, "hourly_pay_pence": job.hourly_pay_pence,
        "supported": job.supported,
        "unsupported_from": job.unsupported_from.isoformat() if job.unsupported_from else None,
    }


def _check(referral, facts, *, today, ended_on=None):
    problems = rules.job_problems(started_on=facts.started_on, ended_on=ended_on, unsupported_from=facts.unsupported_from,
                                  supported=facts.supported, today=today, period=_period(referral))
    if problems:
        raise JobError(problems)


def _apply(job, facts):
    job.employer_name = facts.employer_name.strip()
    job.employer_staff = facts.employer_staff
    job.job_title = facts.job_title.strip()
    job.started_on = facts.started_on
    job.contracted_quarters = facts.contracted_quarters
    job.hourly_pay_pence = facts.hourly_pay_pence
    job.supported = facts.supported
    job.unsupported_from = facts.unsupported_from if facts.supported else None


def record_job(referral, facts, *, by, today):
    _check(referral, facts, today=today)
    job = InWorkJob(referral_id=referral.id, recorded_by_id=by.id)
    _apply(job, facts)
    db.session.add(job)
    db.session.flush()
    audit.record("in_work.job_recorded", customer_id=referral.customer_id, subject_type="in_work_job",
                 subject_id=job.id, detail=_snapshot(job))
    outcomes.refresh([referral.id])
    return job


def change_job(job, facts, *, by, today, reason=None):
    """A correction or a change (pay rise, new hours, a move to unsupported work), kept in the audit
    trail with the figures it replaced."""
    locks.lock_row(InWorkJob, job.id)
    db.session.refresh(job)
    _check(job.referral, facts, today=today, ended_on=job.ended_on)
    if job.ended_on is not None and facts.started_on > job.ended_on:
        raise JobError([("started_on", "The start date must be on or before the end date")])
    before = _snapshot(job)
    _apply(job, facts)
    after = _snapshot(job)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return job
    audit.record("in_work.job_changed", customer_id=job.referral.customer_id, subject_type="in_work_job",
                 subject_id=job.id, detail={"changed": changed, "reason": (reason or "").strip() or None})
    outcomes.refresh([job.referral_id])
    return job


def end_job(job, *, ended_on, reason, by, today):
    locks.lock_row(InWorkJob, job.id)
    db.session.refresh(job)
    if job.ended_on is not None:
        raise JobError([("ended_on", "This job has already ended")])
    problems = [p for p in rules.job_problems(started_on=job.started_on, ended_on=ended_on,
                                              unsupported_from=job.unsupported_from, supported=job.supported,
                                              today=today, period=hours_rules.Period(job.started_on, None))
                if p[0] in ("ended_on", "unsupported_from")]
    if problems:
        raise JobError([("ended_on", message) for _field, message in problems])
    job.ended_on = ended_on
    job.end_reason = (reason or "").strip() or None
    audit.record("in_work.job_ended", customer_id=job.referral.customer_id, subject_type="in_work_job",
                 subject_id=job.id, detail={"ended_on": ended_on.isoformat(), "reason": job.end_reason})
    outcomes.refresh([job.referral_id])
    return job


def jobs_for(referral_ids):
    """{referral id: [jobs, newest start first]} in one query."""
    referral_ids = list(referral_ids)
    found = {referral_id: [] for referral_id in referral_ids}
    if not referral_ids:
        return found
    for job in db.session.scalars(select(InWorkJob).where(InWorkJob.referral_id.in_(referral_ids))
                                  .order_by(InWorkJob.started_on.desc(), InWorkJob.id.desc())):
        found[job.referral_id].append(job)
    return found


# Jobs with their stored outcome events, as plain rows, built once (issue 18). Every event is derived from a
# job of its own referral (`outcomes.derived_events_query`), so the outer join finds them all.
_JOB_COLUMNS = (InWorkJob.id, InWorkJob.referral_id, InWorkJob.employer_name, InWorkJob.employer_staff,
                InWorkJob.job_title, InWorkJob.started_on, InWorkJob.ended_on, InWorkJob.end_reason,
                InWorkJob.contracted_quarters, InWorkJob.hourly_pay_pence, InWorkJob.supported,
                InWorkJob.unsupported_from)
_JOBS_WITH_EVENTS = (
    select(*_JOB_COLUMNS, JobOutcome.kind.label("event_kind"), JobOutcome.occurred_on.label("event_on"))
    .outerjoin(JobOutcome, and_(JobOutcome.job_id == InWorkJob.id, JobOutcome.referral_id == InWorkJob.referral_id))
    .where(InWorkJob.referral_id.in_(bindparam("referral_ids", expanding=True)))
    .order_by(InWorkJob.started_on.desc(), InWorkJob.id.desc())
)


def jobs_and_events_for(referral_ids):
    """({referral id: [jobs, newest start first]}, {referral id: [outcome events by date]}) in one statement:
    for a page that only shows them (each job a read-only row with the job's columns)."""
    referral_ids = list(referral_ids)
    if not referral_ids:
        return {}, {}
    found = {referral_id: [] for referral_id in referral_ids}
    seen, events = set(), []
    for row in db.session.execute(_JOBS_WITH_EVENTS, {"referral_ids": referral_ids}):
        if row.id not in seen:
            seen.add(row.id)
            found[row.referral_id].append(row)
        if row.event_kind is not None:
            events.append((row.referral_id, row.id, row.event_kind, row.event_on))
    return found, outcomes.events_by_referral(referral_ids, events)


def rates():
    """Every minimum wage row (a small table), once per request."""
    cached = g.get("_minimum_wage_rates") if has_app_context() else None
    if cached is None:
        cached = [rules.Rate(r.effective_from, r.min_age, r.max_age, r.name, r.pence)
                  for r in db.session.scalars(select(MinimumWageRate))]
        if has_app_context():
            g._minimum_wage_rates = cached
    return cached


@dataclass
class PayFlags:
    """The minimum wage checks a customer's jobs fail, by job id, and whether the customer's age was used."""

    failed: dict = field(default_factory=dict)
    age_used: bool = False

    def for_job(self, job):
        return self.failed.get(job.id, [])


def pay_flags(user, customer_id, jobs, today):
    """R-OUT-1: pay below the minimum wage for the date, for the customer's age when this user may see
    their date of birth (reading it is audited, R-DATA-7), else at the adult rate (said on the page)."""
    jobs = [job for job in jobs if job.hourly_pay_pence is not None]
    if not jobs:
        return PayFlags()
    birth_date = data_access.birth_date_for_pay_check(user, customer_id)
    if birth_date is not None:
        audit.record("in_work.minimum_wage_checked", customer_id=customer_id,
                     detail={"through": "minimum wage check", "fields": ["date_of_birth"]})
    table = rates()
    failed = {}
    for job in jobs:
        checks = rules.pay_checks(table, started_on=job.started_on, ended_on=job.ended_on,
                                  pay_pence=job.hourly_pay_pence, birth_date=birth_date, today=today)
        if checks:
            failed[job.id] = checks
    return PayFlags(failed=failed, age_used=birth_date is not None)
