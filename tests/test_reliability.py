"""Reliability: database trouble gives a plain 503, a failed write leaves nothing half-written, the
audit trail is append-only and tamper-evident, the migrations build exactly the models, demo data
is idempotent."""
import re
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import audit, create_app
from portal.extensions import db
from portal.services.api_clients import TOKEN_PREFIX
from portal.models import (
    AuditEvent, DocumentOriginal, Organisation, PlanVersion, Referral, ReferralStatus, User, VersionSeal,
)
from tests.conftest import IsolatedClient, test_config
from tests.factories import sign_in_as

TRACEBACK_MARKERS = (b"Traceback", b"sqlalchemy", b"OperationalError", b"psycopg", b"sqlite3")
# Served from disk, never from the database: they keep answering while it is down (a validator can still
# fetch the seal's root certificate and CRL, issue 17).
FILES_WITHOUT_DATABASE = {"static", "verify.root_certificate", "verify.revocation_list"}


def _unreachable_database_url(database_url):
    if database_url.startswith("postgresql"):
        return "postgresql+psycopg://postgres@127.0.0.1:1/isp_portal_down?connect_timeout=2"
    return "sqlite:////nonexistent-directory/portal.sqlite3"


def _concrete_paths(app):
    """Every route with made-up ids: with the database down none of them may get as far as a lookup."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FILES_WITHOUT_DATABASE:
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
        path = re.sub(r"<[^>]+>", "x", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.append((method, path))
    return sorted(set(paths))


def test_healthz_answers_200_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_every_route_answers_a_plain_503_with_the_database_down(app, client, world, database_url):
    session_token = sign_in_as(client, world.users["ses_manager"])
    down = create_app(test_config(_unreachable_database_url(database_url)))
    down.test_client_class = IsolatedClient
    with down.app_context():
        down_client = down.test_client()
        with down_client.session_transaction() as session:
            session["_user_id"] = session_token
        failures = []
        for method, path in _concrete_paths(down):
            headers = {"Authorization": f"Bearer {TOKEN_PREFIX}well-formed-but-unknown"} if path.startswith("/api/") else {}
            response = down_client.open(path, method=method, headers=headers)
            body = response.get_data()
            if path.startswith("/sign-in/") and response.status_code == 302:
                # The second sign-in steps need a first step in this browser session: back to sign-in,
                # no database needed.
                assert response.headers["Location"].endswith("/sign-in")
                continue
            if response.status_code != 503 or any(marker in body for marker in TRACEBACK_MARKERS):
                failures.append((method, path, response.status_code))
            elif path.startswith("/api/") or path == "/healthz":
                assert response.is_json and response.headers["Retry-After"]
            else:
                assert b"Sorry, the service is unavailable" in body, (method, path)
        assert failures == [], "\n".join(map(str, failures))
        assert down_client.get("/healthz").status_code == 503


def test_a_write_that_fails_half_way_leaves_nothing_half_written(app, client, world):
    """The status change and its audit event share a transaction: if the audit insert fails, the
    referral is unchanged and the user gets an error page, not a traceback."""
    customer = world.customers["ses_referred"]
    referral = customer.referrals[0]
    sign_in_as(client, world.users["ses_adviser"])
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    today = date.today()
    _make_audit_inserts_fail_for("referral.started")
    try:
        response = client.post(f"/customers/{customer.id}/referrals/{referral.id}/start",
                               data={"effective_on": [str(today.day), str(today.month), str(today.year)]})
    finally:
        _allow_audit_inserts()
    assert response.status_code >= 500
    assert not any(marker in response.data for marker in TRACEBACK_MARKERS)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == ReferralStatus.REFERRED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def _make_audit_inserts_fail_for(action):
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.action = '{action}' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"))
        db.session.execute(text("CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event "
                                "FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"))
    else:
        db.session.execute(text(f"CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event "
                                f"WHEN NEW.action = '{action}' BEGIN SELECT RAISE(ABORT, 'refused by test'); END"))
    db.session.commit()


def _allow_audit_inserts():
    db.session.rollback()
    db.session.execute(text("DROP TRIGGER test_refuse_audit" + (" ON audit_event" if db.engine.dialect.name == "postgresql" else "")))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP FUNCTION test_refuse_audit()"))
    db.session.commit()


def test_the_audit_trail_is_append_only(app_context, world):
    audit.record_and_commit("test.event", detail={"n": 1})
    event_id = db.session.scalar(select(func.max(AuditEvent.id)))
    for statement in ("UPDATE audit_event SET action = 'edited' WHERE id = :id", "DELETE FROM audit_event WHERE id = :id"):
        with pytest.raises(DBAPIError):
            db.session.execute(text(statement), {"id": event_id})
            db.session.flush()
        db.session.rollback()
    assert db.session.get(AuditEvent, event_id).action == "test.event"


def test_verify_chain_finds_an_edited_event(app, app_context, world):
    for n in range(3):
        audit.record_and_commit("test.event", detail={"n": n})
    audit.chain_pending()
    assert audit.verify_chain() is None
    runner = app.test_cli_runner()
    assert "Audit trail intact" in runner.invoke(args=["verify-audit"]).output

    first, second = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(2)).all()[::-1]
    _bypass_append_only_guard(f"UPDATE audit_event SET detail = '{{\"n\": 99}}' WHERE id = {first}")
    db.session.expire_all()
    assert audit.verify_chain() == first
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code != 0 and f"broken at event {first}" in result.output


def _bypass_append_only_guard(statement):
    """Play the part of someone editing the database directly, around the append-only triggers."""
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(statement))
        else:
            triggers = connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            connection.execute(text(statement))
            for _name, sql in triggers:
                connection.execute(text(sql))


def test_the_migrations_build_exactly_the_models(app_context):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_demo_data_is_idempotent_and_matches_the_readme(app, app_context):
    runner = app.test_cli_runner()
    args = ["demo-data", "--password", "a demo password for tests", "--totp-secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"]
    assert runner.invoke(args=args).exit_code == 0
    counts = (db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(Organisation)),
              db.session.scalar(select(func.count()).select_from(Referral)))
    assert runner.invoke(args=args).exit_code == 0
    db.session.expire_all()
    assert (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Organisation)),
            db.session.scalar(select(func.count()).select_from(Referral))) == counts
    assert counts[2] >= 35
    assert {s for s in db.session.scalars(select(Referral.status))} == set(ReferralStatus)
    # Two agreed plans whose sealed originals check out on the public page, and two drafts (README).
    assert sorted(s.value for s in db.session.scalars(select(PlanVersion.status))) == ["agreed", "agreed", "draft", "draft"]
    for seal in db.session.scalars(select(VersionSeal)):
        page = app.test_client().get(f"/verify/{seal.code}").get_data(as_text=True)
        assert "This is the current version" in page
        assert {(o.document_format, o.language) for o in seal.originals} >= {("standard", "en")}
    assert {(o.document_format, o.language) for o in db.session.scalars(select(DocumentOriginal))} == {
        ("standard", "en"), ("large_print", "en"), ("easy_read", "cy")}

    with open("README.md", encoding="utf-8") as readme:
        readme_emails = set(re.findall(r"[\w.+-]+@[\w-]+\.example\b", readme.read()))
    demo_emails = set(db.session.scalars(select(User.email)))
    assert readme_emails and readme_emails <= demo_emails
