"""Demo jobs (R-OUT-1, R-HRS-6): for each provider, its longest-started customer has a job with weeks of
hours worked, so the customer page shows jobs, outcome events and, once, pay below the minimum wage."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import InWorkJob, InWorkWeek, Referral, ReferralStatus, Role, User
from portal.services import hours_rules, outcomes

JOBS = (
    # (employer, staff, job, contracted quarter hours, pay in pence, supported, weeks to move to unsupported work)
    ("Corner Bakery", 8, "Baker's assistant", 72, 1300, True, 10),
    ("Riverside Garden Centre", 40, "Plant care assistant", 88, 1280, False, None),
    ("Hillside Café", 6, "Kitchen porter", 64, 1150, True, None),  # below the rate now: the flag shows
)


def add_demo_jobs(today):
    referral_ids = []
    organisation_ids = db.session.scalars(select(Referral.organisation_id).distinct()).all()
    for n, organisation_id in enumerate(sorted(organisation_ids)):
        referral = db.session.scalars(
            select(Referral).where(Referral.organisation_id == organisation_id,
                                   Referral.status == ReferralStatus.STARTED, Referral.started_on.is_not(None))
            .order_by(Referral.started_on, Referral.id)).first()
        adviser = db.session.scalars(select(User).where(User.organisation_id == organisation_id,
                                                        User.role == Role.ADVISER).order_by(User.id)).first()
        if referral is None or adviser is None or referral.started_on > today - timedelta(days=7 * 6):
            continue
        employer, staff, title, quarters, pence, supported, move_after = JOBS[n % len(JOBS)]
        started_on = referral.started_on + timedelta(days=7)
        first = hours_rules.week_start(started_on)
        last = hours_rules.week_start(today) - timedelta(days=7)
        weeks = (last - first).days // 7 + 1
        job = InWorkJob(referral_id=referral.id, employer_name=employer, employer_staff=staff, job_title=title,
                        started_on=started_on, contracted_quarters=quarters, hourly_pay_pence=pence,
                        supported=supported, recorded_by_id=adviser.id,
                        unsupported_from=first + timedelta(days=7 * move_after)
                        if move_after and weeks > move_after else None)
        db.session.add(job)
        referral_ids.append(referral.id)
        for week in range(weeks):
            db.session.add(InWorkWeek(job=job, week_start=first + timedelta(days=7 * week), quarters=quarters,
                                      recorded_by_id=adviser.id))
    outcomes.refresh(referral_ids)
