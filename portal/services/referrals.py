"""Referrals and their state machine (R-REF-1)."""
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, data_access, locks
from portal.extensions import db
from portal.models import Appointment, Customer, Organisation, Programme, Referral, ReferralStatus, ReferralTransition
from portal.models.base import utcnow
from portal.services import cohorts, exit_reasons
from portal.services.eligibility import eligibility_problems, open_provision_problems

UK = ZoneInfo("Europe/London")

def customer_reference(customer_id):
    return f"C{customer_id:07d}"


TRANSITIONS = {
    ReferralStatus.REFERRED: {ReferralStatus.STARTED, ReferralStatus.EXITED_EARLY},
    ReferralStatus.STARTED: {ReferralStatus.COMPLETED, ReferralStatus.EXITED_EARLY, ReferralStatus.TRANSFERRED},
}


class ReferralError(ValueError):
    """A rule refused the change; `field` names the form field to point at."""

    def __init__(self, message, field=None, code=None):
        super().__init__(message)
        self.field = field
        self.code = code  # for the API's answer, e.g. 'on_other_dwp_provision'


def open_referral_count(customer_id):
    return db.session.scalar(
        select(func.count(Referral.id)).where(
            Referral.customer_id == customer_id,
            Referral.status.in_([ReferralStatus.REFERRED, ReferralStatus.STARTED]),
        )
    )


def open_referrals(customer_id):
    """The customer's open referrals (any provider), oldest first, with programme and provider."""
    return db.session.execute(
        select(Referral, Programme.name, Organisation.name)
        .join(Programme, Programme.id == Referral.programme_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .where(Referral.customer_id == customer_id,
               Referral.status.in_([ReferralStatus.REFERRED, ReferralStatus.STARTED]))
        .order_by(Referral.referred_at, Referral.id)).all()


def known_customer(nino):
    """R-CUST-1: the customer who already has this NINO, or None."""
    customer_id = data_access.customer_id_for_nino(nino)
    return db.session.get(Customer, customer_id) if customer_id is not None else None


def _new_customer(facts, officer_id):
    """A new customer and DWP record, or None when another referral for the same NINO saved one first.

    R-CUST-1: the NINO is unique in dwp_record, so of two referrals for the same new NINO at the same
    instant the second's insert waits for the first and then fails; it then attaches to that customer.
    """
    try:
        with db.session.begin_nested():
            customer = Customer(reference=f"new-{secrets.token_hex(5)}", created_by_id=officer_id)
            db.session.add(customer)
            db.session.flush()
            customer.reference = customer_reference(customer.id)
            data_access.new_dwp_record(customer, facts)
            db.session.flush()
    except IntegrityError:
        return None
    return customer


def _customer_for(facts, officer_id):
    """(customer, whether it is new): the known customer for the NINO (its DWP record updated as a new
    version, R-CUST-1), else a new one. The known customer's row is locked, so two referrals for one
    customer take turns at the open-referral check below."""
    for _attempt in range(3):
        customer_id = data_access.customer_id_for_nino(facts["nino"])
        if customer_id is None:
            customer = _new_customer(facts, officer_id)
            if customer is not None:
                return customer, True
            continue
        if locks.lock_row(Customer, customer_id):
            return db.session.get(Customer, customer_id), False
    raise ReferralError("Another referral for this customer was being saved at the same time. Try again.")


def create_referral(*, officer, organisation, programme, facts, eso_place, appointment, eligibility_confirmed,
                    api_client=None, commit=True):
    """Record a customer's DWP data and refer them. Raises ReferralError and saves nothing if a check fails
    (the caller rolls back).

    R-CUST-1: a NINO the portal knows attaches the referral to that customer, whose DWP record takes the
    new details as its next version; a programme that needs "no other DWP provision" (R-ELIG-4, LSE 5.4)
    refuses a customer with an open referral.
    `officer` is the DWP user, or None when a DWP system sends the referral through the API.
    """
    officer_id = officer.id if officer else None
    if programme not in organisation.programmes:
        raise ReferralError(f"{organisation.name} does not deliver {programme.name}", field="programme",
                            code="programme_not_delivered")
    problems = eligibility_problems(programme, {**facts, "eso_place": eso_place})
    if problems:
        raise ReferralError(problems[0], field="programme", code="not_eligible")
    facts = {**facts, "nino": data_access.stored_nino(facts["nino"])}
    now = utcnow()
    customer, is_new = _customer_for(facts, officer_id)
    dwp_version = 1
    if not is_new:
        described = [f"{name} with {provider}, referred {r.referred_at.astimezone(UK).strftime('%-d %B %Y')}"
                     for r, name, provider in open_referrals(customer.id)]
        problems = open_provision_problems(programme, described)
        if problems:
            raise ReferralError(problems[0], field="programme", code="on_other_dwp_provision")
        dwp_version = data_access.update_dwp_record(customer.id, facts)
    referral = Referral(
        customer=customer, organisation=organisation, programme=programme, status=ReferralStatus.REFERRED,
        eso_place=eso_place if programme.eso_places == "optional" else programme.eso_places == "always",
        referred_at=now, referred_by_id=officer_id,
    )
    if eligibility_confirmed:
        referral.eligibility_confirmed_at = now
        referral.eligibility_confirmed_by_id = officer_id
    db.session.add(referral)
    db.session.flush()
    db.session.add(ReferralTransition(referral=referral, from_status=None, to_status=ReferralStatus.REFERRED,
                                      effective_on=now.astimezone(UK).date(), recorded_by_id=officer_id))
    if appointment:
        starts_at = appointment.get("starts_at") or datetime.combine(appointment["date"], appointment["time"], tzinfo=UK)
        db.session.add(Appointment(customer_id=customer.id, referral_id=referral.id, starts_at=starts_at,
                                   location=appointment["location"], details=appointment.get("details"),
                                   booked_by_id=officer_id))
    audit.record("referral.created", customer_id=customer.id, subject_type="referral", subject_id=referral.id,
                 detail={"organisation_id": organisation.id, "programme": programme.code,
                         "through": "api" if api_client else "page",
                         "api_client": api_client.name if api_client else None,
                         "customer": "new" if is_new else "known", "dwp_record_version": dwp_version})
    if commit:
        db.session.commit()
    return referral


def confirm_eligibility(referral, officer):
    if referral.eligibility_confirmed_at is not None:
        raise ReferralError("Eligibility has already been confirmed")
    referral.eligibility_confirmed_at = utcnow()
    referral.eligibility_confirmed_by_id = officer.id
    audit.record("referral.eligibility_confirmed", customer_id=referral.customer_id,
                 subject_type="referral", subject_id=referral.id)
    db.session.commit()


def _check_date(referral, on, today):
    if on > today:
        raise ReferralError("The date must be today or in the past", field="effective_on")
    earliest = referral.started_on or referral.referred_at.astimezone(UK).date()
    if on < earliest:
        raise ReferralError(f"The date must be on or after {earliest.strftime('%-d %B %Y')}", field="effective_on")


ENDINGS = (ReferralStatus.COMPLETED, ReferralStatus.EXITED_EARLY, ReferralStatus.TRANSFERRED)


def _ending_reason(to_status, reason_code, reason):
    """R-EXIT-1: the coded reason of an ending (a transfer's is always "transferred"), checked first."""
    if to_status == ReferralStatus.TRANSFERRED:
        if not reason:
            raise ReferralError("Enter the reason", field="reason")
        return exit_reasons.TRANSFERRED, reason
    chosen, problems = exit_reasons.choose(reason_code, reason)
    if problems:
        field, message = problems[0]
        raise ReferralError(message, field=field)
    return chosen[0].code, chosen[1]


def change_status(referral, to_status, *, by, effective_on, reason=None, reason_code=None, today=None, cohort=None):
    """Move a referral along R-REF-1. An ending needs a date and a coded reason (R-EXIT-1)."""
    today = today or datetime.now(UK).date()
    if to_status not in TRANSITIONS.get(referral.status, set()):
        raise ReferralError(f"A referral that is {referral.status.label.lower()} cannot become {to_status.label.lower()}")
    if effective_on is None:
        raise ReferralError("Enter the date", field="effective_on")
    _check_date(referral, effective_on, today)
    reason = (reason or "").strip() or None
    if to_status in ENDINGS:
        reason_code, reason = _ending_reason(to_status, reason_code, reason)
    from_status = referral.status
    # R-REF-1: one move at a time. Two at the same instant (a double click, two colleagues) would both
    # see the old status, and two transfers would refer the customer on twice: the status is checked
    # and changed in one statement.
    if not locks.claim(Referral, referral.id, where=(Referral.status == from_status,), values={"status": to_status}):
        raise ReferralError("Someone else changed this referral at the same time. Check it and try again.")
    if to_status == ReferralStatus.STARTED:
        if referral.programme.requires_dwp_confirmation and referral.eligibility_confirmed_at is None:
            raise ReferralError("DWP must confirm eligibility before this customer can start (Local Supported Employment)")
        if cohorts.runs_in_cohorts(referral.programme):
            if cohort is None:
                raise ReferralError("Select the club the customer is joining", field="cohort")
            try:
                cohorts.take_place(cohort, referral, effective_on)
            except cohorts.CohortError as error:
                raise ReferralError(str(error), field=error.field) from None
        referral.started_on = effective_on
    else:
        referral.ended_on = effective_on
        referral.exit_reason_code = reason_code
        referral.exit_reason_text = reason
    db.session.add(ReferralTransition(referral=referral, from_status=from_status, to_status=to_status,
                                      effective_on=effective_on, reason=reason, recorded_by_id=by.id))
    audit.record(f"referral.{to_status.value}", customer_id=referral.customer_id, subject_type="referral",
                 subject_id=referral.id, detail={"from": from_status.value, "effective_on": effective_on,
                                                 "reason": reason, "reason_code": reason_code})
    referral.status = to_status


def transfer(referral, *, to_organisation, by, effective_on, reason, today=None):
    """R-REF-1: end this referral as transferred and refer the customer to the receiving provider."""
    if to_organisation.id == referral.organisation_id:
        raise ReferralError("Choose a different provider", field="organisation")
    if referral.programme not in to_organisation.programmes:
        raise ReferralError(f"{to_organisation.name} does not deliver {referral.programme.name}", field="organisation")
    change_status(referral, ReferralStatus.TRANSFERRED, by=by, effective_on=effective_on, reason=reason, today=today)
    successor = Referral(
        customer_id=referral.customer_id, organisation=to_organisation, programme=referral.programme,
        status=ReferralStatus.REFERRED, eso_place=referral.eso_place, referred_at=utcnow(), referred_by_id=by.id,
        eligibility_confirmed_at=referral.eligibility_confirmed_at,
        eligibility_confirmed_by_id=referral.eligibility_confirmed_by_id, transferred_from=referral,
    )
    db.session.add(successor)
    db.session.flush()
    db.session.add(ReferralTransition(referral=successor, from_status=None, to_status=ReferralStatus.REFERRED,
                                      effective_on=effective_on, reason=f"Transferred from {referral.organisation.name}",
                                      recorded_by_id=by.id))
    return successor
