"""Migration 0015 merges customers that share a NINO, losing nothing (R-CUST-1).

A database of its own is built at revision 0014, duplicates are written to it as the portal did before
(one customer per referral), and the real migration runs; on SQLite and on PostgreSQL.
"""
import json
import uuid
from datetime import date, datetime, timezone

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.extensions import db
from tests.conftest import test_config

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """The URL of an empty database of its own, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'merge.sqlite3'}"
        return
    name = f"{url.database}_merge_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(connection, table, **values):
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values).scalar()


def _customer(connection, reference, nino, created_at, *, last_name, address, programme_id, organisation_id, user_id):
    customer_id = _insert(connection, "customer", reference=reference, created_at=created_at)
    connection.execute(text(
        "INSERT INTO dwp_record (customer_id, nino, first_name, last_name, search_name, address, date_of_birth, "
        "regulation_29, armed_forces, preferred_language, format_needs, learning_disability_or_autism, "
        "secondary_mental_health, on_other_dwp_provision) VALUES (:id, :nino, 'Ifan', :last, :search, :address, "
        ":dob, false, false, 'en', 'standard', false, false, false)"),
        {"id": customer_id, "nino": nino, "last": last_name, "search": f"ifan {last_name}".lower(), "address": address,
         "dob": date(1980, 1, 2)})
    referral_id = _insert(connection, "referral", customer_id=customer_id, organisation_id=organisation_id,
                          programme_id=programme_id, status="completed", eso_place=False, referred_at=created_at)
    _insert(connection, "appointment", customer_id=customer_id, referral_id=referral_id, location=f"Office {reference}")
    _insert(connection, "consent", customer_id=customer_id, organisation_id=organisation_id, kind="data_sharing",
            health_items="", given_on=created_at.date())
    _insert(connection, "plan", customer_id=customer_id, programme_id=programme_id)
    event_id = _insert(connection, "audit_event", action="customer.viewed", customer_id=customer_id, detail="{}",
                       previous_hash="0" * 64, event_hash=f"{customer_id:064d}", occurred_at=created_at)
    list_event = _insert(connection, "audit_event", action="caseload.listed", detail="{}", previous_hash="1" * 64,
                         event_hash=f"{customer_id + 100:064d}", occurred_at=created_at)
    connection.execute(text("INSERT INTO audit_event_customer (event_id, customer_id) VALUES (:e, :c)"),
                       {"e": list_event, "c": customer_id})
    return customer_id, referral_id, event_id, list_event


def _build_duplicates(connection):
    programme_id = connection.execute(text("SELECT id FROM programme WHERE code = 'WORK_CHOICE'")).scalar()
    organisation_id = _insert(connection, "organisation", name="Provider", kind="private_provider",
                              security_accredited=True)
    user_id = _insert(connection, "user_account", email="i@dwp.example", name="Inspector", role="inspector",
                      is_enabled=True, failed_sign_in_count=0)
    first = _customer(connection, "C0000001", "JT112233A", NOW, last_name="Hughes", address="1 First Street",
                      programme_id=programme_id, organisation_id=organisation_id, user_id=user_id)
    second = _customer(connection, "C0000002", "jt112233a", NOW.replace(month=3), last_name="Hughes-Lloyd",
                       address="2 Second Street", programme_id=programme_id, organisation_id=organisation_id,
                       user_id=user_id)
    third = _customer(connection, "C0000003", "JT112233A", NOW.replace(month=6), last_name="Lloyd",
                      address="3 Third Street", programme_id=programme_id, organisation_id=organisation_id,
                      user_id=user_id)
    other = _customer(connection, "C0000004", "AB998877C", NOW, last_name="Other", address="4 Other Street",
                      programme_id=programme_id, organisation_id=organisation_id, user_id=user_id)
    inspection_id = _insert(connection, "inspection", organisation_id=organisation_id, period_from=date(2026, 1, 1),
                            period_to=date(2026, 6, 30), opened_on=date(2026, 7, 1), status="open",
                            opened_by_id=user_id)
    # The first and third are both in one inspection's sample: one row per customer is the rule there.
    samples = [_insert(connection, "inspection_sample", inspection_id=inspection_id, customer_id=c[0],
                       programme_id=programme_id, how="random", added_by_id=user_id) for c in (first, third)]
    finding = _insert(connection, "inspection_finding", inspection_id=inspection_id, customer_id=second[0],
                      rule="R-ISP-1", found="No plan", severity="low", action_required="Agree one",
                      due_on=date(2026, 8, 1), state="open", raised_by_id=user_id)
    return {"first": first, "second": second, "third": third, "other": other, "samples": samples,
            "finding": finding}


def test_r_cust_1_migration_0015_merges_duplicate_customers_losing_nothing(fresh_database):
    app = create_app(test_config(fresh_database))
    with app.app_context():
        flask_migrate.upgrade(revision="0014")
        with db.engine.begin() as connection:
            built = _build_duplicates(connection)
            totals = {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                      for t in ("customer", "referral", "appointment", "consent", "plan", "audit_event",
                                "inspection_sample", "inspection_finding")}
        flask_migrate.upgrade()
        with db.engine.connect() as c:
            kept = built["first"][0]
            duplicates = [built["second"][0], built["third"][0]]
            # Nothing is deleted: every row is still there.
            for table, count in totals.items():
                assert c.execute(text(f"SELECT count(*) FROM {table}")).scalar() == count, table
            # Every referral, appointment, consent and plan of the duplicates is now the kept customer's.
            for table in ("referral", "appointment", "consent", "plan"):
                owners = c.execute(text(f"SELECT customer_id FROM {table} WHERE customer_id <> :other"),
                                   {"other": built["other"][0]}).scalars().all()
                assert owners == [kept] * 3, table
            assert c.execute(text("SELECT customer_id FROM inspection_finding")).scalar() == kept
            # The sample already had the kept customer: the duplicate's row stays with the (merged) duplicate.
            assert sorted(c.execute(text("SELECT customer_id FROM inspection_sample")).scalars()) == [kept, built["third"][0]]
            # The duplicates stay, marked, with nothing but their audit events pointing at them.
            merged = dict(c.execute(text("SELECT id, merged_into_id FROM customer")).all())
            assert merged == {kept: None, duplicates[0]: kept, duplicates[1]: kept, built["other"][0]: None}
            # One DWP record per NINO: the newest details current (version 3), the two before kept as versions.
            records = c.execute(text("SELECT customer_id, nino, last_name, address, version FROM dwp_record "
                                     "ORDER BY customer_id")).all()
            assert [tuple(r) for r in records] == [(kept, "JT112233A", "Lloyd", "3 Third Street", 3),
                                                   (built["other"][0], "AB998877C", "Other", "4 Other Street", 1)]
            versions = c.execute(text("SELECT customer_id, version, source, merged_from_id, facts "
                                      "FROM dwp_record_version ORDER BY version")).all()
            assert [(v[0], v[1], v[2], v[3]) for v in versions] == [(kept, 1, "merge", kept),
                                                                   (kept, 2, "merge", duplicates[0])]
            facts = [v[4] if isinstance(v[4], dict) else json.loads(v[4]) for v in versions]
            assert [(f["last_name"], f["address"], f["nino"], f["date_of_birth"]) for f in facts] == [
                ("Hughes", "1 First Street", "JT112233A", "1980-01-02"),
                ("Hughes-Lloyd", "2 Second Street", "JT112233A", "1980-01-02")]
            # The audit trail is unchanged, and the kept customer's log now shows the duplicates' events.
            linked = set(c.execute(text("SELECT event_id FROM audit_event_customer WHERE customer_id = :k"),
                                   {"k": kept}).scalars())
            for duplicate in (built["second"], built["third"]):
                assert {duplicate[2], duplicate[3]} <= linked
            assert c.execute(text("SELECT customer_id FROM audit_event WHERE id = :e"),
                             {"e": built["second"][2]}).scalar() == duplicates[0]
            # From now on the database refuses a second customer with the NINO.
            assert c.execute(text("SELECT count(*) FROM dwp_record WHERE nino = 'JT112233A'")).scalar() == 1
        db.engine.dispose()


def test_r_cust_1_the_unique_nino_is_refused_by_the_database_after_0015(fresh_database):
    from sqlalchemy.exc import IntegrityError

    app = create_app(test_config(fresh_database))
    with app.app_context():
        flask_migrate.upgrade()
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            for reference in ("C1", "C2"):
                customer_id = _insert(connection, "customer", reference=reference, created_at=NOW)
                connection.execute(text(
                    "INSERT INTO dwp_record (customer_id, nino, first_name, last_name, search_name, regulation_29, "
                    "armed_forces, preferred_language, format_needs, learning_disability_or_autism, "
                    "secondary_mental_health, on_other_dwp_provision) VALUES (:id, 'JT000001A', 'A', 'B', 'a b', "
                    "false, false, 'en', 'standard', false, false, false)"), {"id": customer_id})
        db.engine.dispose()
