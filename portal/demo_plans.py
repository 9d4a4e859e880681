"""Demo support plans for `make run`: per provider, one agreed and sealed (so its documents, verification
code and inspection pack can be tried at once) and one draft an adviser can carry on with."""
from datetime import timedelta

from portal.customer_words import words
from portal.extensions import db
from portal.models.plan import Barrier, Objective, SignatureMethod, SupportItem
from portal.services import plans

PLAN_CONTENT = {
    "needs_assessment": "We met twice and talked about health, travel, money, skills and what a good job looks like.",
    "aspirations": "A steady part-time job close to home, working with people, building up hours over a year.",
    "job_goal": "Café or shop assistant",
    "target_weekly_hours": 16,
    "target_hours_reason": "Tiredness from medication in the mornings: afternoon shifts to start with.",
    "length_rationale": "Nine months: time for the course, a work trial and the first weeks in a job.",
    "review_every_weeks": 4,
    "permitted_work": False,
}
# what, how often, how progress is measured, weeks until the target date
OBJECTIVES = (
    ("Finish the customer service course at the community centre", "Wednesday mornings", "Course certificate", 10),
    ("Take the bus into town on my own", "Twice a week", "Journeys made without the job coach", 6),
    ("Do a two-week work trial in a café", "Once", "Feedback from the café manager", 16),
)
# description, planned hours, the objectives (by position) it works towards
SUPPORT = (
    ("Weekly meeting with the job coach to look for work", 10, (0, 2)),
    ("Travel training with a support worker", 6, (1,)),
)
# category, description, impact, what we will do about it
BARRIERS = (
    ("transport", "The last bus home leaves at 5pm", "Cannot take evening shifts", "Look for daytime work first"),
    ("confidence", "Out of work for three years", "Worried about meeting new people",
     "Start with a work trial where the job coach visits"),
)


def add_plans(candidates, today):
    """`candidates`: per provider, a list of (customer, referral, name, language, format, adviser) of started
    customers. The first of each list gets an agreed plan, signed in person in their language and format."""
    for started in candidates:
        for position, (customer, referral, name, language, document_format, adviser) in enumerate(started[:2]):
            version = plans.start_plan(customer=customer, referral=referral, by=adviser, customer_name=name).versions[0]
            _write(version, today)
            db.session.commit()
            if position == 0:
                _agree(version, adviser, name, language, document_format)


def _write(version, today):
    for field, value in PLAN_CONTENT.items():
        setattr(version, field, value)
    version.needs_assessed_on = today - timedelta(days=7)
    version.first_review_on = today + timedelta(weeks=4)
    version.objectives = [Objective(key=f"o{n}", position=n, what=what, how_often=how_often, measure=measure,
                                    target_on=today + timedelta(weeks=weeks))
                          for n, (what, how_often, measure, weeks) in enumerate(OBJECTIVES)]
    version.support_items = [SupportItem(key=f"s{n}", position=n, description=description, deliverer="provider",
                                         planned_hours=hours, objectives=[version.objectives[i] for i in serves])
                             for n, (description, hours, serves) in enumerate(SUPPORT)]
    version.barriers = [Barrier(key=f"b{n}", position=n, category=category, description=description, impact=impact,
                                response=response) for n, (category, description, impact, response) in enumerate(BARRIERS)]


def _agree(version, adviser, name, language, document_format):
    plans.send_for_signature(version, expected_lock=version.lock_version, by=adviser)
    customer, provider = (next(p for p in version.parties if p.role == role) for role in ("customer", "adviser"))
    plans.sign(version, customer, method=SignatureMethod.IN_PERSON, typed_name=name,
               declaration=words(language)["declaration"], seen_hash=version.content_hash, by=adviser,
               language=language, document_format=document_format)
    plans.sign(version, provider, method=SignatureMethod.ADVISER, typed_name=adviser.name,
               declaration="I agree to provide the support in this plan.", seen_hash=version.content_hash, by=adviser)
