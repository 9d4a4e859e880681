"""Generate a realistic volume of data for the benchmarks.

    .venv/bin/python -m bench.generate --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench \
        --customers 100000 --reset

Builds the schema with the real migrations, then writes (deterministically, from a seeded random):
eleven provider organisations across the four programmes (one with a sub-contractor), a manager and
advisers for each, a DWP referral officer, N customers each with their DWP record, a referral in a
realistic state (referred, started, completed, exited early, transferred on to another provider), its
transitions and first appointment, a plan for every customer who started (agreed and signed, awaiting
signatures or draft, with the next review date) whose version has what the plan rules ask for (3-5
objectives, support items linked to them, barriers, the customer and the adviser as parties), and
weekly hours records for the time each customer was on their programme (up to two years each, about
2.2 activities a week), each naming an objective of the plan in force on its day, as the hours rules ask.

Forty of the bench adviser's own Work Choice customers (longer-term support, started three years ago)
get a plan with three years of history instead (issue 4): 13 versions, a review every 12 weeks, each
version with 50 objectives, 20 support items, 5 barriers and 4 milestones, signed by both parties; their
hours run for the whole three years and name the objective of the version in force that day.

Rows go in with PostgreSQL COPY (plain INSERTs on SQLite). Content hashes of generated versions are
placeholders (the pages measured do not recompute them).

One known user signs in for the runner: bench.BENCH_EMAIL, an adviser of bench.BENCH_ORGANISATION,
with bench.BENCH_PASSWORD and TOTP secret bench.BENCH_TOTP_SECRET (encrypted with bench.BENCH_TOTP_ENCRYPTION_KEY,
so the served app must use that key).
"""
import argparse
import hashlib
import random
import sys
import time
from datetime import date, datetime, time as clock, timedelta, timezone

import flask_migrate
from sqlalchemy import func, select, text

import bench
from portal import create_app
from portal.extensions import db
from portal.models import (
    Appointment, Customer, DwpRecord, HoursEntry, Organisation, Plan, PlanVersion, Programme, Referral,
    ReferralTransition, StrandApproval, StrandStart, User,
)
from portal.models.organisation import organisation_programme
from portal.models.plan import Barrier, Milestone, Objective, PlanParty, Review, Signature, SupportItem, \
    support_item_objective
from portal.security import passwords, totp
from portal.services.plan_rules import BARRIER_CATEGORIES

SEED = 20261124
# name, kind, accredited, programmes, share of customers, prime
ORGANISATIONS = [
    (bench.BENCH_ORGANISATION, "private_provider", True, ("SES", "WORK_CHOICE"), 0.22, None),
    ("Bench Northern Partners", "voluntary", True, ("SES",), 0.0, bench.BENCH_ORGANISATION),
    ("Bench Coastal Works", "private_provider", True, ("SES",), 0.14, None),
    ("Bench Midland Futures", "private_provider", True, ("SES", "WORK_CHOICE"), 0.14, None),
    ("Bench Valley Job Club", "voluntary", False, ("J2E",), 0.06, None),
    ("Bench Riverside Job Club", "voluntary", False, ("J2E",), 0.05, None),
    ("Bench Hillside Voices", "voluntary", False, ("J2E",), 0.04, None),
    ("Bench County Council", "local_authority", True, ("LSE",), 0.10, None),
    ("Bench City Council", "local_authority", True, ("LSE",), 0.08, None),
    ("Bench Western Supported Employment", "private_provider", True, ("WORK_CHOICE",), 0.09, None),
    ("Bench Eastern Pathways", "private_provider", True, ("SES",), 0.08, None),
]
FIRST_NAMES = """Aaliyah Aaron Abdul Ada Adam Aisha Alan Alex Alice Amir Amy Andrew Anna Ben Beth Bilal Carys Chloe
Chris Connor Dafydd Daniel David Deborah Dylan Eleanor Elin Ella Emily Emma Eve Fatima Finn Gareth George Grace
Hannah Harry Hassan Ian Imran Isla Jack Jacob James Jane Jasmine Jessica Joe John Joseph Josh Karen Kate Kieran
Laura Leah Leon Lewis Liam Lily Lucy Luke Maria Mark Martin Mary Megan Michael Mohammed Molly Nadia Nathan Niamh
Noah Oliver Olivia Omar Owen Paul Peter Priya Rachel Rhys Rose Ryan Sam Sarah Sean Sian Sophie Stephen Tom Zara""".split()
LAST_NAMES = """Abbott Ahmed Ali Allen Anderson Armstrong Atkinson Bailey Baker Begum Bell Bennett Brown Butler
Campbell Carter Chapman Clarke Collins Cook Cooper Cox Davies Davis Dixon Edwards Ellis Evans Fisher Fletcher Foster
Gibson Graham Gray Green Griffiths Hall Harris Harrison Hill Holmes Hughes Hunt Hussain Jackson James Jenkins
Johnson Jones Kaur Kelly Kennedy Khan King Knight Lee Lewis Lloyd Marshall Martin Mason Matthews Miller Mills
Mitchell Moore Morgan Morris Murphy Murray Owen Palmer Parker Patel Pearson Phillips Powell Price Richards
Richardson Roberts Robinson Rogers Rose Russell Saunders Scott Shaw Simpson Singh Smith Stevens Stewart Taylor
Thomas Thompson Turner Walker Ward Watson Webb White Wilkinson Williams Wilson Wood Wright Young""".split()
BENEFITS = [("UC", 60), ("ESA_IR", 15), ("ESA_CB", 10), ("JSA", 5), ("IB", 3), ("NONE", 7)]
WCA = [("LCW", 40), ("LCWRA", 25), ("WRAG", 15), ("SUPPORT", 5), ("NOT_ASSESSED", 15)]
EXIT_CODES = ["job_start", "health", "moved_away", "disengaged", "circumstances", "other_provision", "other"]
STATUSES = [("referred", 12), ("started", 48), ("completed", 20), ("exited_early", 15), ("transferred", 5)]
ACTIVITIES = ["job_search", "cv_and_applications", "interview_skills", "confidence_building", "job_coaching",
              "skills_training", "volunteering", "work_placement", "health_support", "peer_support"]
MODES = ["face_to_face", "phone", "video", "group"]
CHUNK = 20_000
# Issue 4: a few plans with three years of history, for the bench adviser's own customers.
RICH_PLANS = 40
RICH_VERSIONS = 13
RICH_OBJECTIVES = 50
RICH_SUPPORT_ITEMS = 20
REVIEW_EVERY_WEEKS = 12
# The reason given for every revision of a rich plan: the runner finds those plans by it.
RICH_MARK = "Bench history: three years of reviews"
OBJECTIVES = [
    ("Apply for {n} warehouse or retail jobs", "Every week", "Applications logged with the adviser"),
    ("Update the CV with the adviser", "Once, then after each job", "A CV the customer is happy to send"),
    ("Travel to the town centre by bus alone", "Twice a week", "Journeys made without support"),
    ("Attend the confidence and wellbeing course", "Weekly session", "Sessions attended"),
    ("Practise interviews with a job coach", "Every two weeks", "Mock interviews and feedback"),
    ("Complete a food hygiene certificate", "Two sessions a week", "Certificate gained"),
    ("Volunteer at the community cafe", "{n} hours a week", "Hours volunteered"),
    ("Arrange a work trial with a local employer", "Once", "Trial agreed and attended"),
]
SUPPORT = [("support", "One-to-one job search with the adviser", "provider", None),
           ("support", "Travel training", "provider", None),
           ("qualification", "Level 1 food hygiene course", "third_tier", "County College"),
           ("support", "Confidence course", "subcontractor", "Bench Northern Partners"),
           ("support", "Job coaching in the workplace", "provider", None)]


def weighted(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def monday(day):
    return day - timedelta(days=day.weekday())


class Writer:
    """Bulk rows into a table: COPY on PostgreSQL, executemany INSERT elsewhere. Fills model defaults."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.counts = {}

    def write(self, table, rows):
        rows = iter(rows)
        defaults = {c.name: c.default.arg if c.default.is_scalar else c.default.arg(None)
                    for c in table.columns if c.default is not None and not c.primary_key}
        first = next(rows, None)
        if first is None:
            return
        columns = list(first) + [name for name in defaults if name not in first]
        extra = [(name, defaults[name]) for name in columns if name not in first]
        count = 0
        if self.postgres:
            raw = self.connection.connection.driver_connection
            names = ", ".join(f'"{c}"' for c in columns)
            with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in _chain(first, rows):
                    copy.write_row([*row.values(), *(value for _, value in extra)])
                    count += 1
        else:
            batch = []
            for row in _chain(first, rows):
                batch.append({**row, **dict(extra)})
                if len(batch) >= CHUNK:
                    self.connection.execute(table.insert(), batch)
                    count += len(batch)
                    batch = []
            if batch:
                self.connection.execute(table.insert(), batch)
                count += len(batch)
        self.counts[table.name] = self.counts.get(table.name, 0) + count


def _chain(first, rest):
    yield first
    yield from rest


def generate(database_url, customers, *, reset=False, hours=True, seed=SEED, out=sys.stdout):
    started = time.monotonic()
    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": bench.BENCH_SECRET_KEY, "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY,
                      # Bulk COPY and index builds run for minutes: the request timeouts are not for them.
                      "DB_STATEMENT_TIMEOUT_MS": 0, "DB_LOCK_TIMEOUT_MS": 0,
                      "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 0})
    with app.app_context():
        engine = db.engine
        if reset and engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        flask_migrate.upgrade()
        if db.session.scalar(select(func.count()).select_from(Customer)):
            print("The database already has customers: use --reset to start again.", file=out)
            return None
        # One Argon2id hash (production profile) for the bench user, one shared by every other account.
        bench_hash = passwords.hash_password(bench.BENCH_PASSWORD)
        other_hash = passwords.hash_password("not a bench sign-in " + str(seed))
        bench_totp = totp.encrypt_secret(bench.BENCH_TOTP_SECRET)
        programmes = {p.code: p for p in db.session.scalars(select(Programme))}
        dwp_id = db.session.scalar(select(Organisation.id).where(Organisation.kind == "dwp"))
        db.session.remove()
        with engine.begin() as connection:
            facts = _write_all(connection, customers, programmes, dwp_id, bench_hash, other_hash, bench_totp,
                               hours, seed, started, out)
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    print(f"Done in {time.monotonic() - started:.0f} s.", file=out)
    return facts


def _write_all(connection, n_customers, programmes, dwp_id, bench_hash, other_hash, bench_totp, with_hours, seed,
               started, out):
    rng = random.Random(seed)
    writer = Writer(connection)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = now.date()

    def next_id(model):
        return (connection.scalar(select(func.max(model.id))) or 0) + 1

    # Organisations and their programmes.
    org_ids, org_rows, links = {}, [], []
    org_id = next_id(Organisation)
    for name, kind, accredited, codes, _share, prime in ORGANISATIONS:
        org_ids[name] = org_id
        org_rows.append({"id": org_id, "name": name, "kind": kind, "security_accredited": accredited,
                         "prime_id": org_ids.get(prime), "created_at": now - timedelta(days=5 * 365)})
        links += [{"organisation_id": org_id, "programme_id": programmes[c].id} for c in codes]
        org_id += 1
    writer.write(Organisation.__table__, org_rows)
    writer.write(organisation_programme, links)

    # Staff: a manager per organisation and an adviser per ~250 customers; a DWP referral officer.
    user_id = next_id(User)
    users, advisers, managers = [], {}, {}

    def user(email, name, role, organisation_id, password_hash=other_hash, secret=None):
        nonlocal user_id
        users.append({"id": user_id, "email": email, "name": name, "role": role, "organisation_id": organisation_id,
                      "password_hash": password_hash, "totp_secret_encrypted": secret,
                      "totp_confirmed_at": now if secret else None, "password_changed_at": now,
                      "created_at": now - timedelta(days=3 * 365)})
        user_id += 1
        return user_id - 1

    officer_id = user("referrals@dwp.bench.example", "Bench Referral Officer", "referral_officer", dwp_id)
    bench_user_id = None
    for index, (name, _kind, _acc, _codes, share, _prime) in enumerate(ORGANISATIONS):
        domain = "-".join(name.lower().split()[1:]) + ".bench.example"
        oid = org_ids[name]
        managers[oid] = user(f"manager@{domain}", f"{name} Manager", "manager", oid)
        count = max(2, int(n_customers * share) // 250)
        advisers[oid] = []
        for i in range(count):
            staff_name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name == bench.BENCH_ORGANISATION and i == 0:
                bench_user_id = user(bench.BENCH_EMAIL, "Bench Adviser", "adviser", oid, bench_hash, bench_totp)
                advisers[oid].append(bench_user_id)
                continue
            advisers[oid].append(user(f"adviser{i + 1}@{domain}", staff_name, "adviser", oid))
    writer.write(User.__table__, users)

    # Customers, DWP records, referrals, transitions, appointments, plans and hours.
    provider_orgs = [(org_ids[o[0]], o[3], o[4]) for o in ORGANISATIONS if o[4] > 0]
    by_programme = {}
    for oid, codes, _share in provider_orgs:
        for code in codes:
            by_programme.setdefault(code, []).append(oid)
    subcontractor_of = {org_ids[o[5]]: org_ids[o[0]] for o in ORGANISATIONS if o[5]}
    bench_org = org_ids[bench.BENCH_ORGANISATION]
    # In an order that lets each table's foreign keys find their rows (each flush writes every table).
    models = (Customer, Referral, ReferralTransition, Appointment, Plan, PlanVersion, Objective, SupportItem,
              Barrier, Milestone, PlanParty, Signature, Review, StrandApproval, StrandStart, HoursEntry)
    ids = {m: next_id(m) for m in models}
    order = [Customer.__table__, DwpRecord.__table__, *(m.__table__ for m in models[1:-1]), support_item_objective,
             HoursEntry.__table__]
    tables = {table: [] for table in order}
    status_counts = {}
    rich_left = RICH_PLANS

    def new_id(model):
        ids[model] += 1
        return ids[model] - 1

    def add(model, row):
        tables[model if model is support_item_objective else model.__table__].append(row)

    def flush():
        for table, rows in tables.items():
            if rows:
                writer.write(table, rows)
                rows.clear()

    def at(day, hour=14):
        return datetime.combine(day, clock(hour), tzinfo=timezone.utc)

    def referral(customer_id, name, oid, code, status, referred_at, transferred_from=None, rich=False):
        programme = programmes[code]
        rid = new_id(Referral)
        started_on = ended_on = None
        if rich:
            started_on = referred_at.date() + timedelta(days=14)
        elif status != "referred":
            started_on = referred_at.date() + timedelta(days=rng.randint(3, 28))
            if started_on >= today:
                status, started_on = "referred", None
        weeks = programme.duration_weeks or 104
        if started_on and status in ("completed", "exited_early", "transferred"):
            length = weeks * 7 if status == "completed" else rng.randint(14, weeks * 7)
            ended_on = started_on + timedelta(days=length)
            if ended_on >= today:
                status, ended_on = "started", None
        if status == "started" and not rich and (today - started_on).days > weeks * 7 + 60:
            status, ended_on = "completed", started_on + timedelta(days=weeks * 7)
        status_counts[status] = status_counts.get(status, 0) + 1
        adviser = bench_user_id if rich else rng.choice(advisers[oid]) if rng.random() < 0.92 else None
        subcontractor = None
        if oid in subcontractor_of.values() and code == "SES" and rng.random() < 0.15:
            subcontractor = next(s for s, p in subcontractor_of.items() if p == oid)
        exit_reason = {"exited_early": "Moved out of the area", "transferred": "Moved to another provider"}.get(status)
        # R-EXIT-1: a coded reason for every ending, spread by id (not drawn: the random stream stays as it was).
        exit_code = {"completed": "programme_end", "transferred": "transferred"}.get(status) or (
            EXIT_CODES[rid % len(EXIT_CODES)] if status == "exited_early" else None)
        add(Referral, {
            "id": rid, "customer_id": customer_id, "organisation_id": oid, "programme_id": programme.id,
            "status": status, "adviser_id": adviser, "subcontractor_id": subcontractor,
            "eso_place": programme.eso_places == "always", "referred_at": referred_at, "referred_by_id": officer_id,
            "eligibility_confirmed_at": referred_at, "eligibility_confirmed_by_id": officer_id,
            "started_on": started_on, "ended_on": ended_on, "exit_reason_code": exit_code,
            "exit_reason_text": exit_reason if exit_code in ("other", "transferred") else None,
            "transferred_from_id": transferred_from,
        })
        steps = [(None, "referred", referred_at.date(), None)]
        if started_on:
            steps.append(("referred", "started", started_on, None))
        if ended_on:
            steps.append(("started", status, ended_on, exit_reason))
        for from_status, to_status, effective_on, reason in steps:
            add(ReferralTransition, {
                "id": new_id(ReferralTransition), "referral_id": rid, "from_status": from_status,
                "to_status": to_status, "effective_on": effective_on, "reason": reason,
                "recorded_by_id": officer_id if to_status == "referred" else adviser,
                "recorded_at": at(effective_on, 11)})
        add(Appointment, {
            "id": new_id(Appointment), "customer_id": customer_id, "referral_id": rid, "location": "Provider office",
            "starts_at": at(referred_at.date() + timedelta(days=7), 10), "booked_by_id": officer_id,
            "created_at": referred_at})
        if started_on:
            by = adviser or managers[oid]
            if rich:
                periods = _rich_plan(customer_id, name, oid, rid, programme, started_on, by)
            else:
                periods = _plan(customer_id, name, oid, rid, programme, status, started_on, by)
            if with_hours:
                _hours(rid, oid, started_on, ended_on or today - timedelta(days=1), by, subcontractor, periods,
                       weeks=None if rich else 104)
        return rid, status, ended_on

    def _version(plan_id, number, oid, rid, status, by, created, *, agreed=None, superseded=None, reason=None):
        version_id = new_id(PlanVersion)
        hashed = hashlib.sha256(f"bench version {version_id}".encode()).hexdigest() if status != "draft" else None
        add(PlanVersion, {
            "id": version_id, "plan_id": plan_id, "number": number, "organisation_id": oid, "referral_id": rid,
            "status": status, "reason": reason, "created_by_id": by, "created_at": created,
            "sent_for_signature_at": created if status != "draft" else None, "agreed_at": agreed,
            "superseded_at": superseded, "content_hash": hashed, "lock_version": 1,
            "needs_assessment": "Confidence, travel and recent work history discussed.",
            "needs_assessed_on": created.date(), "aspirations": "Part-time work close to home.",
            "job_goal": rng.choice(["Retail assistant", "Warehouse operative", "Care worker", "Administrator"]),
            "target_weekly_hours": 16, "length_rationale": "The programme's usual length meets the needs found.",
            "review_every_weeks": REVIEW_EVERY_WEEKS, "first_review_on": created.date() + timedelta(weeks=12),
            "permitted_work": False, "in_work": False,
        })
        return version_id, hashed

    def _content(version_id, hashed, status, agreed, started_on, name, adviser_name, *, objectives, support_items,
                 barriers, milestones):
        """What the plan rules ask of a version; signatures of both parties when it was agreed."""
        objective_ids = []
        for n in range(objectives):
            what, how_often, measure = OBJECTIVES[n % len(OBJECTIVES)]
            objective_ids.append(new_id(Objective))
            add(Objective, {
                "id": objective_ids[-1], "key": f"o{n + 1}", "position": n, "version_id": version_id,
                "what": f"{n + 1}. " + what.format(n=2 + n % 3), "how_often": how_often.format(n=2 + n % 3),
                "measure": measure, "target_on": started_on + timedelta(weeks=8 + 4 * n)})
        for n in range(support_items):
            kind, description, deliverer, deliverer_name = SUPPORT[n % len(SUPPORT)]
            item_id = new_id(SupportItem)
            add(SupportItem, {
                "id": item_id, "key": f"s{n + 1}", "position": n, "version_id": version_id, "kind": kind,
                "description": description, "deliverer": deliverer, "deliverer_name": deliverer_name,
                "planned_hours": rng.choice((6, 10, 12, 20, 30))})
            linked = {objective_ids[(2 * n) % objectives], objective_ids[(2 * n + 1) % objectives]}
            for objective_id in sorted(linked):
                add(support_item_objective, {"support_item_id": item_id, "objective_id": objective_id})
        categories = list(BARRIER_CATEGORIES)
        for n in range(barriers):
            add(Barrier, {"id": new_id(Barrier), "key": f"b{n + 1}", "position": n, "version_id": version_id,
                          "category": categories[n % len(categories)], "description": "Anxiety in new places",
                          "impact": "Finds interviews and first days hard", "response": "Graded exposure with a coach"})
        for n in range(milestones):
            add(Milestone, {"id": new_id(Milestone), "key": f"m{n + 1}", "position": n, "version_id": version_id,
                            "description": f"Milestone {n + 1}: first interview attended",
                            "agreed_on": started_on + timedelta(weeks=4 * (n + 1))})
        parties = []
        for n, (role, party_name) in enumerate((("customer", name), ("adviser", adviser_name))):
            parties.append((new_id(PlanParty), role, party_name))
            add(PlanParty, {"id": parties[-1][0], "key": f"p{n + 1}", "position": n, "version_id": version_id,
                            "role": role, "name": party_name, "required": True})
        if agreed:
            for party_id, role, party_name in parties:
                add(Signature, {
                    "id": new_id(Signature), "version_id": version_id, "party_id": party_id,
                    "method": "in_person" if role == "customer" else "adviser", "typed_name": party_name,
                    "content_hash": hashed, "signed_at": agreed, "declaration": "I agree this plan.",
                    "language": "en", "document_format": "standard", "recorded_by_id": None})
        return objective_ids

    def _plan(customer_id, name, oid, rid, programme, status, started_on, by):
        """One version; returns the agreed periods [(from, until or None, objective ids)] for the hours."""
        version_status = "agreed"
        if status == "started":
            version_status = weighted(rng, [("agreed", 85), ("awaiting_signatures", 8), ("draft", 7)])
        next_review = today + timedelta(days=rng.randint(-40, 90)) if status == "started" and version_status == "agreed" else None
        plan_id = new_id(Plan)
        created = at(started_on)
        add(Plan, {"id": plan_id, "customer_id": customer_id, "programme_id": programme.id, "created_at": created,
                   "next_review_on": next_review})
        agreed = created + timedelta(days=2) if version_status == "agreed" else None
        version_id, hashed = _version(plan_id, 1, oid, rid, version_status, by, created, agreed=agreed)
        if programme.transitional_weeks:  # R-WC-1: Work Choice strands are a history of starts
            add(StrandStart, {"id": new_id(StrandStart), "plan_id": plan_id, "strand": "work_entry",
                              "started_on": started_on, "approval_id": None, "recorded_by_id": by,
                              "recorded_at": created})
        objective_ids = _content(version_id, hashed, version_status, agreed, started_on, name, "Adviser",
                                 objectives=rng.randint(3, 5), support_items=rng.randint(2, 3),
                                 barriers=rng.randint(1, 2), milestones=0)
        return [(agreed.date(), None, objective_ids)] if agreed else []

    def _rich_plan(customer_id, name, oid, rid, programme, started_on, by):
        """Three years of history: a version every 12 weeks, each agreed, then superseded by the next."""
        plan_id = new_id(Plan)
        first = at(started_on + timedelta(days=7))
        versions = [first + timedelta(weeks=REVIEW_EVERY_WEEKS * n) for n in range(RICH_VERSIONS)]
        agreed = [created + timedelta(days=2) for created in versions]
        add(Plan, {"id": plan_id, "customer_id": customer_id, "programme_id": programme.id, "created_at": first,
                   "next_review_on": agreed[-1].date() + timedelta(weeks=REVIEW_EVERY_WEEKS)})
        periods = []
        for n, created in enumerate(versions):
            newest = n == RICH_VERSIONS - 1
            superseded = None if newest else agreed[n + 1]
            version_id, hashed = _version(
                plan_id, n + 1, oid, rid, "agreed" if newest else "superseded", by, created, agreed=agreed[n],
                superseded=superseded, reason=RICH_MARK if n else None)
            if programme.transitional_weeks and n in (0, 4):  # work entry, then longer-term with the DEA's approval
                approval_id = None
                if n == 4:
                    approval_id = new_id(StrandApproval)
                    add(StrandApproval, {"id": approval_id, "plan_id": plan_id, "approved_on": created.date(),
                                         "note": "Bench approval", "legacy_name": "Bench Jobcentre DEA",
                                         "recorded_at": created})
                add(StrandStart, {"id": new_id(StrandStart), "plan_id": plan_id,
                                  "strand": "work_entry" if n == 0 else "longer_term", "started_on": created.date(),
                                  "approval_id": approval_id, "recorded_by_id": by, "recorded_at": created})
            objective_ids = _content(version_id, hashed, "agreed", agreed[n], started_on, name, "Bench Adviser",
                                     objectives=RICH_OBJECTIVES, support_items=RICH_SUPPORT_ITEMS, barriers=5,
                                     milestones=4)
            periods.append((agreed[n].date(), superseded.date() if superseded else None, objective_ids))
            if n:
                add(Review, {"id": new_id(Review), "plan_id": plan_id, "version_id": version_id,
                             "held_on": created.date(), "participants": "Customer and adviser",
                             "what_changed": "Objectives brought up to date",
                             "next_review_on": created.date() + timedelta(weeks=REVIEW_EVERY_WEEKS),
                             "recorded_by_id": by, "recorded_at": created})
        return periods

    def _hours(rid, oid, start, end, entered_by, subcontractor, periods, weeks):
        week = monday(start)
        last = monday(min(end, start + timedelta(weeks=weeks)) if weeks else end)
        while week <= last:
            # About 2.2 activities a week: two years of weekly records for 100,000 customers is about
            # 10 million entries (issue 5's benchmark).
            for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(5, 15, 40, 30, 10))[0]):
                day = week + timedelta(days=rng.randint(0, 4))
                if day < start or day > end:
                    continue
                # R-HRS-1: an activity names the objective it serves, of the plan agreed for that day.
                in_force = [ids_ for since, until, ids_ in periods if since <= day and (until is None or day < until)]
                add(HoursEntry, {
                    "id": new_id(HoursEntry), "referral_id": rid, "week_start": week, "on": day,
                    "activity": rng.choice(ACTIVITIES), "source": "subcontractor" if subcontractor else "provider",
                    "source_name": "Bench Northern Partners" if subcontractor else None,
                    "objective_id": rng.choice(in_force[0]) if in_force and in_force[0] else None,
                    "mode": rng.choice(MODES), "quarters": rng.choice((4, 6, 8, 10, 12, 16)),
                    "description": "Weekly session with the adviser", "entered_by_id": entered_by,
                    "entered_by_organisation_id": subcontractor or oid, "entered_at": at(day, 17), "lock_version": 1,
                })
            week += timedelta(weeks=1)

    weights = [share for _oid, _codes, share in provider_orgs]
    for n in range(n_customers):
        cid = new_id(Customer)
        oid, codes, _share = rng.choices(provider_orgs, weights=weights)[0]
        code = rng.choice(codes)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        referred_at = now - timedelta(days=rng.randint(0, 4 * 365), minutes=rng.randint(0, 1440))
        status = weighted(rng, STATUSES)
        # Work Choice's longer-term support has no end date: these customers started three years ago.
        rich = rich_left > 0 and oid == bench_org and code == "WORK_CHOICE" and status == "started"
        if rich:
            rich_left -= 1
            referred_at = now - timedelta(weeks=REVIEW_EVERY_WEEKS * RICH_VERSIONS + 1, days=14)
        add(Customer, {"id": cid, "reference": f"C{cid:07d}", "created_at": referred_at, "created_by_id": officer_id})
        benefit = weighted(rng, BENEFITS)
        add(DwpRecord, {
            # R-CUST-1: one customer per NINO (unique since migration 0015): the digits are the customer's id.
            "customer_id": cid, "nino": f"{rng.choice('ABCEGHJKLMNPRSTWXYZ')}{rng.choice('ABCEGHJKLMNPRSTWXYZ')}"
                                        f"{cid % 1000000:06d}{rng.choice('ABCD')}",
            "first_name": first, "last_name": last, "search_name": f"{first} {last}".lower(),
            "date_of_birth": date(1960, 1, 1) + timedelta(days=rng.randint(0, 40 * 365)),
            "address": f"{rng.randint(1, 200)} {rng.choice(LAST_NAMES)} Street", "postcode": "NE1 1AA",
            "phone": f"07700 9{rng.randint(0, 99999):05d}", "email": f"{first.lower()}.{cid}@mail.example",
            "benefit_type": benefit, "wca_group": "NOT_ASSESSED" if benefit == "NONE" else weighted(rng, WCA),
            "wca_decision_date": referred_at.date() - timedelta(days=rng.randint(30, 900)),
            "health_summary": "Anxiety and low confidence", "medical_details": "Details held by DWP",
            "sanction_history": "None", "regulation_29": rng.random() < 0.02, "armed_forces": rng.random() < 0.03,
            "jobcentre": "Bench Jobcentre", "work_coach": rng.choice(FIRST_NAMES),
            "preferred_language": "cy" if rng.random() < 0.05 else "en",
            "format_needs": weighted(rng, [("standard", 85), ("large_print", 7), ("easy_read", 8)]),
            "learning_disability_or_autism": code == "LSE", "secondary_mental_health": False,
            "on_other_dwp_provision": False,
        })
        rid, status, ended_on = referral(cid, f"{first} {last}", oid, code, status, referred_at, rich=rich)
        if status == "transferred":
            others = [o for o in by_programme[code] if o != oid] or [oid]
            moved = datetime.combine(ended_on, clock(9), tzinfo=timezone.utc)
            referral(cid, f"{first} {last}", rng.choice(others), code,
                     weighted(rng, [("referred", 30), ("started", 70)]), moved, rid)
        if n % CHUNK == CHUNK - 1:
            flush()
            print(f"  {n + 1:,} customers ({time.monotonic() - started:.0f} s)", file=out, flush=True)
    flush()

    if connection.dialect.name == "postgresql":
        for model in (Organisation, User, *models):
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{model.__tablename__}', 'id'), "
                                    f"(SELECT max(id) FROM \"{model.__tablename__}\"))"))
    print("Made:", file=out)
    for table, count in writer.counts.items():
        print(f"  {table:<24}{count:>12,}", file=out)
    print("Referral statuses: " + ", ".join(f"{k} {v:,}" for k, v in sorted(status_counts.items())), file=out)
    print(f"Bench sign-in: {bench.BENCH_EMAIL} (adviser, {bench.BENCH_ORGANISATION}), password "
          f"'{bench.BENCH_PASSWORD}', TOTP secret {bench.BENCH_TOTP_SECRET}", file=out)
    return {"counts": writer.counts, "statuses": status_counts, "bench_user_id": bench_user_id}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=bench.DEFAULT_DATABASE_URL)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the schema first (PostgreSQL)")
    parser.add_argument("--no-hours", action="store_true", help="skip the weekly hours records")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    result = generate(args.database_url, args.customers, reset=args.reset, hours=not args.no_hours, seed=args.seed)
    return 0 if result is not None else 1


if __name__ == "__main__":
    sys.exit(main())
