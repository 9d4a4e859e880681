"""Builders for test data, written straight to the real database."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import pyotp
from sqlalchemy import select

from portal import data_access
from portal.extensions import db
from portal.models import (
    Appointment, Customer, Organisation, OrganisationKind, Programme, Referral, ReferralStatus, ReferralTransition,
    Role, User,
)
from portal.models.base import utcnow
from portal.security import passwords, totp
from portal.security.tokens import new_token, token_hash
from portal.services.referrals import customer_reference

PASSWORD = "tangerine bicycle lantern"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def programme(code):
    return db.session.scalar(select(Programme).where(Programme.code == code))


def dwp_organisation():
    return db.session.scalar(select(Organisation).where(Organisation.kind == OrganisationKind.DWP))


def make_organisation(name, codes=("SES",), *, accredited=True, prime=None, kind=OrganisationKind.PRIVATE_PROVIDER):
    organisation = Organisation(name=name, kind=kind, security_accredited=accredited, prime=prime,
                                programmes=[programme(c) for c in codes])
    db.session.add(organisation)
    db.session.commit()
    return organisation


def make_user(email, role, organisation=None, *, password=PASSWORD, secret=TOTP_SECRET, enrolled=True, name=None):
    user = User(email=email, name=name or email.split("@")[0].replace(".", " ").title(), role=role,
                organisation=organisation or (dwp_organisation() if role in (Role.ADMIN, Role.INSPECTOR, Role.REFERRAL_OFFICER,
                                                                           Role.DISABILITY_EMPLOYMENT_ADVISER, Role.DWP_MI) else None),
                password_hash=passwords.hash_password(password), password_changed_at=utcnow())
    if enrolled:
        user.totp_secret_encrypted = totp.encrypt_secret(secret)
        user.totp_confirmed_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def make_customer(organisation, code="SES", *, status=ReferralStatus.STARTED, adviser=None, subcontractor=None,
                  first_name="Test", last_name="Customer", referred_days_ago=30, **dwp):
    customer = Customer(reference="pending")
    db.session.add(customer)
    db.session.flush()
    customer.reference = customer_reference(customer.id)
    facts = {
        "nino": f"JT{customer.id:06d}C", "first_name": first_name, "last_name": last_name,
        "date_of_birth": date(1990, 5, 17), "address": "1 Test Street", "postcode": "NE1 1AA",
        "phone": "07700 900123", "email": "customer@mail.example", "benefit_type": "UC", "wca_group": "LCW",
        "wca_decision_date": date(2024, 1, 10), "health_summary": "Summary", "medical_details": "Details",
        "sanction_history": "History", "regulation_29": False, "armed_forces": False, "jobcentre": "Northway",
        "work_coach": "Alex", "preferred_language": "en", "format_needs": "standard",
    }
    facts.update(dwp)
    data_access.new_dwp_record(customer, facts)
    referred_at = utcnow() - timedelta(days=referred_days_ago)
    referral = Referral(customer=customer, organisation=organisation, programme=programme(code),
                        status=ReferralStatus.REFERRED, referred_at=referred_at, adviser=adviser,
                        subcontractor=subcontractor, eligibility_confirmed_at=referred_at)
    db.session.add(referral)
    db.session.add(ReferralTransition(referral=referral, to_status=ReferralStatus.REFERRED, effective_on=referred_at.date()))
    if status != ReferralStatus.REFERRED:
        referral.started_on = referred_at.date() + timedelta(days=2)
        db.session.add(ReferralTransition(referral=referral, from_status=ReferralStatus.REFERRED,
                                          to_status=ReferralStatus.STARTED, effective_on=referral.started_on))
    if status in (ReferralStatus.COMPLETED, ReferralStatus.EXITED_EARLY, ReferralStatus.TRANSFERRED):
        referral.ended_on = referral.started_on + timedelta(days=5)
        referral.exit_reason_code = {ReferralStatus.COMPLETED: "programme_end", ReferralStatus.EXITED_EARLY: "moved_away",
                                     ReferralStatus.TRANSFERRED: "transferred"}[status]
    referral.status = status
    db.session.add(Appointment(customer=customer, referral=referral, location="Office",
                               starts_at=datetime.combine(referred_at.date() + timedelta(days=7), time(10), tzinfo=timezone.utc)))
    db.session.commit()
    return customer


def current_code(secret=TOTP_SECRET, offset_steps=0):
    t = pyotp.TOTP(secret)
    return t.generate_otp(t.timecode(datetime.now(timezone.utc)) + offset_steps)


def sign_in_as(client, user):
    """Put a live server-side session in the test client's cookie (the full flow is tested in test_auth)."""
    from portal.models import UserSession

    token = new_token()
    db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id))
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
        session.permanent = True
    return token


def sign_in_fully(client, email, password=PASSWORD, secret=TOTP_SECRET):
    """The real two-step sign-in through HTTP. Returns the final response."""
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, response.status_code
    user = db.session.scalar(select(User).where(User.email == email))
    step = None
    if user.totp_last_timecode is not None:
        step = user.totp_last_timecode + 1 - pyotp.TOTP(secret).timecode(datetime.now(timezone.utc))
    return client.post("/sign-in/code", data={"code": current_code(secret, step or 0)})


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    inspection: object = None


def build_world():
    """Organisations: SES prime 'ses' (+ sub-contractor 'sub'), 'ses_b' (another SES provider), 'j2e'
    (not accredited), 'lse', 'wc'. Users: '<org>_adviser', '<org>_manager' for each, plus 'admin',
    'officer', 'inspector'. Customers: '<org>_<status>' for the main states, and 'sub_assigned'."""
    w = World()
    w.orgs["ses"] = make_organisation("Prime SES Provider", ("SES",))
    w.orgs["sub"] = make_organisation("Sub-contractor Ltd", ("SES",), prime=w.orgs["ses"], kind=OrganisationKind.VOLUNTARY)
    w.orgs["ses_b"] = make_organisation("Other SES Provider", ("SES",))
    w.orgs["j2e"] = make_organisation("Job Club Charity", ("J2E",), accredited=False, kind=OrganisationKind.VOLUNTARY)
    w.orgs["lse"] = make_organisation("County Council", ("LSE",), kind=OrganisationKind.LOCAL_AUTHORITY)
    w.orgs["wc"] = make_organisation("Work Choice Provider", ("WORK_CHOICE",))
    for key, organisation in w.orgs.items():
        w.users[f"{key}_adviser"] = make_user(f"adviser@{key}.example", Role.ADVISER, organisation)
        w.users[f"{key}_manager"] = make_user(f"manager@{key}.example", Role.MANAGER, organisation)
    w.users["admin"] = make_user("admin@dwp.example", Role.ADMIN)
    w.users["officer"] = make_user("officer@dwp.example", Role.REFERRAL_OFFICER)
    w.users["inspector"] = make_user("inspector@dwp.example", Role.INSPECTOR)
    w.users["dea"] = make_user("dea@dwp.example", Role.DISABILITY_EMPLOYMENT_ADVISER)
    codes = {"ses": "SES", "ses_b": "SES", "j2e": "J2E", "lse": "LSE", "wc": "WORK_CHOICE"}
    for key, code in codes.items():
        for status in (ReferralStatus.REFERRED, ReferralStatus.STARTED):
            w.customers[f"{key}_{status.value}"] = make_customer(
                w.orgs[key], code, status=status, adviser=w.users[f"{key}_adviser"],
                first_name=key.upper(), last_name=status.value.title())
    w.customers["sub_assigned"] = make_customer(w.orgs["ses"], "SES", subcontractor=w.orgs["sub"],
                                                first_name="Assigned", last_name="Tosub")
    # R-DATA-6: the inspector's scope is the SES prime (and what its sub-contractor delivers), by an open inspection.
    w.inspection = open_inspection_of(w.orgs["ses"], ("SES",), [w.users["inspector"]], by=w.users["admin"])
    return w


def open_inspection_of(organisation, codes, inspectors, *, by, period_from=None, period_to=None):
    from portal.services import inspections

    today = date.today()
    return inspections.open_inspection(
        organisation_id=organisation.id, programme_codes=list(codes), period_from=period_from or today - timedelta(days=365),
        period_to=period_to or today, inspector_ids=[u.id for u in inspectors], opened_on=today, by=by)
