"""Migration 0018 (issue 15) carries existing data across: achieved and passed dates become progress
rows, the strand radio button becomes a strand start, a typed DEA approval a legacy approval (R-ISP-11,
R-WC-1). Run on a fresh SQLite file, and on PostgreSQL when MIGRATION_TEST_DATABASE_URL names a spare database."""
import os
from datetime import date

import flask_migrate
import pytest
from sqlalchemy import text

from portal import create_app
from portal.extensions import db
from tests.conftest import test_config


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    else:  # a database of its own: the session's test database stays at head
        url = os.environ.get("MIGRATION_TEST_DATABASE_URL")
        if not url:
            pytest.skip("set MIGRATION_TEST_DATABASE_URL to an empty PostgreSQL database")
    app = create_app(test_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade(revision="0014")
        yield app
        db.session.remove()
        db.engine.dispose()


def run(sql, **params):
    return db.session.execute(text(sql), params)


def test_0018_carries_progress_and_strands_across_and_back(old_database):
    run("INSERT INTO organisation (id, name, kind, security_accredited) VALUES (50, 'WC', 'private_provider', true)")
    run("INSERT INTO customer (id, reference) VALUES (7, 'C7')")
    wc = run("SELECT id FROM programme WHERE code = 'WORK_CHOICE'").scalar()
    run("INSERT INTO referral (id, customer_id, organisation_id, programme_id, status, eso_place, started_on) "
        "VALUES (3, 7, 50, :p, 'started', false, :s)", p=wc, s=date(2025, 1, 6))
    run("INSERT INTO plan (id, customer_id, programme_id) VALUES (9, 7, :p)", p=wc)
    for number, status in ((1, "superseded"), (2, "agreed"), (3, "awaiting_signatures")):
        run("INSERT INTO plan_version (id, plan_id, number, organisation_id, referral_id, status, lock_version, in_work, strand, "
            "dea_approval_name, dea_approval_on, content_hash) VALUES (:id, 9, :n, 50, 3, :st, 1, false, :strand, :dea, :on, :h)",
            id=number, n=number, st=status, strand="transitional" if number < 3 else "longer_term",
            dea="Dee Adviser" if number == 3 else None, on=date(2026, 1, 5) if number == 3 else None, h="a" * 64)
        run("INSERT INTO plan_objective (version_id, key, position, what, achieved_on) VALUES (:v, 'obj1', 0, 'Apply', :a)",
            v=number, a=date(2025, 3, number))
        run("INSERT INTO plan_milestone (version_id, key, position, description, achieved_on) "
            "VALUES (:v, 'm1', 0, 'CV done', NULL)", v=number)
    db.session.commit()
    flask_migrate.upgrade(revision="0018")
    rows = run("SELECT plan_id, version_id, item_kind, item_key, done_on FROM plan_progress").all()
    assert [tuple(r[:4]) for r in rows] == [(9, 3, "objective", "obj1")] and str(rows[0][4]) == "2025-03-03"
    strand = run("SELECT strand, started_on, approval_id FROM wc_strand_start WHERE plan_id = 9").one()
    assert strand[0] == "longer_term" and str(strand[1]) == "2025-01-06" and strand[2] is not None
    assert run("SELECT legacy_name FROM wc_strand_approval").scalar() == "Dee Adviser"
    # Hashed with the achieved dates: the awaiting version is a draft again; agreed ones are untouched.
    assert [tuple(r) for r in run("SELECT number, status FROM plan_version ORDER BY number").all()] == [
        (1, "superseded"), (2, "agreed"), (3, "draft")]
    assert run("SELECT eso_places, quality_check_weeks FROM programme WHERE id = :p", p=wc).one() == ("optional", 13)
    db.session.commit()
    flask_migrate.downgrade(revision="0014")
    assert str(run("SELECT achieved_on FROM plan_objective WHERE version_id = 3").scalar()) == "2025-03-03"
    assert run("SELECT strand FROM plan_version WHERE id = 3").scalar() == "longer_term"
