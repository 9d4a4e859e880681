"""The adviser's work queue and reminders (issue 16, R-REM-1).

Each queue item is proven by a customer who should appear and one who should not.
"""
import threading
import time
from datetime import timedelta

from sqlalchemy import event, select

from portal.extensions import db
from portal.models import (
    Activity, CopyMethod, CustomerCopy, HoursEntry, Mode, Plan, PlanParty, PlanVersion, ReferralStatus,
    Role, SigningLink, Source, StrandStart, VersionStatus,
)
from portal.models.base import utcnow
from portal.services import hours_rules, reminders, work_queue
from tests import mailbox
from tests.factories import make_customer, make_user, sign_in_as

TODAY = work_queue.context().today


def customer(world, org="ses", code="SES", *, started_days_ago=30, adviser=None, name="Queue", status=ReferralStatus.STARTED):
    # make_customer starts the customer two days after the referral.
    return make_customer(world.orgs[org], code, status=status, adviser=adviser or world.users[f"{org}_adviser"],
                         referred_days_ago=started_days_ago + 2, first_name=name, last_name="Person")


def plan_for(person, *, status=VersionStatus.DRAFT, next_review_on=None, strand=None):
    referral = person.referrals[0]
    plan = Plan(customer_id=person.id, programme_id=referral.programme_id, next_review_on=next_review_on)
    db.session.add(plan)
    db.session.flush()
    version = PlanVersion(plan_id=plan.id, number=1, organisation_id=referral.organisation_id, referral_id=referral.id,
                          status=status, content_hash="0" * 64,
                          sent_for_signature_at=utcnow() - timedelta(days=2),
                          agreed_at=utcnow() if status == VersionStatus.AGREED else None)
    db.session.add(version)
    if strand:  # R-WC-1: the strand is a history row, started with the referral here
        db.session.add(StrandStart(plan_id=plan.id, strand=strand, started_on=referral.started_on))
    db.session.commit()
    return plan, version


def hours(person, world, on, activity=Activity.CONFIDENCE_BUILDING):
    referral = person.referrals[0]
    db.session.add(HoursEntry(referral_id=referral.id, week_start=hours_rules.week_start(on), on=on, activity=activity,
                              source=Source.PROVIDER, mode=Mode.FACE_TO_FACE, quarters=4, description="Session",
                              entered_by_id=world.users["ses_adviser"].id,
                              entered_by_organisation_id=referral.organisation_id))
    db.session.commit()


def keys_for(user, person, **kwargs):
    return {item.rule.key for item in work_queue.queue_items(user, **kwargs) if item.customer_id == person.id}


def test_r_rem_1_every_rule_is_data_with_its_domain_reference_and_guidance():
    assert len(work_queue.RULES) >= 8
    for rule in work_queue.RULES:
        assert rule.domain == "R-REM-1" and rule.source and rule.section in dict(work_queue.SECTIONS)


def test_r_rem_1_reviews_overdue_and_due_within_14_days_ses_4_12(world):
    adviser = world.users["ses_adviser"]
    overdue, soon, later = (customer(world, name=n) for n in ("Overdue", "Soon", "Later"))
    plan_for(overdue, status=VersionStatus.AGREED, next_review_on=TODAY - timedelta(days=1))
    plan_for(soon, status=VersionStatus.AGREED, next_review_on=TODAY + timedelta(days=10))
    plan_for(later, status=VersionStatus.AGREED, next_review_on=TODAY + timedelta(days=30))
    assert "review_overdue" in keys_for(adviser, overdue) and "review_due" not in keys_for(adviser, overdue)
    assert "review_due" in keys_for(adviser, soon) and "review_overdue" not in keys_for(adviser, soon)
    assert not {"review_due", "review_overdue"} & keys_for(adviser, later)


def test_r_rem_1_plans_awaiting_signatures_with_the_links_state(world):
    adviser = world.users["ses_adviser"]
    waiting, drafting = customer(world, name="Waiting"), customer(world, name="Drafting")
    _plan, version = plan_for(waiting, status=VersionStatus.AWAITING_SIGNATURES)
    plan_for(drafting)
    party = PlanParty(version_id=version.id, key="p1", role="customer", name="Waiting Person")
    db.session.add(party)
    db.session.flush()
    now = utcnow()
    db.session.add(SigningLink(token_hash="a" * 64, version_id=version.id, party_id=party.id, content_hash="0" * 64,
                               created_at=now - timedelta(days=1), expires_at=now + timedelta(days=6),
                               opened_at=now - timedelta(hours=3)))
    db.session.commit()
    [item] = [i for i in work_queue.queue_items(adviser) if i.rule.key == "awaiting_signatures"]
    assert item.customer_id == waiting.id and "opened" in item.words and "expires" in item.words
    assert "awaiting_signatures" not in keys_for(adviser, drafting)
    state = work_queue.signing_state
    assert state(now + timedelta(days=1), now, None, None, 1, now)[0] == "sent"
    assert state(now + timedelta(days=1), now, now, None, 1, now)[0] == "opened"
    assert state(now - timedelta(days=1), now, None, None, 1, now)[0] == "expired"
    assert state(now - timedelta(days=1), now, now, now, 1, now)[0] == "signed"
    assert state(None, now, None, None, None, now)[0] == "in_person"


def test_r_rem_1_started_with_no_agreed_plan_after_the_programmes_allowance_ses_4_05(world):
    adviser = world.users["ses_adviser"]
    late = customer(world, started_days_ago=40, name="Late")
    recent = customer(world, started_days_ago=10, name="Recent")
    agreed = customer(world, started_days_ago=40, name="Agreed")
    plan_for(agreed, status=VersionStatus.AGREED)
    plan_for(late)  # a draft is not an agreed plan
    assert "no_agreed_plan" in keys_for(adviser, late)
    assert "no_agreed_plan" not in keys_for(adviser, recent)
    assert "no_agreed_plan" not in keys_for(adviser, agreed)


def test_r_rem_1_copy_of_the_agreed_plan_not_given_ses_4_07(world):
    adviser = world.users["ses_adviser"]
    without, given = customer(world, name="Without"), customer(world, name="Given")
    plan_for(without, status=VersionStatus.AGREED)
    _plan, version = plan_for(given, status=VersionStatus.AGREED)
    db.session.add(CustomerCopy(version_id=version.id, method=CopyMethod.HANDED_OVER, document_format="standard",
                                language="en", given_on=TODAY))
    db.session.commit()
    assert "copy_not_given" in keys_for(adviser, without)
    assert "copy_not_given" not in keys_for(adviser, given)


def test_r_rem_1_programme_ends_approaching_ses_4_04_ifs_19_and_j2e_from_rows(world):
    ses_ending = customer(world, started_days_ago=52 * 7 - 10, name="Ending")
    ses_midway = customer(world, started_days_ago=100, name="Midway")
    assert "programme_ending" in keys_for(world.users["ses_adviser"], ses_ending)
    assert "programme_ending" not in keys_for(world.users["ses_adviser"], ses_midway)
    club_ending = customer(world, "j2e", "J2E", started_days_ago=12 * 7 - 3, name="Club")
    club_new = customer(world, "j2e", "J2E", started_days_ago=20, name="Clubnew")
    assert "programme_ending" in keys_for(world.users["j2e_adviser"], club_ending)
    assert "programme_ending" not in keys_for(world.users["j2e_adviser"], club_new)
    transitional = customer(world, "wc", "WORK_CHOICE", started_days_ago=104 * 7 - 5, name="Transitional")
    plan_for(transitional, status=VersionStatus.AGREED, strand="transitional")
    longer_term = customer(world, "wc", "WORK_CHOICE", started_days_ago=104 * 7 - 5, name="Longer")
    plan_for(longer_term, status=VersionStatus.AGREED, strand="longer_term")
    # R-WC-1: the transitional strand's two years are counted from its own start, shown three months ahead.
    assert "transitional_ending" in keys_for(world.users["wc_adviser"], transitional)
    assert "transitional_ending" not in keys_for(world.users["wc_adviser"], longer_term)


def test_r_rem_1_weeks_without_hours(world):
    adviser = world.users["ses_adviser"]
    nothing, recorded = customer(world, name="Nothing"), customer(world, name="Recorded")
    hours(recorded, world, hours_rules.week_start(TODAY) - timedelta(days=5))
    assert "hours_missing" in keys_for(adviser, nothing)
    assert "hours_missing" not in keys_for(adviser, recorded)


def test_r_rem_1_no_job_search_support_in_four_weeks_ses_4_21(world):
    adviser = world.users["ses_adviser"]
    other_only, searching = customer(world, started_days_ago=40, name="Other"), customer(world, started_days_ago=40, name="Searching")
    hours(other_only, world, TODAY - timedelta(days=3))
    hours(searching, world, TODAY - timedelta(days=5), Activity.CV_AND_APPLICATIONS)
    assert "no_job_search" in keys_for(adviser, other_only)
    assert "no_job_search" not in keys_for(adviser, searching)


def test_r_rem_1_only_the_advisers_own_started_customers(world):
    adviser = world.users["ses_adviser"]
    colleague = make_user("colleague@ses.example", Role.ADVISER, world.orgs["ses"])
    theirs = customer(world, started_days_ago=40, adviser=colleague, name="Theirs")
    referred = customer(world, started_days_ago=40, name="Referred", status=ReferralStatus.REFERRED)
    other_org = customer(world, "ses_b", started_days_ago=40, name="Elsewhere")
    for person in (theirs, referred, other_org):
        assert keys_for(adviser, person) == set()
    assert "no_agreed_plan" in keys_for(colleague, theirs)
    # A sub-contractor's adviser is never the adviser of record: their queue is what the prime assigned them.
    assigned = world.customers["sub_assigned"]
    assert "hours_missing" in keys_for(world.users["sub_adviser"], assigned)
    assert keys_for(world.users["sub_adviser"], theirs) == set()


def test_r_rem_1_the_home_page_is_the_queue_with_counts_and_links(client, world):
    late = customer(world, started_days_ago=40, name="Latecomer")
    sign_in_as(client, world.users["ses_adviser"])
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/queue")
    page = client.get("/queue").get_data(as_text=True)
    assert "Your work queue" in page and "Started with no agreed plan: 1" in page
    assert f"/customers/{late.id}" in page and "Latecomer Person" in page
    assert "R-REM-1" not in page  # rule ids stay in code and tests


def test_r_rem_1_a_manager_sees_the_queue_by_adviser_and_reassigns(client, world):
    colleague = make_user("colleague@ses.example", Role.ADVISER, world.orgs["ses"], name="Casey Colleague")
    late = customer(world, started_days_ago=40, name="Latecomer")
    sign_in_as(client, world.users["ses_manager"])
    page = client.get("/queue").get_data(as_text=True)
    assert "Work queue by adviser" in page and world.users["ses_adviser"].name in page and "Latecomer Person" in page
    referral = late.referrals[0]
    assert "New adviser for Latecomer Person" in page
    assert client.post(f"/queue/referrals/{referral.id}/adviser", data={"adviser": ""}).status_code == 302
    assert "Choose the adviser" in client.get("/queue").get_data(as_text=True)
    response = client.post(f"/queue/referrals/{referral.id}/adviser", data={"adviser": str(colleague.id)})
    assert response.status_code == 302
    db.session.refresh(referral)
    assert referral.adviser_id == colleague.id
    assert "no_agreed_plan" in keys_for(colleague, late)
    # Another organisation's adviser is not a choice; another organisation's referral is missing.
    other = world.users["ses_b_adviser"]
    assert client.post(f"/queue/referrals/{referral.id}/adviser", data={"adviser": str(other.id)}).status_code == 400
    elsewhere = customer(world, "ses_b", name="Elsewhere").referrals[0]
    assert client.post(f"/queue/referrals/{elsewhere.id}/adviser", data={"adviser": str(colleague.id)}).status_code == 404


def test_r_rem_1_the_queue_page_costs_the_same_number_of_queries_for_3_or_30_customers(client, world):
    adviser = world.users["ses_adviser"]
    sign_in_as(client, adviser)

    def add(count, start):
        for n in range(start, start + count):
            person = customer(world, started_days_ago=40 + n, name=f"Bulk{n}")
            plan_for(person, status=VersionStatus.AGREED, next_review_on=TODAY - timedelta(days=1))
            hours(person, world, TODAY - timedelta(days=2))

    def statements_for_the_page(expected):
        client.get("/queue")  # the same warm-up before each count (session touch)
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get("/queue").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert f"Reviews overdue or due today: {expected}" in page
        return len(statements)

    add(3, 0)
    with_3 = statements_for_the_page(3)
    add(27, 3)
    with_30 = statements_for_the_page(30)
    assert with_3 == with_30, (with_3, with_30)
    assert with_30 <= len(work_queue.RULES) + 15


def test_r_rem_1_the_reminder_preference_on_the_account_page(client, world):
    adviser = world.users["ses_adviser"]
    sign_in_as(client, adviser)
    assert "once a week" in client.get("/account").get_data(as_text=True)
    page = client.get("/account/reminders").get_data(as_text=True)
    assert "<legend" in page and "How often do you want an email of your work queue?" in page
    assert client.post("/account/reminders", data={"frequency": "sometimes"}).status_code == 400
    assert client.post("/account/reminders", data={"frequency": "daily"}).status_code == 302
    db.session.refresh(adviser)
    assert adviser.reminder_frequency == "daily"


def test_r_rem_1_the_digest_sends_one_mail_per_opted_in_adviser_and_none_to_opted_out(app, world):
    daily = world.users["ses_adviser"]
    weekly = make_user("weekly@ses.example", Role.ADVISER, world.orgs["ses"])
    off = make_user("off@ses.example", Role.ADVISER, world.orgs["ses"])
    nothing_due = make_user("idle@ses.example", Role.ADVISER, world.orgs["ses"])
    daily.reminder_frequency, off.reminder_frequency = "daily", "off"
    db.session.commit()
    for adviser in (daily, weekly, off):
        customer(world, started_days_ago=40, adviser=adviser, name=adviser.email.split("@")[0])
    # The world's other advisers' customers have items too: count only these four.
    mine = {daily.email, weekly.email, off.email, nothing_due.email}

    def digests():
        return [m for m in mailbox.messages("queue_digest") if m.recipient in mine]

    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    sent = digests()
    assert sorted(m.recipient for m in sent) == sorted([daily.email, weekly.email])
    body = next(m.body for m in sent if m.recipient == daily.email)
    assert "Started with no agreed plan: 1" in body and "/queue" in body and "Person" not in body  # no names by email
    # Run again straight away (cron twice, or two workers): nobody gets a second one.
    reminders.send_digests()
    assert len(digests()) == 2
    # A day later the daily one is due again, the weekly one is not.
    reminders.send_digests(utcnow() + timedelta(days=1))
    assert sorted(m.recipient for m in digests()) == sorted([daily.email, daily.email, weekly.email])
    reminders.send_digests(utcnow() + timedelta(days=7))
    assert sorted(m.recipient for m in digests()).count(weekly.email) == 2


def test_r_rem_1_the_adviser_is_told_when_a_customer_signs_by_link_and_the_link_shows_opened(client, world, app):
    from tests.test_plans import _ready_for_signature, _send_link

    person = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{person.id}/plan/start/{person.referrals[0].id}")
    version = db.session.scalar(select(Plan).where(Plan.customer_id == person.id)).versions[0]
    _ready_for_signature(client, person, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, person, version, party)
    link = db.session.scalar(select(SigningLink).where(SigningLink.version_id == version.id))
    assert link.opened_at is None
    words = [i.words for i in work_queue.queue_items(world.users["ses_adviser"]) if i.rule.key == "awaiting_signatures"]
    assert words and "not opened yet" in words[0]
    phone = app.test_client()
    phone.get(path)
    db.session.refresh(link)
    assert link.opened_at is not None
    words = [i.words for i in work_queue.queue_items(world.users["ses_adviser"]) if i.rule.key == "awaiting_signatures"]
    assert "opened" in words[0] and "not opened" not in words[0]
    phone.post(path, data={"date_of_birth": ["17", "5", "1990"]})
    page = phone.post(path + "/plan", data={"declaration": "y", "typed_name": party.name}).get_data(as_text=True)
    assert "You have signed your plan" in page
    told = mailbox.messages("signed_by_link")
    assert [m.recipient for m in told] == [world.users["ses_adviser"].email]
    assert person.reference in told[0].subject and "Test Customer" not in told[0].body


def test_r_rem_1_the_workers_timer_sends_the_digests_that_are_due(app, world):
    adviser = world.users["ses_adviser"]
    customer(world, started_days_ago=40, name="Timer")
    stop = threading.Event()
    timer = threading.Thread(target=reminders.run_every, args=(app, 0.05, stop), daemon=True)
    timer.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if mailbox.messages("queue_digest", adviser.email):
                break
            time.sleep(0.05)
    finally:
        stop.set()
        timer.join(5)
    db.session.rollback()
    assert len(mailbox.messages("queue_digest", adviser.email)) == 1


def test_r_rem_1_a_manager_sees_the_inspection_findings_waiting_for_an_answer(client, world):
    from datetime import date

    from portal.services import findings

    sign_in_as(client, world.users["ses_manager"])
    assert "waiting for your answer" not in client.get("/queue").get_data(as_text=True)
    findings.raise_finding(world.inspection, customer_id=None, rule="R-ISP-5", found="Reviews run late",
                           severity="medium", action_required="Hold reviews on the dates agreed",
                           due_on=date.today() + timedelta(days=28), by=world.users["inspector"], today=date.today())
    db.session.commit()
    assert "1 inspection finding waiting for your answer" in client.get("/queue").get_data(as_text=True)
    sign_in_as(client, world.users["ses_b_manager"])  # another provider's manager is not told
    assert "waiting for your answer" not in client.get("/queue").get_data(as_text=True)
