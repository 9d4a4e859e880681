"""The signed record holds only what was signed, and rules hold when requests meet (issue 11).

Races are real: two threads, each with its own app context, database session and test client, post
at the same instant. A barrier inside the service call makes both requests read before either
writes, the window in which a check made in Python is beaten. R-SIGN-4, R-HRS-4, R-HRS-5.
"""
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import FormSubmission, HoursEntry, PlanVersion, Signature, VersionStatus
from portal.models import DocumentOriginal
from portal.services import hours as hours_service
from portal.services import plans
from tests.factories import sign_in_as
from tests.test_hours import THIS_WEEK, TODAY, entry, live_entries, week_url
from tests.test_plans import base, fill_complete_plan, lock


def postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks and lock timeouts are PostgreSQL's; CI runs this file on PostgreSQL too")


def gate(monkeypatch, module, names, parties=2):
    """Make each named service call wait until `parties` calls have arrived, then let them all go."""
    barrier = threading.Barrier(parties, timeout=10)
    for name in names:
        original = getattr(module, name)

        def gated(*args, _original=original, **kwargs):
            barrier.wait()
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, gated)


def at_once(app, calls):
    """Run each (client, url, data) POST in its own thread at the same instant; the responses in order."""
    db.session.commit()
    responses = [None] * len(calls)

    def post(index, client, url, data):
        with app.app_context():
            response = client.post(url, data=data)
            responses[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.expire_all()
    return responses


@pytest.fixture
def two_advisers(app, client, world):
    """The SES adviser and their manager, each signed in on their own browser, and a draft plan."""
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    version = db.session.scalar(select(PlanVersion))
    other = app.test_client()
    sign_in_as(other, world.users["ses_manager"])
    return customer, version, client, other


# --- R-SIGN-4: no lost text, nothing unsigned sealed ----------------------------------------------------

def test_r_sign_4_two_saves_of_one_section_at_once_one_saved_one_conflict(app, monkeypatch, two_advisers):
    customer, version, first, second = two_advisers
    seen = lock(version)
    gate(monkeypatch, plans, ["save_section"])
    url = f"{base(customer, version)}/sections/needs"
    answers = at_once(app, [(first, url, {"needs_assessment": "First adviser's text", "lock_version": seen}),
                            (second, url, {"needs_assessment": "Second adviser's text", "lock_version": seen})])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [302, 409], statuses
    loser = next(page for status, page in answers if status == 409)
    winner_text = db.session.get(PlanVersion, version.id).needs_assessment
    assert winner_text in ("First adviser's text", "Second adviser's text")
    # The loser's text is kept on the conflict page, beside what the winner saved.
    assert "Someone else has changed this plan" in loser
    assert "First adviser&#39;s text" in loser and "Second adviser&#39;s text" in loser
    assert db.session.get(PlanVersion, version.id).lock_version == int(seen) + 1


def test_r_sign_4_a_save_racing_send_for_signature_never_leaves_unsigned_text(app, monkeypatch, two_advisers):
    customer, version, first, second = two_advisers
    fill_complete_plan(first, customer, version)
    seen = lock(version)
    gate(monkeypatch, plans, ["save_section", "send_for_signature"])
    answers = at_once(app, [
        (first, f"{base(customer, version)}/sections/needs", {"needs_assessment": "Changed at the last moment",
                                                             "lock_version": seen}),
        (second, f"{base(customer, version)}/send", {"lock_version": seen}),
    ])
    version = db.session.get(PlanVersion, version.id)
    saved = version.needs_assessment == "Changed at the last moment"
    sent = version.status == VersionStatus.AWAITING_SIGNATURES
    assert saved != sent, (answers[0][0], answers[1][0], saved, sent)  # exactly one of them happened
    if sent:
        assert answers[0][0] == 409
        assert version.content_hash == plans.content_hash(version)


def test_r_sign_4_a_signature_is_refused_when_the_content_changed_under_it(client, two_advisers):
    """Even a change that bypassed the pages (a script, a restore) is caught: the content is hashed
    again under the lock, and nothing is signed, agreed or sealed."""
    customer, version, adviser, _ = two_advisers
    fill_complete_plan(adviser, customer, version)
    adviser.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    sent_hash = version.content_hash
    db.session.execute(text("UPDATE plan_objective SET what = 'Something nobody read' WHERE version_id = :v"),
                       {"v": version.id})
    db.session.commit()
    for party in version.parties:
        page = adviser.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": sent_hash, "method": "in_person", "declaration": "y", "typed_name": party.name}
        ).get_data(as_text=True)
        assert "The plan has changed since this page was opened" in page
    db.session.expire_all()
    assert db.session.get(PlanVersion, version.id).status == VersionStatus.AWAITING_SIGNATURES
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    assert db.session.scalar(select(func.count(DocumentOriginal.id))) == 0


def test_r_sign_4_the_last_signature_racing_back_to_draft_one_wins(app, monkeypatch, two_advisers):
    customer, version, adviser, manager = two_advisers
    fill_complete_plan(adviser, customer, version)
    adviser.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    customer_party, adviser_party = version.parties
    assert adviser.post(f"{base(customer, version)}/sign/{customer_party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y",
        "typed_name": customer_party.name}).status_code == 302
    gate(monkeypatch, plans, ["sign", "return_to_draft"])
    at_once(app, [
        (adviser, f"{base(customer, version)}/sign/{adviser_party.id}", {
            "seen_hash": version.content_hash, "declaration": "y", "typed_name": adviser_party.name}),
        (manager, f"{base(customer, version)}/draft", {}),
    ])
    version = db.session.get(PlanVersion, version.id)
    originals = db.session.scalar(select(func.count(DocumentOriginal.id)))
    if version.status == VersionStatus.AGREED:
        assert originals > 0 and version.content_hash == plans.content_hash(version)
    else:
        assert version.status == VersionStatus.DRAFT and originals == 0


@pytest.mark.parametrize("lock_field, status", [(None, 409), ("", 409), ("abc", 400), ("1e9", 400),
                                                ("99999999999999999999", 400), ("-1", 400)])
def test_r_sign_4_a_missing_lock_is_a_conflict_and_a_malformed_one_a_400(client, two_advisers, lock_field, status):
    customer, version, adviser, _ = two_advisers
    data = {"needs_assessment": "Without a lock"}
    if lock_field is not None:
        data["lock_version"] = lock_field
    response = adviser.post(f"{base(customer, version)}/sections/needs", data=data)
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(PlanVersion, version.id).needs_assessment is None
    if status == 409:
        assert "Without a lock" in response.get_data(as_text=True)


# --- R-HRS-4, R-HRS-5: the limits hold when two entries meet --------------------------------------------

@pytest.fixture
def full_day(app, client, world):
    """A started customer with 23 hours already recorded yesterday (or today, on a Monday)."""
    customer = world.customers["ses_started"]
    customer.referrals[0].started_on = TODAY - timedelta(days=60)
    db.session.commit()
    sign_in_as(client, world.users["ses_adviser"])
    day = max(THIS_WEEK, TODAY - timedelta(days=1))
    for hours in ("12", "11"):
        assert client.post(week_url(customer), data=entry(day, hours)).status_code == 302
    other = app.test_client()
    sign_in_as(other, world.users["ses_manager"])
    return customer, day, client, other


def test_r_hrs_4_two_entries_racing_the_day_limit_only_one_is_saved(app, monkeypatch, full_day):
    customer, day, first, second = full_day
    gate(monkeypatch, hours_service, ["record_entry"])
    answers = at_once(app, [(first, week_url(customer), entry(day, "1")),
                            (second, week_url(customer), entry(day, "1"))])
    assert sorted(status for status, _ in answers) == [200, 302]
    refused = next(page for status, page in answers if status == 200)
    assert "24 hours" in refused
    total = db.session.scalar(select(func.sum(HoursEntry.quarters)).where(HoursEntry.on == day,
                                                                         HoursEntry.removed_at.is_(None)))
    assert total == 24 * 4


def test_r_hrs_5_two_entries_racing_past_16_hours_for_esa_both_cannot_pass_unasked(app, monkeypatch, full_day, world):
    """The ESA confirmation (R-HRS-5) is checked under the same lock as the limits."""
    from portal.models import DwpRecord

    customer, _day, first, second = full_day
    db.session.get(DwpRecord, customer.id).benefit_type = "ESA_IR"
    db.session.commit()
    monday = THIS_WEEK - timedelta(days=14)
    assert first.post(week_url(customer, monday), data=entry(monday, "15")).status_code == 302
    gate(monkeypatch, hours_service, ["record_entry"])
    answers = at_once(app, [(first, week_url(customer, monday), entry(monday + timedelta(days=1), "0.75")),
                            (second, week_url(customer, monday), entry(monday + timedelta(days=2), "0.75"))])
    total = db.session.scalar(select(func.sum(HoursEntry.quarters)).where(HoursEntry.week_start == monday,
                                                                         HoursEntry.removed_at.is_(None)))
    assert total <= 16 * 4, answers  # the second was asked to confirm, not saved past 16 hours
    assert sorted(status for status, _ in answers) == [200, 302]


def test_the_same_add_activity_form_posted_twice_makes_one_entry(client, coach_form):
    customer, data = coach_form
    first = client.post(week_url(customer), data=data)
    second = client.post(week_url(customer), data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(live_entries(customer)) == 1
    assert db.session.scalar(select(func.count(FormSubmission.id))) == 1


def test_the_same_add_activity_form_posted_twice_at_once_makes_one_entry(app, client, monkeypatch, coach_form):
    customer, data = coach_form
    from portal.services import submissions

    gate(monkeypatch, submissions, ["begin"])
    answers = at_once(app, [(client, week_url(customer), data), (client, week_url(customer), data)])
    assert [status for status, _ in answers] == [302, 302]
    assert len(live_entries(customer)) == 1


def test_a_corrected_form_can_be_sent_again_with_the_same_token(client, coach_form):
    """A refused post saved nothing, its token included."""
    customer, data = coach_form
    page = client.post(week_url(customer), data={**data, "hours": "0.3"}).get_data(as_text=True)
    assert "quarter hours" in page and data["once"] in page
    assert client.post(week_url(customer), data=data).status_code == 302
    assert len(live_entries(customer)) == 1


def test_copying_last_week_twice_copies_it_once(client, coach_form):
    customer, _ = coach_form
    last = THIS_WEEK - timedelta(days=7)
    client.post(week_url(customer, last), data=entry(last, "2"))
    copy = f"{week_url(customer)}/copy-previous"
    for _ in range(2):
        client.post(copy)
    assert len([e for e in live_entries(customer) if e.week_start == THIS_WEEK]) == 1


@pytest.fixture
def coach_form(client, world):
    customer = world.customers["ses_started"]
    customer.referrals[0].started_on = TODAY - timedelta(days=60)
    db.session.commit()
    sign_in_as(client, world.users["ses_adviser"])
    page = client.get(week_url(customer)).get_data(as_text=True)
    token = re.search(r'name="once" type="hidden" value="([A-Za-z0-9_-]+)"', page) or \
        re.search(r'name="once"[^>]*value="([A-Za-z0-9_-]+)"', page)
    assert token, "the add form carries a one-time token"
    return customer, {**entry(TODAY, "1"), "once": token.group(1)}


# --- Fail fast ---------------------------------------------------------------------------------------------

def test_a_table_locked_longer_than_the_lock_timeout_answers_503_quickly_and_writes_nothing(app, client, two_advisers):
    postgres_only(app)
    customer, version, adviser, _ = two_advisers
    seen, url = lock(version), f"{base(customer, version)}/sections/needs"
    version_id = version.id
    db.session.commit()
    with db.engine.connect() as holder:
        holder.execute(text("SET lock_timeout = 0"))
        holder.execute(text("LOCK TABLE plan_version IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        response = adviser.post(url, data={"needs_assessment": "Written while locked", "lock_version": seen})
        elapsed = time.monotonic() - started
        holder.rollback()
    assert response.status_code == 503 and "Retry-After" in response.headers
    assert elapsed < 4, elapsed
    db.session.expire_all()
    assert db.session.get(PlanVersion, version_id).needs_assessment is None


def test_healthz_answers_503_within_the_limit_when_the_database_does_not_answer(app, client, monkeypatch):
    from portal.views import health

    def frozen(_app):
        time.sleep(6)

    monkeypatch.setattr(health, "_probe", frozen)
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503 and time.monotonic() - started < 3


def test_postgres_connections_carry_the_timeouts(app):
    postgres_only(app)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "1500ms"
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "5s"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_sqlite_a_reader_is_not_refused_while_another_request_writes(app, client, world):
    """The embedded default: a page read while a long write is open waits or reads, never 503."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    db.session.commit()
    with app.app_context():
        writer = db.engine.raw_connection()
        try:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("UPDATE customer SET id = id")
            done = threading.Timer(1.0, writer.commit)
            done.start()
            response = client.get(f"/customers/{customer.id}")
            assert response.status_code == 200
            response = client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
            assert response.status_code == 302
            done.join()
        finally:
            writer.close()


# --- Double submit on the other creating forms (security.md test 18) ---------------------------------------

def test_a_referral_posted_twice_with_one_token_is_one_referral(client, world):
    from portal.models import Referral
    from tests.test_referrals import referral_form

    sign_in_as(client, world.users["officer"])
    page = client.get("/referrals/new").get_data(as_text=True)
    token = re.search(r'name="once"[^>]*value="([A-Za-z0-9_-]+)"', page).group(1)
    before = db.session.scalar(select(func.count(Referral.id)))
    data = {**referral_form(world.orgs["ses"]), "once": token}
    first, second = client.post("/referrals/new", data=data), client.post("/referrals/new", data=data)
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(select(func.count(Referral.id))) == before + 1


def test_a_consent_posted_twice_with_one_token_is_one_consent(client, world):
    from portal.models import Consent

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    url = f"/customers/{customer.id}/consents/new"
    token = re.search(r'name="once"[^>]*value="([A-Za-z0-9_-]+)"', client.get(url).get_data(as_text=True)).group(1)
    data = {"kind": "health", "health_items": ["health_summary"], "once": token,
            "given_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]}
    answers = [client.post(url, data=data) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 302], answers[0].get_data(as_text=True)[:3000]
    assert db.session.scalar(select(func.count(Consent.id))) == 1
