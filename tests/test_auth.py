"""Sign-in, TOTP, throttling, enrolment, password reset, password policy, `next`, invitations and the
sign-in audit trail (issue 2), each through the real HTTP flow a person would follow."""
import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Invitation, OutboxMessage, Role, User, UserSession
from tests import mailbox
from portal.models.base import utcnow
from tests.conftest import IsolatedClient, test_config
from tests.factories import PASSWORD, TOTP_SECRET, current_code, make_user, sign_in_as, sign_in_fully

SIGN_IN_FAILED = "Enter a correct email address and password"


@pytest.fixture
def adviser(world):
    return world.users["ses_adviser"]


def page_text(response):
    return response.get_data(as_text=True)


def comparable(response, *emails):
    """The page as the user sees it, minus what differs per request (nonce) and the email they typed."""
    text = re.sub(r'nonce="[^"]*"|nonce-[A-Za-z0-9_-]+', "", page_text(response))
    for email in emails:
        text = text.replace(email, "EMAIL")
    return text


def fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


def signed_in(client):
    """True if this browser can open its caseload (the page every provider user starts on)."""
    return client.get("/caseload/").status_code == 200


def outbox_link(path_prefix, recipient=None):
    """The link in the newest message sent, as the recipient would click it (tests/mailbox.py)."""
    return mailbox.link(path_prefix, recipient)


def signed_out(client):
    with client.session_transaction() as session:
        session.clear()


def actions_for(user_id=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if user_id is not None:
        query = query.where(AuditEvent.actor_id == user_id)
    return db.session.scalars(query).all()


# 1. Full sign-in, and one answer for unknown emails -------------------------------------------


def test_password_then_totp_code_lands_on_the_work_queue(client, adviser):
    step_one = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert step_one.status_code == 302 and step_one.headers["Location"] == "/sign-in/code"
    assert not signed_in(client)  # a password alone is not enough
    assert "Enter your security code" in page_text(client.get("/sign-in/code"))
    step_two = client.post("/sign-in/code", data={"code": current_code()})
    assert step_two.status_code == 302 and step_two.headers["Location"] == "/"
    home = client.get("/")
    # R-REM-1: the adviser's home is their work queue.
    assert home.status_code == 302 and home.headers["Location"] == "/queue"
    queue = client.get("/queue")
    assert queue.status_code == 200 and adviser.name in page_text(queue)


def test_email_is_matched_whatever_its_case_and_surrounding_spaces(client, adviser):
    response = client.post("/sign-in", data={"email": "  " + adviser.email.upper() + " ", "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"


def test_a_wrong_code_is_refused_with_a_govuk_error(client, adviser):
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    wrong = f"{(int(current_code()) + 1) % 1_000_000:06d}"
    response = client.post("/sign-in/code", data={"code": wrong})
    assert response.status_code == 200
    assert "govuk-error-summary" in page_text(response) and "<title>Error: " in page_text(response)
    assert not signed_in(client)


def test_the_code_step_cannot_be_reached_without_the_password_step(client, adviser):
    response = client.post("/sign-in/code", data={"code": current_code()})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_wrong_password_and_unknown_email_get_the_same_answer(client, adviser):
    wrong_password = client.post("/sign-in", data={"email": adviser.email, "password": "not the password at all"})
    unknown = client.post("/sign-in", data={"email": "nobody@nowhere.example", "password": "not the password at all"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert comparable(wrong_password, adviser.email) == comparable(unknown, "nobody@nowhere.example")
    assert SIGN_IN_FAILED in page_text(wrong_password)
    assert "<title>Error: " in page_text(wrong_password)
    # Neither response leaves anything in the browser that the other does not.
    assert ("Set-Cookie" in wrong_password.headers) == ("Set-Cookie" in unknown.headers)


def test_a_disabled_account_gets_the_same_answer_as_an_unknown_email(client, adviser):
    adviser.is_enabled = False
    db.session.commit()
    disabled = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    unknown = client.post("/sign-in", data={"email": "nobody@nowhere.example", "password": PASSWORD})
    assert disabled.status_code == unknown.status_code == 200
    assert comparable(disabled, adviser.email) == comparable(unknown, "nobody@nowhere.example")


def test_forgot_password_answers_the_same_for_known_and_unknown_emails(client, adviser):
    known = client.post("/forgot-password", data={"email": adviser.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code
    assert comparable(known, adviser.email) == comparable(unknown, "nobody@nowhere.example")
    recipients = [m.recipient for m in mailbox.SENT]
    assert recipients == [adviser.email]  # only the real account is sent a link
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


# 2. TOTP replay --------------------------------------------------------------------------------


def test_a_code_accepted_once_cannot_be_used_again(client, app, adviser):
    code = current_code()
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    assert signed_in(client)

    onlooker = app.test_client()  # someone who saw the code over the user's shoulder, same time step
    onlooker.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    replay = onlooker.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 200 and "already been used" in page_text(replay)
    assert not signed_in(onlooker)
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == adviser.id)
                             .order_by(UserSession.id.desc())) is not None
    assert len(db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id)).all()) == 1


def test_an_older_code_is_refused_after_a_newer_one_was_used(client, app, adviser):
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert client.post("/sign-in/code", data={"code": current_code(offset_steps=1)}).status_code == 302
    other = app.test_client()
    other.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    refused = other.post("/sign-in/code", data={"code": current_code()})  # still valid on the clock
    assert refused.status_code == 200 and not signed_in(other)


# 3. Throttling ---------------------------------------------------------------------------------


def test_ten_failures_in_a_row_throttle_the_account_even_for_the_right_password(client, adviser):
    for attempt in range(10):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    user = fresh(User, adviser.id)
    assert user.failed_sign_in_count == 10 and user.throttled_until > utcnow()
    right = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    wrong = client.post("/sign-in", data={"email": adviser.email, "password": "one more wrong guess"})
    assert right.status_code == 200  # no step to the code page
    assert comparable(right) == comparable(wrong)  # and no hint that this password was right
    assert client.post("/sign-in/code", data={"code": current_code()}).headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_nine_failures_do_not_throttle_and_a_success_resets_the_count(client, adviser):
    for attempt in range(9):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    assert fresh(User, adviser.id).throttled_until is None
    assert sign_in_fully(client, adviser.email).status_code == 302
    assert signed_in(client)
    user = fresh(User, adviser.id)
    assert user.failed_sign_in_count == 0 and user.throttled_until is None


def test_the_throttle_count_lives_in_the_database_so_it_holds_across_processes(client, database_url, adviser):
    second_process = create_app(test_config(database_url))  # another gunicorn worker, say
    second_process.test_client_class = IsolatedClient
    other_client = second_process.test_client()
    for attempt in range(5):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    for attempt in range(5, 10):
        other_client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    assert fresh(User, adviser.id).failed_sign_in_count == 10
    # Neither process lets the right password through now.
    for process_client in (client, other_client):
        refused = process_client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
        assert refused.status_code == 200 and SIGN_IN_FAILED in page_text(refused)
    assert not signed_in(client) and other_client.get("/caseload/").status_code == 302


def test_wrong_codes_count_towards_the_throttle(client, adviser):
    wrong = f"{(int(current_code()) + 500_000) % 1_000_000:06d}"
    for attempt in range(5):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    for _ in range(5):
        client.post("/sign-in/code", data={"code": wrong})
    assert fresh(User, adviser.id).throttled_until is not None
    assert client.post("/sign-in/code", data={"code": current_code()}).status_code == 200
    assert not signed_in(client)


def test_the_throttle_lifts_after_its_time(client, adviser):
    adviser.failed_sign_in_count = 10
    adviser.throttled_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in_fully(client, adviser.email).status_code == 302
    assert signed_in(client)


# 4. Enrolment on first sign-in -------------------------------------------------------------------


def test_first_sign_in_shows_a_qr_code_and_the_secret_and_a_valid_code_enrols(client, world):
    user = make_user("new.starter@ses.example", Role.ADVISER, world.orgs["ses"], enrolled=False)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/set-up-authenticator"
    assert client.get("/sign-in/code").status_code == 302  # enrolment cannot be skipped
    page = page_text(client.get("/sign-in/set-up-authenticator"))
    assert re.search(r'<img[^>]+src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page) or "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(secret) >= 16
    # The secret is kept encrypted, never as text.
    stored = fresh(User, user.id).totp_secret_encrypted
    assert stored and secret not in stored
    # Reloading the page does not change the secret the person is typing in.
    again = page_text(client.get("/sign-in/set-up-authenticator"))
    assert re.search(r'id="totp-secret">([A-Z2-7 ]+)<', again).group(1).replace(" ", "") == secret

    wrong = client.post("/sign-in/set-up-authenticator", data={"code": current_code(TOTP_SECRET)})
    assert wrong.status_code == 200 and "govuk-error-summary" in page_text(wrong)
    assert fresh(User, user.id).totp_confirmed_at is None

    done = client.post("/sign-in/set-up-authenticator", data={"code": current_code(secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert signed_in(client)
    assert fresh(User, user.id).totp_confirmed_at is not None
    assert "account.totp_enrolled" in [e.action for e in actions_for(user.id)]

    # Next time, the code is asked for, not a new enrolment.
    other = client.application.test_client()
    response = other.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"


def test_an_enrolled_user_cannot_be_shown_a_new_secret(client, adviser):
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    response = client.get("/sign-in/set-up-authenticator")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"


def test_the_setup_page_needs_the_password_first(client, world):
    make_user("new.starter@ses.example", Role.ADVISER, world.orgs["ses"], enrolled=False)
    response = client.get("/sign-in/set-up-authenticator")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"


# 5. Password reset ---------------------------------------------------------------------------------


def test_a_reset_link_sets_a_new_password_but_never_skips_the_code_and_works_once(client, app, adviser):
    assert client.post("/forgot-password", data={"email": adviser.email}).status_code == 200
    link = outbox_link("/reset-password", adviser.email)
    form = client.get(link)
    assert form.status_code == 200 and 'name="password"' in page_text(form)
    new = "a completely fresh passphrase"
    response = client.post(link, data={"password": new})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not signed_in(client)  # the reset does not sign anyone in

    old = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert old.status_code == 200 and SIGN_IN_FAILED in page_text(old)
    step = client.post("/sign-in", data={"email": adviser.email, "password": new})
    assert step.headers["Location"] == "/sign-in/code"  # the TOTP step still follows
    assert not signed_in(client)
    assert client.post("/sign-in/code", data={"code": current_code()}).status_code == 302
    assert signed_in(client)

    again = app.test_client()
    assert again.get(link).status_code == 404
    assert again.post(link, data={"password": "another new passphrase here"}).status_code == 404
    step = again.post("/sign-in", data={"email": adviser.email, "password": "another new passphrase here"})
    assert step.status_code == 200  # the second use changed nothing


def test_an_expired_reset_link_is_refused(client, adviser):
    from portal.models import PasswordReset

    client.post("/forgot-password", data={"email": adviser.email})
    link = outbox_link("/reset-password", adviser.email)
    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(link, data={"password": "a completely fresh passphrase"}).status_code == 404


def test_the_reset_email_holds_a_link_but_the_database_holds_only_its_hash(client, adviser):
    from portal.models import PasswordReset

    client.post("/forgot-password", data={"email": adviser.email})
    token = outbox_link("/reset-password").rsplit("/", 1)[1]
    assert token not in db.session.scalar(select(PasswordReset)).token_hash


# 6. Password policy ---------------------------------------------------------------------------------


def invite_link(client, manager, email="nia.owen@ses.example", name="Nia Owen", role="adviser"):
    """A manager invites someone; the link from the outbox, opened in a signed-out browser."""
    sign_in_as(client, manager)
    response = client.post("/staff/invite", data={"name": name, "email": email, "role": role})
    assert response.status_code == 302, page_text(response)
    signed_out(client)
    return outbox_link("/invitation", email)


@pytest.mark.parametrize("password, message", [
    ("mauve kettl", "Password must be 12 characters or more"),  # 11 characters
    ("password1234", "Password is too easy to guess"),
    ("Password1234!", "Password is too easy to guess"),
    ("ISP provider portal", "Password is too easy to guess"),  # the portal's own name
    ("Individual Support Plan 2025", "Password is too easy to guess"),
    ("jobcentre plus!!", "Password is too easy to guess"),
    ("Nia.Owen 2025!", "Password is too easy to guess"),  # the person's own email name
    ("aaaaaaaaaaaaaaaa", "Password is too easy to guess"),
])
def test_a_short_or_deny_listed_password_is_refused_with_a_govuk_error(client, world, password, message):
    link = invite_link(client, world.users["ses_manager"])
    response = client.post(link, data={"password": password})
    page = page_text(response)
    assert response.status_code == 200
    assert "<title>Error: " in page
    summary = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', page, re.S).group(0)
    assert message in summary and 'href="#password"' in summary
    assert re.search(r'class="govuk-error-message"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span>\s*'
                     + re.escape(message), page)
    assert db.session.scalar(select(User).where(User.email == "nia.owen@ses.example")) is None


@pytest.mark.parametrize("password", ["mauve kettle", "lowercase words only here is fine"])
def test_no_composition_rules_twelve_characters_of_plain_words_is_enough(client, world, password):
    link = invite_link(client, world.users["ses_manager"])
    response = client.post(link, data={"password": password})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    user = db.session.scalar(select(User).where(User.email == "nia.owen@ses.example"))
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_the_same_policy_applies_to_a_password_change_and_a_reset(client, adviser):
    sign_in_as(client, adviser)
    change = client.post("/account", data={"current_password": PASSWORD, "new_password": "ISP portal 123"})
    assert change.status_code == 200 and "Password is too easy to guess" in page_text(change)
    assert "<title>Error: " in page_text(change)
    signed_out(client)
    client.post("/forgot-password", data={"email": adviser.email})
    reset = client.post(outbox_link("/reset-password"), data={"password": "short one"})
    assert reset.status_code == 200 and "Password must be 12 characters or more" in page_text(reset)
    # Neither changed the password.
    assert client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD}).status_code == 302


# 7. `next` only to this site --------------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "//evil.example/caseload/", "/\\evil.example",
    "https:/evil.example", "javascript:alert(1)", "http://localhost.evil.example/",
])
def test_next_to_another_site_is_ignored(client, adviser, target):
    client.post(f"/sign-in?next={quote(target, safe='')}", data={"email": adviser.email, "password": PASSWORD})
    response = client.post("/sign-in/code", data={"code": current_code()})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_local_next_is_honoured_after_both_steps(client, world, adviser):
    customer = world.customers["ses_started"]
    asked = client.get(f"/customers/{customer.id}")
    assert asked.status_code == 302
    sign_in_page = asked.headers["Location"]
    assert sign_in_page.startswith("/sign-in?next=")
    step_one = client.post(sign_in_page, data={"email": adviser.email, "password": PASSWORD})
    assert step_one.headers["Location"] == "/sign-in/code"
    response = client.post("/sign-in/code", data={"code": current_code()})
    assert response.headers["Location"] == f"/customers/{customer.id}"
    assert client.get(response.headers["Location"]).status_code == 200


# 8. Invitations and disabling staff ---------------------------------------------------------------------


def test_a_manager_invites_staff_by_a_single_use_link_whose_delivery_the_admin_sees_but_not_its_link(client, app, world):
    manager = world.users["ses_manager"]
    sign_in_as(client, manager)
    assert "Invite a member of staff" in page_text(client.get("/staff/"))
    response = client.post("/staff/invite", data={"name": "Nia Owen", "email": "Nia.Owen@SES.example ",
                                                  "role": "adviser"})
    assert response.status_code == 302
    listing = page_text(client.get("/staff/"))
    assert "nia.owen@ses.example" in listing and "Invitations not yet accepted" in listing
    message = mailbox.newest()
    assert message.recipient == "nia.owen@ses.example" and message.purpose == "invitation"
    assert "expires in 3 days" in message.body
    record = db.session.scalars(select(OutboxMessage)).one()
    assert record.purpose == "invitation" and record.recipient_kind == "staff"
    assert record.status == "not_sent"  # no mail server configured
    link = outbox_link("/invitation")
    token = link.rsplit("/", 1)[1]
    assert token not in db.session.scalar(select(Invitation)).token_hash

    admin = app.test_client()
    sign_in_as(admin, world.users["admin"])
    outbox = page_text(admin.get("/admin/outbox"))
    assert "Invitation" in outbox and "Not sent: no mail server configured" in outbox
    assert "nia.owen" not in outbox and token not in outbox  # issue 12, finding 1

    signed_out(client)
    assert client.get(link).status_code == 200
    accepted = client.post(link, data={"password": "tea before the morning rush"})
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/sign-in"
    user = db.session.scalar(select(User).where(User.email == "nia.owen@ses.example"))
    assert user.organisation_id == world.orgs["ses"].id and user.role == Role.ADVISER and user.name == "Nia Owen"
    assert user.totp_confirmed_at is None

    # Once only.
    again = app.test_client()
    assert again.get(link).status_code == 404
    assert again.post(link, data={"password": "someone else takes it over"}).status_code == 404
    assert db.session.scalars(select(User).where(User.email == "nia.owen@ses.example")).all() == [user]

    # The new account signs in through enrolment: a password alone never reaches the portal.
    step = client.post("/sign-in", data={"email": "nia.owen@ses.example", "password": "tea before the morning rush"})
    assert step.headers["Location"] == "/sign-in/set-up-authenticator"
    assert not signed_in(client)


def test_a_manager_can_invite_only_provider_roles_into_their_own_organisation(client, world):
    sign_in_as(client, world.users["ses_manager"])
    response = client.post("/staff/invite", data={"name": "Mal Icious", "email": "mal@ses.example", "role": "admin"})
    assert response.status_code == 200 and "govuk-error-summary" in page_text(response)
    assert db.session.scalar(select(Invitation)) is None
    assert world.users["ses_adviser"] is not None
    taken = client.post("/staff/invite", data={"name": "Someone", "email": world.users["ses_b_adviser"].email,
                                               "role": "adviser"})
    assert taken.status_code == 200 and db.session.scalar(select(Invitation)) is None


def test_an_expired_invitation_is_refused(client, world):
    link = invite_link(client, world.users["ses_manager"])
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 404 and "govuk-heading" in page_text(response)
    assert client.post(link, data={"password": "tea before the morning rush"}).status_code == 404
    assert db.session.scalar(select(User).where(User.email == "nia.owen@ses.example")) is None


def test_a_made_up_invitation_link_is_refused(client, world):
    assert client.get("/invitation/not-a-real-token").status_code == 404


def test_a_manager_disables_their_own_staff_member_and_that_session_stops_working(client, app, world, adviser):
    staff_member = app.test_client()
    sign_in_fully(staff_member, adviser.email)
    assert signed_in(staff_member)

    sign_in_as(client, world.users["ses_manager"])
    response = client.post(f"/staff/{adviser.id}/disable")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert "Disabled" in page_text(client.get("/staff/"))

    kicked_out = staff_member.get("/caseload/")
    assert kicked_out.status_code == 302 and kicked_out.headers["Location"].startswith("/sign-in")
    assert fresh(User, adviser.id).is_enabled is False
    # And they cannot sign in again.
    again = app.test_client().post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert again.status_code == 200 and SIGN_IN_FAILED in page_text(again)
    assert "account.disabled" in [e.action for e in actions_for(world.users["ses_manager"].id)]


def test_a_manager_cannot_disable_another_organisations_user(client, world):
    other = world.users["ses_b_adviser"]
    sign_in_as(client, world.users["ses_manager"])
    assert client.post(f"/staff/{other.id}/disable").status_code == 404
    assert client.post("/staff/999999/disable").status_code == 404  # the same answer as a missing one
    assert fresh(User, other.id).is_enabled is True
    # Not even their own sub-contractor's staff, nor a DWP account.
    assert client.post(f"/staff/{world.users['sub_adviser'].id}/disable").status_code == 404
    assert client.post(f"/staff/{world.users['admin'].id}/disable").status_code == 404


def test_an_adviser_cannot_manage_staff(client, world, adviser):
    sign_in_as(client, adviser)
    assert client.get("/staff/").status_code == 403
    assert client.post(f"/staff/{world.users['ses_manager'].id}/disable").status_code == 403
    assert fresh(User, world.users["ses_manager"].id).is_enabled is True


def test_a_manager_cannot_disable_themselves(client, world):
    manager = world.users["ses_manager"]
    sign_in_as(client, manager)
    client.post(f"/staff/{manager.id}/disable")
    assert fresh(User, manager.id).is_enabled is True


# 9. Audit events -------------------------------------------------------------------------------------------


def test_sign_in_success_and_failure_are_in_the_audit_trail(client, adviser):
    client.post("/sign-in", data={"email": adviser.email, "password": "not the password at all"})
    client.post("/sign-in", data={"email": "Nobody@Nowhere.example", "password": "not the password at all"})
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    client.post("/sign-in/code", data={"code": f"{(int(current_code()) + 500_000) % 1_000_000:06d}"})
    client.post("/sign-in/code", data={"code": current_code()})
    events = [e for e in actions_for() if e.action.startswith("sign_in.")]
    assert [e.action for e in events] == ["sign_in.failed", "sign_in.failed", "sign_in.failed", "sign_in.succeeded"]
    wrong_password, unknown, wrong_code, success = events
    assert wrong_password.actor_id == adviser.id and json.loads(wrong_password.detail)["step"] == "password"
    assert unknown.actor_id is None and json.loads(unknown.detail)["email"] == "nobody@nowhere.example"
    assert wrong_code.actor_id == adviser.id and json.loads(wrong_code.detail)["step"] == "code"
    assert success.actor_id == adviser.id and success.actor_email == adviser.email
    assert success.actor_role == "adviser" and success.actor_organisation_id == adviser.organisation_id
    assert success.ip_address == "127.0.0.1" and success.occurred_at is not None
    # The password typed is never written down.
    assert not any("not the password" in (e.detail or "") for e in events)


def test_sign_out_and_account_changes_are_audited(client, world, adviser):
    sign_in_fully(client, adviser.email)
    client.post("/sign-out")
    manager = client.application.test_client()
    sign_in_as(manager, world.users["ses_manager"])
    manager.post("/staff/invite", data={"name": "Nia Owen", "email": "nia.owen@ses.example", "role": "adviser"})
    manager.post(f"/staff/{adviser.id}/disable")
    actions = [e.action for e in actions_for()]
    for expected in ("sign_in.succeeded", "sign_out", "account.invited", "account.disabled"):
        assert expected in actions
    from portal import audit

    assert audit.verify_chain() is None
