"""R-EXIT-1: completion and early exit take a coded reason from a list that is data, not code."""
import os
import uuid
from datetime import date

import flask_migrate
import pytest
from sqlalchemy import create_engine, select, text

from portal import create_app
from portal.extensions import db
from portal.models import ExitReason, Referral, ReferralStatus, ReferralTransition, Role
from tests.conftest import test_config
from tests.factories import make_customer, make_user, sign_in_as


def _end(client, customer, action, **data):
    referral = customer.referrals[0]
    on = date.today()
    return client.post(f"/customers/{customer.id}/referrals/{referral.id}/{action}",
                       data={"effective_on": [str(on.day), str(on.month), str(on.year)], **data})


@pytest.fixture
def new_reason(app_context):
    """A row added as a migration would add it; the table is kept between tests, so it is taken out after."""
    db.session.add(ExitReason(code="caring", label="Caring responsibilities", position=55, needs_text=False, active=True))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(text("UPDATE referral SET exit_reason_code = NULL WHERE exit_reason_code = 'caring'"))
    db.session.execute(text("DELETE FROM exit_reason WHERE code = 'caring'"))
    db.session.commit()


def test_r_exit_1_a_new_row_is_a_new_choice_on_the_form_and_is_recorded(client, world, new_reason):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    referral = customer.referrals[0]
    page = client.get(f"/customers/{customer.id}/referrals/{referral.id}/exit").get_data(as_text=True)
    assert "Caring responsibilities" in page and 'value="caring"' in page
    assert 'value="transferred"' not in page  # a transfer has its own page
    assert _end(client, customer, "exit", reason_code="caring").status_code == 302
    referral = db.session.get(Referral, referral.id)
    db.session.refresh(referral)
    assert (referral.status, referral.exit_reason_code, referral.exit_reason_text) == (
        ReferralStatus.EXITED_EARLY, "caring", None)


def test_r_exit_1_a_retired_row_is_no_longer_offered_nor_accepted(client, world, new_reason):
    db.session.get(ExitReason, "caring").active = False
    db.session.commit()
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    referral = customer.referrals[0]
    assert "Caring responsibilities" not in client.get(
        f"/customers/{customer.id}/referrals/{referral.id}/complete").get_data(as_text=True)
    page = _end(client, customer, "complete", reason_code="caring")
    assert page.status_code == 200 and "Select why the referral ended" in page.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({}, "Select why the referral ended"),
    ({"reason_code": "no_such_reason"}, "Select why the referral ended"),
    ({"reason_code": "'; DROP TABLE referral; --"}, "Select why the referral ended"),
    ({"reason_code": "other"}, "Say what the reason was"),
    ({"reason_code": "other", "reason": "   "}, "Say what the reason was"),
    ({"reason_code": "health", "reason": "x" * 501}, "500 characters or fewer"),
])
@pytest.mark.parametrize("action", ["complete", "exit"])
def test_r_exit_1_a_bad_or_missing_reason_is_a_govuk_error_and_changes_nothing(client, world, data, message, action):
    customer = world.customers["ses_started"]
    referral_id = customer.referrals[0].id
    transitions = db.session.scalar(select(db.func.count(ReferralTransition.id)))
    sign_in_as(client, world.users["ses_adviser"])
    response = _end(client, customer, action, **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "govuk-error-summary" in page and message in page
    db.session.expire_all()
    referral = db.session.get(Referral, referral_id)
    assert (referral.status, referral.ended_on, referral.exit_reason_code) == (ReferralStatus.STARTED, None, None)
    assert db.session.scalar(select(db.func.count(ReferralTransition.id))) == transitions


def test_r_exit_1_other_keeps_its_words_and_completion_takes_a_code(client, world):
    sign_in_as(client, world.users["ses_adviser"])
    leaver, completer = world.customers["ses_started"], make_customer(world.orgs["ses"], "SES")
    assert _end(client, leaver, "exit", reason_code="other", reason="Became a full-time carer").status_code == 302
    assert _end(client, completer, "complete", reason_code="job_start").status_code == 302
    db.session.expire_all()
    left, completed = (db.session.get(Referral, c.referrals[0].id) for c in (leaver, completer))
    assert (left.exit_reason_code, left.exit_reason_text) == ("other", "Became a full-time carer")
    assert (completed.status, completed.exit_reason_code) == (ReferralStatus.COMPLETED, "job_start")
    shown = client.get(f"/customers/{leaver.id}").get_data(as_text=True)
    assert "Another reason: Became a full-time carer" in shown


def test_r_exit_1_a_transfer_is_counted_under_transferred_with_its_words(client, world):
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_manager"])
    referral = customer.referrals[0]
    on = date.today()
    response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/transfer", data={
        "effective_on": [str(on.day), str(on.month), str(on.year)], "reason": "Nearer home",
        "organisation": str(world.orgs["ses_b"].id)})
    assert response.status_code == 302
    referral = db.session.get(Referral, referral.id)
    db.session.refresh(referral)
    assert (referral.status, referral.exit_reason_code, referral.exit_reason_text) == (
        ReferralStatus.TRANSFERRED, "transferred", "Nearer home")


def test_the_dwp_mi_role_can_be_stored(app_context):
    """The migration widened the role CHECK on both databases."""
    user = make_user("mi@dwp.example", Role.DWP_MI)
    assert db.session.get(type(user), user.id).role == Role.DWP_MI


def _migration_url():
    """A database of its own for the migration test: a new SQLite file, or a new PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:////tmp/portal-exit-migration-{uuid.uuid4().hex}.sqlite3", None
    name = f"isp_exit_migration_{uuid.uuid4().hex[:8]}"
    _admin(url, f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name, (url, name)


def _admin(url, statement):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def test_r_exit_1_the_migration_moves_old_free_text_to_other_and_keeps_it(database_url):
    url, cleanup = _migration_url()
    app = create_app(test_config(url))
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="0014")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO organisation (id, name, kind, security_accredited) VALUES (100, 'P', 'private_provider', true)"))
                connection.execute(text("INSERT INTO customer (id, reference) VALUES (1, 'C0000001')"))
                programme = connection.execute(text("SELECT id FROM programme WHERE code = 'SES'")).scalar()
                for rid, status, reason in [(1, "exited_early", "Moved to Cardiff"), (2, "completed", None),
                                            (3, "transferred", "Nearer home"), (4, "started", None),
                                            (5, "exited_early", "  ")]:
                    connection.execute(text(
                        "INSERT INTO referral (id, customer_id, organisation_id, programme_id, status, eso_place, "
                        "exit_reason) VALUES (:id, 1, 100, :programme, :status, false, :reason)"),
                        {"id": rid, "programme": programme, "status": status, "reason": reason})
            flask_migrate.upgrade(revision="0016")
            with db.engine.connect() as connection:
                rows = connection.execute(text(
                    "SELECT id, status, exit_reason_code, exit_reason_text FROM referral ORDER BY id")).all()
                codes = connection.execute(text("SELECT code FROM exit_reason ORDER BY position")).scalars().all()
            assert [tuple(r) for r in rows] == [
                (1, "exited_early", "other", "Moved to Cardiff"), (2, "completed", None, None),
                (3, "transferred", "transferred", "Nearer home"), (4, "started", None, None),
                (5, "exited_early", None, None)]
            assert {"job_start", "health", "moved_away", "disengaged", "transferred", "other"} <= set(codes)
            db.session.remove()
            db.engine.dispose()
    finally:
        if cleanup:
            _admin(cleanup[0], f"DROP DATABASE IF EXISTS {cleanup[1]}")
        elif url.startswith("sqlite:////tmp/"):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(url[len("sqlite:///"):] + suffix):
                    os.unlink(url[len("sqlite:///"):] + suffix)
