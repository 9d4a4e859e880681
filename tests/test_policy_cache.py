"""The data policy is kept per process and reloaded only when a policy row changes, in this process or
another (issue 18, R-DATA-1: a cached policy must never show what the rows no longer allow)."""
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event, select

from portal import data_access
from portal.extensions import db
from portal.models import Access, PolicyRule, Programme


@pytest.fixture(autouse=True)
def _restore_policy(app):
    """The seeded policy and programmes are kept between tests: put back what these tests change."""
    with app.app_context():
        accesses = dict(db.session.execute(select(PolicyRule.id, PolicyRule.access)).all())
        names = dict(db.session.execute(select(Programme.id, Programme.name)).all())
        db.session.remove()
    yield
    with app.app_context():
        for rule in db.session.scalars(select(PolicyRule).where(PolicyRule.id.in_(accesses))):
            rule.access = accesses[rule.id]
        for programme in db.session.scalars(select(Programme)):
            programme.name = names[programme.id]
        db.session.commit()
        db.session.remove()


def policy_reads(app):
    """Run `_rules()` in a fresh app context (a new request); (rules, statements that read policy_rule)."""
    seen = []

    def count(conn, cursor, statement, *args):
        if "FROM policy_rule" in statement:
            seen.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            rules = data_access._rules()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            db.session.remove()
    return rules, len(seen)


def access_of(rules, rule):
    return [access for programme_id, accredited, access, _text in rules[(rule.field, rule.audience)]
            if programme_id == rule.programme_id and accredited == rule.accredited]


def a_rule(app):
    with app.app_context():
        rule = db.session.scalars(select(PolicyRule).where(PolicyRule.access == Access.FULL).order_by(PolicyRule.id)).first()
        db.session.expunge(rule)
        return rule


def test_R_DATA_1_the_policy_is_read_once_per_process_until_it_changes(app):
    rule = a_rule(app)
    policy_reads(app)
    rules, reads = policy_reads(app)
    assert reads == 0 and access_of(rules, rule) == [Access.FULL]

    with app.app_context():
        db.session.get(PolicyRule, rule.id).access = Access.MASKED
        db.session.commit()
    rules, reads = policy_reads(app)
    assert reads == 1 and access_of(rules, rule) == [Access.MASKED]
    assert policy_reads(app)[1] == 0


def test_R_DATA_1_a_programme_renamed_reloads_the_policy_descriptions(app):
    policy_reads(app)
    with app.app_context():
        programme = db.session.scalars(select(Programme).order_by(Programme.id)).first()
        programme.name = programme.name + " (renamed)"
        db.session.commit()
        renamed = programme.name
    rules, reads = policy_reads(app)
    assert reads == 1 and any(renamed in text for entries in rules.values() for *_, text in entries)


def test_R_DATA_1_a_rolled_back_change_leaves_no_stale_policy(app):
    rule = a_rule(app)
    policy_reads(app)
    with app.app_context():
        db.session.get(PolicyRule, rule.id).access = Access.HIDDEN
        db.session.flush()
        assert access_of(data_access._rules(), rule) == [Access.HIDDEN]  # this transaction's own view
        db.session.rollback()
        db.session.remove()
    rules, reads = policy_reads(app)
    assert reads == 1 and access_of(rules, rule) == [Access.FULL]


def test_R_DATA_1_a_change_made_by_another_process_reloads_the_policy(app, database_url):
    """Another app server, or a DBA's UPDATE: nothing in this process hears of it but the version row."""
    rule = a_rule(app)
    policy_reads(app)
    assert policy_reads(app)[1] == 0
    script = textwrap.dedent(f"""
        from sqlalchemy import create_engine, text
        engine = create_engine({database_url!r})
        with engine.begin() as connection:
            connection.execute(text("UPDATE policy_rule SET access = 'hidden' WHERE id = {rule.id}"))
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    rules, reads = policy_reads(app)
    assert reads == 1 and access_of(rules, rule) == [Access.HIDDEN]
