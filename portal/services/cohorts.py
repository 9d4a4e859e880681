"""Clubs of programmes that run in cohorts (R-ELIG-3), group sessions, and changes of circumstance (R-ELIG-2).

Whether a programme runs in cohorts, how long, how many places and how many a year are columns of
its row (DOMAIN §2): J2E has them, the others do not, and no code names J2E.
"""
from datetime import date, timedelta

from sqlalchemy import select, update

from portal import audit
from portal.extensions import db
from portal.models import (
    CircumstanceChange, CircumstanceDecision, CircumstanceKind, Cohort, CohortPlace, ReferralStatus,
)
from portal.services import hours


class CohortError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def runs_in_cohorts(programme):
    return bool(programme.cohort_size and programme.cohort_weeks)


def contract_year(day):
    """The year clubs are counted in: April to March, as contracts are."""
    first = date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return first, date(first.year + 1, 3, 31)


def new_cohort(organisation, programme, *, starts_on, name, by, today):
    if not runs_in_cohorts(programme) or programme not in organisation.programmes:
        raise CohortError(f"{organisation.name} does not run {programme.name} in clubs", field="programme")
    if starts_on < today - timedelta(days=7 * programme.cohort_weeks):
        raise CohortError("A club cannot start that long ago", field="starts_on")
    cohort = Cohort(organisation_id=organisation.id, programme_id=programme.id, starts_on=starts_on,
                    ends_on=starts_on + timedelta(days=7 * programme.cohort_weeks - 1),
                    capacity=programme.cohort_size, places_taken=0, created_by_id=by.id,
                    name=(name or "").strip() or f"{programme.name} from {starts_on.strftime('%-d %B %Y')}")
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.created", subject_type="cohort", subject_id=cohort.id,
                 detail={"starts_on": starts_on.isoformat(), "capacity": cohort.capacity})
    return cohort


def cohorts_for_year(organisation, programme, day):
    first, last = contract_year(day)
    return db.session.scalars(
        select(Cohort).where(Cohort.organisation_id == organisation.id, Cohort.programme_id == programme.id,
                             Cohort.starts_on >= first, Cohort.starts_on <= last).order_by(Cohort.starts_on)
    ).all()


def cohorts_with_places(referral):
    """Clubs the customer could join: the provider's own for the programme, not ended, with a place free."""
    from portal.services.referrals import UK

    referred_on = referral.referred_at.astimezone(UK).date()
    return db.session.scalars(
        select(Cohort).where(Cohort.organisation_id == referral.organisation_id,
                             Cohort.programme_id == referral.programme_id,
                             Cohort.ends_on >= referred_on, Cohort.places_taken < Cohort.capacity)
        .order_by(Cohort.starts_on)
    ).all()


def take_place(cohort, referral, joined_on):
    """R-ELIG-3: one atomic UPDATE takes a place only while one is free, so the 16th start is refused
    even when two advisers start customers at the same moment."""
    if cohort.organisation_id != referral.organisation_id or cohort.programme_id != referral.programme_id:
        raise CohortError("Choose one of your own clubs for this programme", field="cohort")
    if not (cohort.starts_on <= joined_on <= cohort.ends_on):
        raise CohortError(f"The start date must be while the club runs, {cohort.starts_on.strftime('%-d %B %Y')} "
                          f"to {cohort.ends_on.strftime('%-d %B %Y')}", field="effective_on")
    taken = db.session.execute(
        update(Cohort).where(Cohort.id == cohort.id, Cohort.places_taken < Cohort.capacity)
        .values(places_taken=Cohort.places_taken + 1).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise CohortError(f"{cohort.name} is full: all {cohort.capacity} places are taken. "
                          "Choose another club or start a new one.", field="cohort")
    db.session.add(CohortPlace(cohort_id=cohort.id, referral_id=referral.id, joined_on=joined_on))
    db.session.expire(cohort, ["places_taken"])


def members(cohort):
    return [place.referral for place in cohort.places]


def record_group_session(cohort, *, by, on, activity, quarters, description, attendee_ids, today):
    """One session, each attendee's hours (R-HRS-1). A club session serves the club as a whole, so it is
    recorded without a plan objective; everything else is checked as for any entry (R-HRS-4)."""
    attendees = [r for r in members(cohort) if r.id in set(attendee_ids)]
    if not attendees:
        raise hours.HoursError([("attendees", "Select who attended")])
    problems = []
    for referral in attendees:
        facts = hours.EntryFacts(on=on, activity=activity, source="provider", source_name=None, objective_id=None,
                                 mode="group", quarters=quarters, description=description)
        try:
            hours.record_entry(referral, facts, by=by, monday=hours.rules.week_start(on), today=today,
                               esa_confirmed=True, objective_required=False)
        except hours.HoursError as error:
            problems.extend((field, f"{referral.customer.reference}: {message}") for field, message in error.problems)
    if problems:
        raise hours.HoursError(problems)
    audit.record("cohort.group_session", subject_type="cohort", subject_id=cohort.id,
                 customer_ids=[r.customer_id for r in attendees], detail={"on": on.isoformat(), "quarters": quarters})
    return attendees


def record_circumstance_change(referral, *, kind, changed_on, decision, note, by, today):
    """R-ELIG-2. Before the start, a customer who is no longer eligible cannot start; after it, they may
    choose to continue. A move out of the area: stay if travel is practical, or be referred on."""
    kind, decision = CircumstanceKind(kind), CircumstanceDecision(decision)
    if changed_on > today:
        raise CohortError("The date cannot be in the future", field="changed_on")
    started = referral.started_on is not None and changed_on >= referral.started_on
    allowed = {
        (CircumstanceKind.NO_LONGER_ELIGIBLE, False): {CircumstanceDecision.CANNOT_START},
        (CircumstanceKind.NO_LONGER_ELIGIBLE, True): {CircumstanceDecision.CONTINUE, CircumstanceDecision.LEAVE},
        (CircumstanceKind.MOVED_OUT_OF_AREA, False): {CircumstanceDecision.STAY, CircumstanceDecision.REFER_ON},
        (CircumstanceKind.MOVED_OUT_OF_AREA, True): {CircumstanceDecision.STAY, CircumstanceDecision.REFER_ON},
    }[(kind, started)]
    if decision not in allowed:
        when = "after" if started else "before"
        raise CohortError(f"A change {when} the start allows: " + ", ".join(d.label.lower() for d in allowed),
                          field="decision")
    change = CircumstanceChange(referral_id=referral.id, kind=kind, changed_on=changed_on, decision=decision,
                                note=(note or "").strip() or None, recorded_by_id=by.id)
    db.session.add(change)
    audit.record("referral.circumstances_changed", customer_id=referral.customer_id, subject_type="referral",
                 subject_id=referral.id, detail={"kind": kind.value, "decision": decision.value,
                                                 "changed_on": changed_on.isoformat()})
    if decision in (CircumstanceDecision.LEAVE, CircumstanceDecision.REFER_ON, CircumstanceDecision.CANNOT_START) \
            and referral.status in (ReferralStatus.REFERRED, ReferralStatus.STARTED):
        from portal.services import referrals

        reason = {CircumstanceDecision.LEAVE: "Circumstances changed; the customer chose to leave",
                  CircumstanceDecision.REFER_ON: "Moved out of the area; referred to the new area's provider",
                  CircumstanceDecision.CANNOT_START: "Circumstances changed before the start; cannot start"}[decision]
        # R-EXIT-1: the coded reason the MI counts; the words say which change it was.
        code = "moved_away" if decision == CircumstanceDecision.REFER_ON else "circumstances"
        referrals.change_status(referral, ReferralStatus.EXITED_EARLY, by=by, effective_on=max(changed_on, _earliest(referral)),
                                reason=reason, reason_code=code, today=today)
    return change


def _earliest(referral):
    from portal.services.referrals import UK

    return referral.started_on or referral.referred_at.astimezone(UK).date()


def place_of(referral):
    return db.session.scalar(select(CohortPlace).where(CohortPlace.referral_id == referral.id))
