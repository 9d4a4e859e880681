"""Test harness: one database per test session, built by the real migrations, emptied between tests.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (.ci/run does both).
"""
import atexit
import contextvars
import os
import shutil
import tempfile
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import text

from portal import create_app
from flask.testing import FlaskClient

from portal.documents.seal import init_keys
from portal.extensions import db
from tests import factories, mailbox

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef0123456789abcdef"
# Encrypts the test users' TOTP secrets (never the SECRET_KEY: issue 12, finding 4).
TEST_TOTP_ENCRYPTION_KEY = "test-totp-key-fedcba9876543210fedcba9876543210"
# The portal's seal keys for this test run (made once; never the instance folder's).
TEST_SIGNING_KEY_DIR = tempfile.mkdtemp(prefix="portal-test-keys-")
atexit.register(shutil.rmtree, TEST_SIGNING_KEY_DIR, ignore_errors=True)
TEST_ROOT_KEY_DIR = tempfile.mkdtemp(prefix="portal-test-root-")
atexit.register(shutil.rmtree, TEST_ROOT_KEY_DIR, ignore_errors=True)
init_keys(TEST_SIGNING_KEY_DIR, TEST_ROOT_KEY_DIR)
# The audit checkpoint file(s) of this test run; emptied with the database between tests.
TEST_CHECKPOINT_DIR = tempfile.mkdtemp(prefix="portal-test-checkpoints-")
atexit.register(shutil.rmtree, TEST_CHECKPOINT_DIR, ignore_errors=True)
# Tables whose rows the migrations seed and the tests rely on.
KEEP_TABLES = {"alembic_version", "programme", "policy_rule", "policy_version", "distance_domain", "minimum_wage_rate",
               "exit_reason"}
# The migrations' policy rows end at this id; rows a test adds are removed after it.
SEEDED_POLICY_RULES = None


def test_config(database_url, **overrides):
    return {
        "TESTING": True,
        # Development mode, asked for explicitly: without PORTAL_ENV the portal runs as production.
        "PORTAL_ENV": "development",
        "SECRET_KEY": TEST_SECRET_KEY,
        "TOTP_ENCRYPTION_KEY": TEST_TOTP_ENCRYPTION_KEY,
        # Mail reaches the tests through tests/mailbox.py, never files.
        "DEV_MAIL_DIR": None,
        "MAIL_SERVER": None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_PROFILE": "test",
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        "SIGNING_KEY_DIR": TEST_SIGNING_KEY_DIR,
        "ROOT_KEY_DIR": TEST_ROOT_KEY_DIR,
        "AUDIT_CHECKPOINT_DIR": TEST_CHECKPOINT_DIR,
        # Many tests open the public verification page from one address; its own test sets a low limit.
        "VERIFY_RATE_PER_MINUTE": 10_000,
        **overrides,
    }


test_config.__test__ = False  # a helper, not a test, though test modules import it


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"
    app = create_app(test_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        global SEEDED_POLICY_RULES
        SEEDED_POLICY_RULES = db.session.scalar(text("SELECT max(id) FROM policy_rule"))
        db.session.remove()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def app(database_url):
    return create_app(test_config(database_url))


@pytest.fixture(autouse=True)
def _empty_mailbox():
    mailbox.SENT.clear()


@pytest.fixture(autouse=True)
def _clean_database(request):
    uses_database = "app" in request.fixturenames or "database_url" in request.fixturenames
    app = request.getfixturevalue("app") if uses_database else None
    if app is not None:
        # Each test starts with this process's policy cache current (issue 18), as a running server's is:
        # a test that counts statements must not count the reload another test's policy rows caused.
        from portal import data_access

        with app.app_context():
            data_access._rules()
            db.session.remove()
    yield
    if app is None:
        return
    with app.app_context():
        db.session.remove()
        empty_database()


def empty_database():
    for path in Path(TEST_CHECKPOINT_DIR).glob("*"):
        path.unlink()
    tables = [t.name for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    engine = db.engine
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM policy_rule WHERE id > :seeded"), {"seeded": SEEDED_POLICY_RULES})
        if engine.dialect.name == "postgresql":
            # replica mode skips triggers, including the audit trail's append-only guard (tests only).
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            keep = ", ".join(t for t in tables if t != "organisation")
            connection.execute(text(f"TRUNCATE {keep} RESTART IDENTITY"))
            connection.execute(text("DELETE FROM organisation WHERE kind <> 'dwp'"))
        else:
            triggers = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for table in tables:
                if table == "organisation":
                    connection.execute(text("DELETE FROM organisation WHERE kind <> 'dwp'"))
                else:
                    connection.execute(text(f"DELETE FROM {table}"))
            for _name, sql in triggers:
                connection.execute(text(sql))


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, with its own `g` and database session, as in production.

    Without this, Flask reuses the test's app context for requests, so Flask-Login's cached user and
    the test's database session would leak from one request into the next. The test's own session is
    committed first, so the request sees the test's data and the test then reloads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app, app_context):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def world(app_context):
    """A small world: every kind of organisation, every role, customers in every state."""
    return factories.build_world()
