"""Demo organisations, accounts and customers for `make run` and the browser tests."""
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import data_access, demo_jobs, demo_plans
from portal.extensions import db
from portal.models import (
    Activity, ApiClient, Appointment, Cohort, CohortPlace, Consent, ConsentKind, Customer, HoursEntry, Inspection,
    InspectionStatus, Mode,
    Organisation, OrganisationKind, Programme, Referral, ReferralStatus, ReferralTransition, Role, Source, User,
)
from portal.models.base import utcnow
from portal.security import passwords, totp
from portal.services import hours_rules
from portal.services.referrals import customer_reference

UK = ZoneInfo("Europe/London")

# name, kind, accredited, programmes, prime, email domain
ORGANISATIONS = (
    ("Northway Employment Services", OrganisationKind.PRIVATE_PROVIDER, True, ("SES",), None, "northway.example"),
    ("Bright Steps Training", OrganisationKind.VOLUNTARY, True, ("SES",), "Northway Employment Services", "brightsteps.example"),
    ("Valley Voices Job Club", OrganisationKind.VOLUNTARY, False, ("J2E",), None, "valleyvoices.example"),
    ("Cyngor Sir Glanmor (Glanmor County Council)", OrganisationKind.LOCAL_AUTHORITY, True, ("LSE",), None, "glanmor.example"),
    ("Stepforward Supported Employment", OrganisationKind.PRIVATE_PROVIDER, True, ("WORK_CHOICE", "SES"), None, "stepforward.example"),
)
DWP_ACCOUNTS = (
    ("admin@portal.example", "Sam Okafor", Role.ADMIN),
    ("referrals@dwp.example", "Priya Shah", Role.REFERRAL_OFFICER),
    ("inspector@dwp.example", "Gareth Evans", Role.INSPECTOR),
)
FIRST = ("Aisha", "Ben", "Carys", "Dylan", "Efa", "Femi", "Grace", "Harri", "Imran", "Jess", "Kofi", "Lowri", "Mo",
         "Nia", "Owen", "Poppy", "Rhys", "Sian", "Tariq", "Zoe")
LAST = ("Ahmed", "Bevan", "Clarke", "Davies", "Edwards", "Francis", "Griffiths", "Hughes", "Iqbal", "Jones",
        "Khan", "Lewis", "Morgan", "Nowak", "Owens", "Price", "Roberts", "Smith", "Thomas", "Williams")
STATES = (ReferralStatus.REFERRED, ReferralStatus.STARTED, ReferralStatus.STARTED, ReferralStatus.STARTED,
          ReferralStatus.COMPLETED, ReferralStatus.EXITED_EARLY, ReferralStatus.STARTED, ReferralStatus.TRANSFERRED)
CUSTOMERS_PER_PRIME = 10
# Providers whose first started customers get demo plans (portal/demo_plans.py).
PLAN_PROVIDERS = ("Northway Employment Services", "Cyngor Sir Glanmor (Glanmor County Council)")


def demo_accounts():
    """(email, name, role, organisation name or None) for every demo account, as listed in the README."""
    accounts = [(email, name, role, "Department for Work and Pensions") for email, name, role in DWP_ACCOUNTS]
    for org_name, _kind, _acc, _progs, _prime, domain in ORGANISATIONS:
        short = org_name.split(" (")[0]
        accounts.append((f"manager@{domain}", f"{short} manager", Role.MANAGER, org_name))
        for n in (1, 2):
            accounts.append((f"adviser{n}@{domain}", f"{short} adviser {n}", Role.ADVISER, org_name))
    return accounts


def _set_credentials(user, password, secret, now):
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    user.totp_secret_encrypted = totp.encrypt_secret(secret)
    user.totp_confirmed_at = now
    user.totp_last_timecode = None
    user.failed_sign_in_count = 0
    user.throttled_until = None
    user.is_enabled = True


def has_provider_organisations():
    return db.session.scalar(select(Organisation.id).where(Organisation.kind != OrganisationKind.DWP).limit(1)) is not None


def load_demo_data(password, totp_secret):
    """Returns True if it created the data, False if it was there already (credentials are reset)."""
    now = utcnow()
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    existing = {u.email: u for u in db.session.scalars(select(User))}
    if "admin@portal.example" in existing:
        for user in existing.values():
            if any(user.email == email for email, *_ in demo_accounts()):
                _set_credentials(user, password, totp_secret, now)
        db.session.commit()
        return False

    programmes = {p.code: p for p in db.session.scalars(select(Programme))}
    for name, kind, accredited, codes, prime, _domain in ORGANISATIONS:
        organisation = Organisation(name=name, kind=kind, security_accredited=accredited,
                                    programmes=[programmes[c] for c in codes],
                                    prime=organisations.get(prime) if prime else None)
        db.session.add(organisation)
        organisations[name] = organisation
    db.session.flush()

    users = {}
    for email, name, role, org_name in demo_accounts():
        user = User(email=email, name=name, role=role, organisation=organisations[org_name])
        _set_credentials(user, password, totp_secret, now)
        db.session.add(user)
        users[email] = user
    db.session.flush()

    started = _add_customers(random.Random(2026), organisations, users, programmes, now)
    db.session.flush()
    _add_clubs_and_hours(organisations, now.astimezone(UK).date())
    demo_jobs.add_demo_jobs(now.astimezone(UK).date())
    db.session.add(ApiClient(name="DWP referral system (demo)"))
    _add_inspection(organisations, users, programmes, now.astimezone(UK).date())
    db.session.commit()
    # Agreement seals the plan's documents with the portal's keys: `make run` makes them first.
    demo_plans.add_plans([started[name] for name in PLAN_PROVIDERS], now.astimezone(UK).date())
    return True


def _add_inspection(organisations, users, programmes, today):
    """The demo inspector's scope (R-DATA-6): an open inspection of Northway's SES customers over the last year."""
    db.session.add(Inspection(
        organisation=organisations["Northway Employment Services"], programmes=[programmes["SES"]],
        period_from=today - timedelta(days=365), period_to=today, opened_on=today, status=InspectionStatus.OPEN,
        opened_by_id=users["admin@portal.example"].id, inspectors=[users["inspector@dwp.example"]]))


def _add_customers(rng, organisations, users, programmes, now):
    """Returns, per provider, its started customers as (customer, referral, name, language, format, adviser),
    Welsh speakers first."""
    officer = users["referrals@dwp.example"]
    started = {}
    today = now.astimezone(UK).date()
    serial = 0
    primes = [o for o in ORGANISATIONS if o[4] is None]
    for org_name, _kind, _acc, codes, _prime, domain in primes:
        organisation = organisations[org_name]
        programme = programmes[codes[0]]
        advisers = [users[f"adviser1@{domain}"], users[f"adviser2@{domain}"]]
        subcontractor = organisation.subcontractors[0] if organisation.subcontractors else None
        for index in range(CUSTOMERS_PER_PRIME):
            serial += 1
            state = STATES[index % len(STATES)]
            first, last = FIRST[(serial * 7) % len(FIRST)], LAST[(serial * 3) % len(LAST)]
            referred_on = today - timedelta(days=rng.randint(20, 300))
            customer = Customer(reference="pending", created_by_id=officer.id,
                                created_at=datetime.combine(referred_on, time(9), tzinfo=UK))
            db.session.add(customer)
            db.session.flush()
            customer.reference = customer_reference(customer.id)
            welsh = "glanmor" in domain
            language = "cy" if welsh and index % 2 == 0 else "en"
            document_format = ("standard", "large_print", "easy_read")[index % 3]
            data_access.new_dwp_record(customer, {
                "nino": f"JT{100000 + serial:06d}{'ABCD'[serial % 4]}",
                "first_name": first, "last_name": last,
                "date_of_birth": today.replace(year=today.year - rng.randint(19, 60), day=1),
                "address": f"{serial} {'Heol y Bont' if welsh else 'Station Road'}, {'Glanmor' if welsh else 'Northway'}",
                "postcode": f"{'SA' if welsh else 'NE'}{rng.randint(1, 9)} {rng.randint(1, 9)}AB",
                "phone": f"07700 900{serial:03d}", "email": f"customer{serial}@mail.example",
                "benefit_type": "UC" if index % 3 else "ESA_IR",
                "wca_group": "LCW" if index % 3 else "WRAG",
                "wca_decision_date": referred_on - timedelta(days=60),
                "health_summary": "Anxiety and low confidence in new places",
                "medical_details": "Takes medication that can cause tiredness in the morning",
                "sanction_history": "None in the last 12 months" if index % 2 else "One sanction in 2021",
                "regulation_29": index == 3, "armed_forces": index == 5,
                "jobcentre": "Glanmor Jobcentre" if welsh else "Northway Jobcentre",
                "work_coach": "Alex Morgan",
                "preferred_language": language,
                "format_needs": document_format,
                "learning_disability_or_autism": welsh or index % 4 == 0,
                "secondary_mental_health": index % 4 == 1,
                "on_other_dwp_provision": False,
            })
            referral = Referral(
                customer=customer, organisation=organisation, programme=programme, status=ReferralStatus.REFERRED,
                adviser=advisers[index % 2], referred_by_id=officer.id,
                eso_place=programme.eso_places == "always",
                referred_at=datetime.combine(referred_on, time(10), tzinfo=UK),
                eligibility_confirmed_at=datetime.combine(referred_on, time(11), tzinfo=UK),
                eligibility_confirmed_by_id=officer.id,
            )
            if subcontractor is not None and index in (1, 2):
                referral.subcontractor = subcontractor
            db.session.add(referral)
            db.session.add(Appointment(customer=customer, referral=referral, location=f"{organisation.name.split(' (')[0]} office",
                                       starts_at=datetime.combine(referred_on + timedelta(days=7), time(10, 30), tzinfo=UK),
                                       details="First meeting with an adviser", booked_by_id=officer.id))
            _walk(referral, state, referred_on, today, officer, advisers[index % 2], organisations, programmes)
            _add_consents(customer, organisation, advisers[index % 2], index, referred_on)
            if referral.status == ReferralStatus.STARTED:
                started.setdefault(org_name, []).append((customer, referral, f"{first} {last}", language,
                                                         document_format, advisers[index % 2]))
    return {name: sorted(people, key=lambda person: person[3] != "cy") for name, people in started.items()}


def _add_consents(customer, organisation, adviser, index, referred_on):
    """Some customers agreed to share health information (R-DATA-3) and their support network (R-DATA-8)."""
    agreed = referred_on + timedelta(days=10)
    if index % 2 == 1:
        db.session.add(Consent(customer=customer, organisation=organisation, kind=ConsentKind.DATA_SHARING,
                               given_on=agreed, recorded_by_id=adviser.id))
        items = "health_summary medical_details" if index % 4 == 1 else "health_summary"
        db.session.add(Consent(customer=customer, organisation=organisation, kind=ConsentKind.HEALTH,
                               health_items=items, given_on=agreed, recorded_by_id=adviser.id))
    if index == 3:
        db.session.add(Consent(customer=customer, organisation=organisation, kind=ConsentKind.SUPPORT_NETWORK,
                               people="Mair Jones, mother; Tom Baker, support worker", given_on=agreed,
                               recorded_by_id=adviser.id))


def _walk(referral, state, referred_on, today, officer, adviser, organisations, programmes):
    steps = [(None, ReferralStatus.REFERRED, referred_on, None, officer)]
    started_on = referred_on + timedelta(days=10)
    if state != ReferralStatus.REFERRED:
        steps.append((ReferralStatus.REFERRED, ReferralStatus.STARTED, started_on, None, adviser))
        referral.started_on = started_on
    ended_on = min(today, started_on + timedelta(days=90))
    reasons = {  # R-EXIT-1: (code, words)
        ReferralStatus.COMPLETED: ("programme_end", None),
        ReferralStatus.EXITED_EARLY: ("moved_away", "Moved out of the area"),
        ReferralStatus.TRANSFERRED: ("transferred", "Customer asked for a provider nearer home"),
    }
    if state in reasons:
        steps.append((ReferralStatus.STARTED, state, ended_on, reasons[state][1], adviser))
        referral.ended_on = ended_on
        referral.exit_reason_code, referral.exit_reason_text = reasons[state]
    referral.status = state
    for from_status, to_status, on, reason, who in steps:
        db.session.add(ReferralTransition(referral=referral, from_status=from_status, to_status=to_status,
                                          effective_on=on, reason=reason, recorded_by_id=who.id,
                                          recorded_at=datetime.combine(on, time(12), tzinfo=UK)))
    if state == ReferralStatus.TRANSFERRED:
        receiving = next((o for o in organisations.values() if referral.programme in o.programmes
                          and o is not referral.organisation and not o.is_subcontractor), None)
        if receiving is not None:
            successor = Referral(customer=referral.customer, organisation=receiving, programme=referral.programme,
                                 status=ReferralStatus.REFERRED, referred_by_id=officer.id,
                                 referred_at=datetime.combine(ended_on, time(15), tzinfo=UK),
                                 eso_place=referral.eso_place, transferred_from=referral,
                                 eligibility_confirmed_at=referral.eligibility_confirmed_at,
                                 eligibility_confirmed_by_id=officer.id)
            db.session.add(successor)
            db.session.add(ReferralTransition(referral=successor, from_status=None, to_status=ReferralStatus.REFERRED,
                                              effective_on=ended_on, reason=f"Transferred from {referral.organisation.name}",
                                              recorded_by_id=officer.id,
                                              recorded_at=datetime.combine(ended_on, time(15), tzinfo=UK)))


if __name__ == "__main__":
    for email, _name, role, organisation in demo_accounts():
        print(f"  {email:<32} {role.label:<24} {organisation}")


def _add_clubs_and_hours(organisations, today):
    """Clubs for the customers of programmes that run in cohorts, and a few recent weeks of hours."""
    for organisation in organisations.values():
        referrals = db.session.scalars(select(Referral).where(Referral.organisation_id == organisation.id,
                                                              Referral.started_on.is_not(None))).all()
        adviser = db.session.scalars(select(User).where(User.organisation_id == organisation.id,
                                                        User.role == Role.ADVISER).order_by(User.id)).first()
        clubs = []
        for referral in sorted(referrals, key=lambda r: r.started_on):
            programme = referral.programme
            if programme.cohort_size and programme.cohort_weeks:
                club = next((c for c in clubs if c.starts_on <= referral.started_on <= c.ends_on
                             and c.places_taken < c.capacity), None)
                if club is None:
                    starts_on = hours_rules.week_start(referral.started_on)
                    club = Cohort(organisation_id=organisation.id, programme_id=programme.id, capacity=programme.cohort_size,
                                  name=f"Club from {starts_on.strftime('%-d %B %Y')}", starts_on=starts_on,
                                  ends_on=starts_on + timedelta(days=7 * programme.cohort_weeks - 1), places_taken=0,
                                  created_by_id=adviser.id)
                    db.session.add(club)
                    clubs.append(club)
                club.places_taken += 1
                db.session.add(CohortPlace(cohort=club, referral=referral, joined_on=referral.started_on))
            if referral.status == ReferralStatus.STARTED and adviser is not None:
                _add_recent_hours(referral, adviser, today)


def _add_recent_hours(referral, adviser, today):
    pattern = ((0, Activity.JOB_SEARCH, 8, "Searched and applied for jobs together"),
               (2, Activity.CV_AND_APPLICATIONS, 6, "Updated CV and wrote a cover letter"))
    this_week = hours_rules.week_start(today)
    for weeks_ago in (1, 2, 3, 4):
        monday = this_week - timedelta(days=7 * weeks_ago)
        for offset, activity, quarters, description in pattern:
            on = monday + timedelta(days=offset)
            if on < referral.started_on:
                continue
            db.session.add(HoursEntry(referral_id=referral.id, week_start=monday, on=on, activity=activity,
                                      source=Source.PROVIDER, mode=Mode.FACE_TO_FACE, quarters=quarters,
                                      description=description, entered_by_id=adviser.id,
                                      entered_by_organisation_id=referral.organisation_id))
