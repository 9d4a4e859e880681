"""Measure the portal's main pages against a trivial Flask route, in the same run, on PostgreSQL.

    .venv/bin/python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench \
        --customers 100000 [--compare-database-url URL] [--quick] [--explain]

1. Makes sure the database holds the generated data set (runs bench.generate --reset when it has fewer
   customers than --customers; refuses a data set made by an older generator).
2. Starts gunicorn with 2 sync workers for the portal (`wsgi:app`, PORTAL_ENV=production), another for
   the same portal with 50 customers to a caseload page (bench/wide_app.py) and another for
   bench/trivial_app.py, on loopback ports.
3. Signs in as the bench adviser through real HTTP (email and password, then a TOTP code).
4. For the trivial route and each page (caseload, customer, plan, hours; see bench/README.md): one
   client at a time (latency), then --concurrency clients (throughput, and latency under load), each for
   --seconds. Saving an activity is a real POST with the session's CSRF token. The trivial route is
   measured first and again last.
5. Counts the SQL queries each page runs (in-process, a SQLAlchemy event listener) for the bench adviser,
   their organisation's manager and the manager of the smallest provider, in this database and at
   --compare-database-url (a data set of another size) when given: the same user's counts must not grow
   with the data.
"""
import argparse
import html
import multiprocessing
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime, timezone
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

import pyotp

import bench

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
P95_AIM_MS = 60
THROUGHPUT_AIM = 1 / 3
ISSUE_5_AIMS = {"week of hours": 80, "save an activity": 80, "caseload hours (8 weeks x 50)": 150}
# (page, the same page with a longer history, what the difference is): issue 4 and 5's "query count
# independent of the number of versions / of history length".
HISTORY_PAIRS = [
    ("plan version page (1 version)", "plan version page (13 versions)", "the number of versions"),
    ("week of hours", "week of hours (3 years, 13 versions)", "the length of the hours history"),
    ("hours summary (up to 2 years)", "hours summary (3 years, 50 objectives)", "the length of the hours history"),
]


# Servers ------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_path, port, env, log_path):
    log = open(log_path, "w")
    process = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_path],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn for {app_path} exited: see {log_path}")
        try:
            status, _headers, _body = request(port, "GET", "/" if app_path.startswith("bench.trivial") else "/healthz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn for {app_path} did not answer within 60 s: see {log_path}")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# HTTP ---------------------------------------------------------------------------------------------


def request(port, method, path, cookie=None, form=None):
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


class Browser:
    """Just enough of a browser for the sign-in: keeps the session cookie (Secure or not: this is loopback)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def go(self, method, path, form=None):
        status, headers, body = request(self.port, method, path, self.cookie, form)
        for name, value in headers:
            if name.lower() == "set-cookie":
                for key, morsel in SimpleCookie(value).items():
                    self.cookies[key] = morsel.value
        return status, dict((k.lower(), v) for k, v in headers), body.decode("utf-8", "replace")

    @property
    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path):
        status, _headers, page = self.go("GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        if status != 200 or not match:
            raise SystemExit(f"no sign-in form at {path} ({status})")
        return html.unescape(match.group(1))


def totp_code(database_url):
    """A code the portal will accept: a step later than the last one this user used (no replay)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        last = connection.scalar(text("SELECT totp_last_timecode FROM user_account WHERE email = :e"),
                                 {"e": bench.BENCH_EMAIL})
    engine.dispose()
    totp = pyotp.TOTP(bench.BENCH_TOTP_SECRET)
    while True:
        current = totp.timecode(datetime.now(timezone.utc))
        step = max(current - 1, (last or 0) + 1)
        if step <= current + 1:
            return totp.generate_otp(step)
        time.sleep(2)


def sign_in(port, database_url):
    browser = Browser(port)
    token = browser.csrf("/sign-in")
    status, headers, _ = browser.go("POST", "/sign-in", {"csrf_token": token, "email": bench.BENCH_EMAIL,
                                                          "password": bench.BENCH_PASSWORD})
    if status != 302 or "/sign-in/code" not in headers.get("location", ""):
        raise SystemExit(f"password step refused ({status}); was the data generated with this SECRET_KEY?")
    token = browser.csrf("/sign-in/code")
    status, headers, _ = browser.go("POST", "/sign-in/code", {"csrf_token": token, "code": totp_code(database_url)})
    if status != 302 or "/sign-in" in headers.get("location", "/sign-in"):
        raise SystemExit(f"TOTP step refused ({status})")
    status, _headers, page = browser.go("GET", "/caseload/")
    if status != 200:
        raise SystemExit(f"signed in, but the caseload answered {status}")
    return browser.cookie


# Load ---------------------------------------------------------------------------------------------


def _client(args):
    """One client: requests back to back until the deadline. Returns latencies (s) and failures."""
    port, paths, cookie, deadline, expect, offset = args
    cookie = None if paths[0] == "/sign-in" else cookie
    latencies, failures, i = [], 0, offset
    while time.time() < deadline:
        path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            if isinstance(path, tuple):  # a form to post: saved means redirected back to the page
                status, _headers, body = request(port, "POST", path[0], cookie, path[1])
                ok = status == 302
            else:
                status, _headers, body = request(port, "GET", path, cookie)
                ok = status == 200 and expect.encode() in body
        except OSError:
            ok = False
        latencies.append(time.perf_counter() - began)
        failures += not ok
    return latencies, failures


def measure(pool, port, paths, cookie, seconds, concurrency, expect):
    deadline = time.time() + seconds
    began = time.perf_counter()
    results = pool.map(_client, [(port, paths, cookie, deadline, expect, n * 7) for n in range(concurrency)])
    elapsed = time.perf_counter() - began
    latencies = sorted(x for lat, _ in results for x in lat)
    failures = sum(f for _, f in results)
    return {
        "requests": len(latencies), "failures": failures, "rps": len(latencies) / elapsed,
        "p50": 1000 * percentile(latencies, 50), "p95": 1000 * percentile(latencies, 95),
    }


def percentile(values, p):
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


# Queries per page ---------------------------------------------------------------------------------


def query_counts(database_url, pages_for, *, explain=False):
    """{(who, page): (queries, slowest statement ms, its SQL, caseload size, (unit, units))} in-process, for
    the bench adviser, their organisation's manager and the manager of the smallest provider. Sessions are
    made directly (the HTTP sign-in is measured above); CSRF is off in this app only (saves are posted
    without a token; the check reads no table)."""
    from sqlalchemy import event, func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Organisation, Referral, User, UserSession
    from portal.security.tokens import new_token, token_hash

    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": bench.BENCH_SECRET_KEY, "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY,
                      "WTF_CSRF_ENABLED": False})
    results, explained = {}, {}
    # Requests run outside any app context of ours: inside one, Flask would reuse it (and its `g`,
    # where Flask-Login and the policy cache keep per-request state) for every request.
    with app.app_context():
        engine = db.engine
        smallest = db.session.execute(
            select(Organisation.id, Organisation.name, func.count(Referral.id)).join(
                Referral, Referral.organisation_id == Organisation.id)
            .group_by(Organisation.id, Organisation.name).order_by(func.count(Referral.id)).limit(1)).first()
        bench_user = db.session.scalar(select(User).where(User.email == bench.BENCH_EMAIL))
        largest_count = db.session.scalar(
            select(func.count()).select_from(Referral).where(Referral.organisation_id == bench_user.organisation_id))
        people = [("bench adviser", bench_user.id, largest_count)]
        # The same role at two caseload sizes in the same database: the bench organisation's manager
        # and the manager of the provider with the fewest referrals.
        for org_id, org_name, size in ((bench_user.organisation_id, bench_user.organisation.name, largest_count),
                                       tuple(smallest) if smallest else (None, None, 0)):
            manager = db.session.scalar(select(User).where(User.organisation_id == org_id, User.role == "manager"))
            if manager is not None and org_id is not None:
                people.append((f"manager, {org_name}", manager.id, size))
        db.session.remove()
    statements = []

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["query_began"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - conn.info.pop("query_began"), statement, parameters))

    for who, user_id, size in people:
        with app.app_context():
            user = db.session.get(User, user_id)
            token = new_token()
            db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id))
            db.session.commit()
            pages = pages_for(user)
            email = user.email
            db.session.remove()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
            session.permanent = True
        for name, page in pages.items():
            path, form = page["path"], page.get("form")

            def go():
                return client.post(path, data=form) if form else client.get(path)

            go()  # warm (templates, first connection); a save saves twice, on a day with room for both
            statements.clear()
            response = go()
            if response.status_code != (302 if form else 200):
                raise SystemExit(f"{path} answered {response.status_code} in-process for {who} ({email})")
            slowest = max(statements, key=lambda s: s[0]) if statements else (0, "", None)
            unit = page.get("unit") or ("", 0)
            results[(who, name)] = (len(statements), 1000 * slowest[0], slowest[1], size, unit)
            if explain and who == "bench adviser" and slowest[1]:
                explained[name] = _explain(engine, slowest[1], slowest[2])
    engine.dispose()
    return results, explained


def _explain(engine, statement, parameters):
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        connection.rollback()
    return f"{statement}\n-- parameters: {parameters}\n{plan}"


# The customers the pages use ------------------------------------------------------------------------

# Started customers of an organisation, with their newest plan version and latest week of hours. `rich`
# marks the plans with three years of history (bench.generate.RICH_MARK).
CUSTOMERS_SQL = """
SELECT c.id, c.reference, d.last_name, r.id AS referral_id, r.started_on,
       (SELECT max(v.id) FROM plan p JOIN plan_version v ON v.plan_id = p.id WHERE p.customer_id = c.id) AS version_id,
       (SELECT max(p.id) FROM plan p WHERE p.customer_id = c.id) AS plan_id,
       (SELECT max(h.week_start) FROM hours_entry h WHERE h.referral_id = r.id) AS last_week,
       EXISTS (SELECT 1 FROM plan p JOIN plan_version v ON v.plan_id = p.id
               WHERE p.customer_id = c.id AND v.reason = :mark) AS rich,
       EXISTS (SELECT 1 FROM plan p JOIN plan_version v ON v.plan_id = p.id
               WHERE p.customer_id = c.id AND v.status = 'agreed') AS agreed
FROM referral r JOIN customer c ON c.id = r.customer_id JOIN dwp_record d ON d.customer_id = c.id
WHERE r.organisation_id = :org AND r.status = 'started' AND r.transferred_from_id IS NULL
  AND r.subcontractor_id IS NULL
ORDER BY c.id
"""


def started_customers(connection, organisation_id, limit=None):
    from sqlalchemy import text

    from bench.generate import RICH_MARK

    sql = CUSTOMERS_SQL + (" LIMIT :limit" if limit else "")
    return connection.execute(text(sql), {"org": organisation_id, "mark": RICH_MARK, "limit": limit}).all()


def objective_days(connection, customer_id):
    """[(first day, day it ended or None, first objective id)] of each agreed version: an activity on a day
    names an objective of the version in force (the hours rules' own reading: UK dates of agreement and
    supersession)."""
    from sqlalchemy import text

    return connection.execute(text(
        "SELECT DISTINCT ON (v.id) (v.agreed_at AT TIME ZONE 'Europe/London')::date, "
        "(v.superseded_at AT TIME ZONE 'Europe/London')::date, o.id "
        "FROM plan p JOIN plan_version v ON v.plan_id = p.id JOIN plan_objective o ON o.version_id = v.id "
        "WHERE p.customer_id = :c AND v.agreed_at IS NOT NULL AND v.status IN ('agreed', 'superseded') "
        "ORDER BY v.id, o.position"), {"c": customer_id}).all()


def objective_on(periods, day):
    return next((str(objective) for since, until, objective in periods
                 if since <= day and (until is None or day < until)), "")


SAVE_DAYS = 42  # saves spread over the last six weeks, so that no day fills up however often the bench runs


def save_forms(connection, rows, today):
    """(path, form) posts adding a quarter hour to a day of the last six weeks for each customer: the
    activity names the objective in force that day, and an income-related ESA customer's long week is
    confirmed (R-HRS-5), as the adviser would on the page. Days with the fewest hours already go first."""
    from datetime import timedelta

    from sqlalchemy import text

    first_day = today - timedelta(days=SAVE_DAYS - 1)
    recorded = {(referral_id, day): quarters for referral_id, day, quarters in connection.execute(text(
        "SELECT referral_id, \"on\", sum(quarters) FROM hours_entry WHERE referral_id = ANY(:ids) "
        "AND removed_at IS NULL AND \"on\" >= :first GROUP BY referral_id, \"on\""),
        {"ids": [r.referral_id for r in rows], "first": first_day})}
    posts = []
    for row in rows:
        periods = objective_days(connection, row.id)
        for back in range(SAVE_DAYS):
            day = today - timedelta(days=back)
            if day < row.started_on:
                continue
            monday = day - timedelta(days=day.weekday())
            form = {"on": day.isoformat(), "activity": "cv_and_applications", "source": "provider",
                    "mode": "face_to_face", "hours": "0.25", "description": "Bench: job search session",
                    "objective": objective_on(periods, day), "esa_confirmed": "yes"}
            posts.append((recorded.get((row.referral_id, day), 0), back, row.id,
                          f"/customers/{row.id}/referrals/{row.referral_id}/hours/{monday.isoformat()}", form))
    posts.sort(key=lambda p: (p[0], p[1], p[2]))  # emptiest days first; customers interleaved
    return [(path, form) for _q, _b, _c, path, form in posts]


def bench_pages(database_url, sample=40):
    """The paths the load uses, for customers of the bench adviser's organisation: `sample` started
    customers for the pages, `sample` others for the saves (so the weeks measured do not fill up with
    the benchmark's own saves), and the customers whose plan has three years of history."""
    from datetime import date, timedelta

    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        org = connection.scalar(text("SELECT organisation_id FROM user_account WHERE email = :e"),
                                {"e": bench.BENCH_EMAIL})
        everyone = started_customers(connection, org)
        ordinary = [r for r in everyone if not r.rich and r.version_id and r.last_week]
        rows, rest = ordinary[:sample], ordinary[sample:]
        today = date.today()
        savers = [r for r in rest if r.started_on <= today - timedelta(days=SAVE_DAYS)][:sample]
        rich = [r for r in everyone if r.rich]
        customers = connection.scalar(text("SELECT count(*) FROM customer"))
        saves = save_forms(connection, savers, today)
    engine.dispose()
    if not rows or not rich or not saves:
        raise SystemExit("no started customers (or none with a long plan history) for the bench adviser: "
                         "generate the data first")
    step = max(1, len(rows) // 10)
    return {
        "caseload, first page": (["/caseload/"], "Caseload"),
        "caseload, search by name": ([f"/caseload/?q={urllib.parse.quote(r.last_name)}" for r in rows[::step]],
                                     "Caseload"),
        "caseload, search by reference": ([f"/caseload/?q={r.reference}" for r in rows], "Caseload"),
        "customer page": ([f"/customers/{r.id}" for r in rows], "Referral"),
        **pages_of_plans_and_hours(rows, rich),
        "save an activity in a week": (saves, ""),
    }, customers


# name: (path for one customer row, text the page must hold). `rich` pages use the customers whose plan
# has three years of history; the others use ordinary customers (one version, up to two years of hours).
PLAN_AND_HOURS_PAGES = {
    "plan version page (1 version)": (False, "/customers/{r.id}/plan/{r.version_id}", "Support plan"),
    "plan version page (13 versions)": (True, "/customers/{r.id}/plan/{r.version_id}", "Support plan"),
    "plan objectives list (50 objectives)": (True, "/customers/{r.id}/plan/{r.version_id}/items/objectives",
                                             "Objectives"),
    "plan versions list (13 versions)": (True, "/customers/{r.id}/plan/", "Individual Support Plan"),
    "plan reviews (12 reviews)": (True, "/customers/{r.id}/plan/{r.plan_id}/reviews", "Reviews"),
    "week of hours": (False, "/customers/{r.id}/referrals/{r.referral_id}/hours/{r.last_week}", "Week from"),
    "hours summary (up to 2 years)": (False, "/customers/{r.id}/referrals/{r.referral_id}/hours/summary",
                                      "Hours summary"),
    "hours summary (3 years, 50 objectives)": (True, "/customers/{r.id}/referrals/{r.referral_id}/hours/summary",
                                               "Hours summary"),
}


def pages_of_plans_and_hours(rows, rich):
    """Issue 4 and 5 pages: plans, a week of hours, the hours summaries, the caseload's hours grid."""
    pages = {name: ([template.format(r=r) for r in (rich if for_rich else rows)], expect)
             for name, (for_rich, template, expect) in PLAN_AND_HOURS_PAGES.items()}
    pages["caseload hours (8 weeks x 25)"] = (["/caseload/hours"], "Caseload hours")
    pages["caseload hours (8 weeks x 50)"] = (["/caseload/hours"], "Caseload hours")  # served by bench/wide_app.py
    return pages


def csrf_token(port, cookie, path):
    status, _headers, page = request(port, "GET", path, cookie)
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    if status != 200 or not match:
        raise SystemExit(f"no form at {path} ({status})")
    return html.unescape(match.group(1).decode())


def saving_a_week(port, cookie, posts):
    """The save posts with the session's CSRF token (it lasts as long as the session). Each is a real save:
    an entry and its audit event, answered by a redirect to the week. One is tried first, so that a
    refusal stops the run with the page's reason instead of being timed."""
    token = csrf_token(port, cookie, posts[0][0])
    posts = [(path, dict(form, csrf_token=token)) for path, form in posts]
    status, _headers, page = request(port, "POST", posts[0][0], cookie, posts[0][1])
    if status != 302:
        errors = re.findall(rb'<a href="#[^"]*">([^<]+)</a>', page)
        raise SystemExit(f"a save was refused ({status}): {b'; '.join(errors).decode() or 'no reason shown'}")
    return posts[1:] + posts[:1]


def count_customers(database_url):
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(database_url)
    try:
        if not inspect(engine).has_table("customer"):
            return 0
        with engine.connect() as connection:
            has_user = connection.scalar(text("SELECT count(*) FROM user_account WHERE email = :e"),
                                         {"e": bench.BENCH_EMAIL})
            return connection.scalar(text("SELECT count(*) FROM customer")) if has_user else 0
    finally:
        engine.dispose()


def check_generated(database_url):
    """Refuse a data set made by an older generator (no plan with a long history, no objectives)."""
    from sqlalchemy import create_engine, text

    from bench.generate import RICH_MARK

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rich = connection.scalar(text("SELECT count(DISTINCT plan_id) FROM plan_version WHERE reason = :m"),
                                 {"m": RICH_MARK})
        objectives = connection.scalar(text("SELECT EXISTS (SELECT 1 FROM hours_entry WHERE objective_id IS NOT NULL)"))
    engine.dispose()
    if not rich or not objectives:
        raise SystemExit(f"{database_url} was made by an older bench.generate (no plans with three years of "
                         "history, or no activity naming an objective): generate it again with\n"
                         f"  .venv/bin/python -m bench.generate --database-url {database_url} --customers N --reset")
    return rich


def pages_in_process(user):
    """The same pages for the in-process query count, for any provider user: customers of the same shape
    (started, not transferred in, not assigned to a sub-contractor) at every data size. Each page names
    the unit its count may grow with (a bounded N+1), counted in the database."""
    from datetime import date, timedelta

    from sqlalchemy import text

    from portal.extensions import db

    connection = db.session.connection()
    everyone = started_customers(connection, user.organisation_id)
    # An agreed plan at every size, so that the pages and the save read the same things (the objectives
    # in force) whatever the data size.
    ordinary = [r for r in everyone if not r.rich and r.version_id and r.last_week and r.agreed]
    today = date.today()
    row = ordinary[0]
    saver = next((r for r in ordinary[1:] if r.started_on <= today - timedelta(days=SAVE_DAYS)), None)
    rich = next((r for r in everyone if r.rich), None)

    def support_items(version_id):
        return ("support items", connection.scalar(
            text("SELECT count(*) FROM plan_support_item WHERE version_id = :v"), {"v": version_id}))

    def objectives_named(r):
        return ("objectives named", connection.scalar(text(
            "SELECT count(DISTINCT objective_id) FROM hours_entry WHERE referral_id = :r AND week_start = :w "
            "AND removed_at IS NULL"), {"r": r.referral_id, "w": r.last_week}))

    def newest_agreed_support_items(r):
        return support_items(connection.scalar(text(
            "SELECT v.id FROM plan p JOIN plan_version v ON v.plan_id = p.id WHERE p.customer_id = :c "
            "AND v.status IN ('agreed', 'superseded') ORDER BY v.number DESC LIMIT 1"), {"c": r.id}) or 0)

    pages = {
        "caseload, first page": {"path": "/caseload/"},
        "caseload, search by name": {"path": f"/caseload/?q={urllib.parse.quote(row.last_name)}"},
        "caseload, search by reference": {"path": f"/caseload/?q={row.reference}"},
        "customer page": {"path": f"/customers/{row.id}"},
    }
    units = {"plan version page": lambda r: support_items(r.version_id), "week of hours": objectives_named,
             "hours summary": newest_agreed_support_items}
    for name, (for_rich, template, _expect) in PLAN_AND_HOURS_PAGES.items():
        r = rich if for_rich else row
        if r is None:
            continue
        unit = next((fn for prefix, fn in units.items() if name.startswith(prefix)), None)
        pages[name] = {"path": template.format(r=r), "unit": unit(r) if unit else None}
    if rich is not None:
        pages["week of hours (3 years, 13 versions)"] = {
            "path": PLAN_AND_HOURS_PAGES["week of hours"][1].format(r=rich), "unit": objectives_named(rich)}
    pages["caseload hours (8 weeks x 25)"] = {"path": "/caseload/hours"}
    # A save on the day of the last six weeks with the fewest hours, for a customer the pages above do not
    # show (a small provider may have none of that shape: no save is counted for its manager then).
    if saver is not None:
        path, form = save_forms(connection, [saver], today)[0]
        pages["save an activity in a week"] = {"path": path, "form": form}
    return pages


# Report -------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DATABASE_URL))
    parser.add_argument("--customers", type=int, default=100_000,
                        help="generate this many customers first if the database has fewer")
    parser.add_argument("--compare-database-url", help="a data set of another size, for the query counts")
    parser.add_argument("--seconds", type=float, default=10, help="per page and phase")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="1,000 customers and 2 s per phase")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of each page")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.seconds = min(args.customers, 1000), 2
    os.chdir(ROOT)

    have = count_customers(args.database_url)
    if have < args.customers:
        from bench.generate import generate

        print(f"The database has {have:,} bench customers; generating {args.customers:,}.")
        generate(args.database_url, args.customers, reset=True)
    check_generated(args.database_url)
    if args.compare_database_url:
        check_generated(args.compare_database_url)
    paths, customers = bench_pages(args.database_url)

    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": bench.BENCH_SECRET_KEY,
           "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY,
           "DATABASE_URL": args.database_url, "FLASK_DEBUG": "0"}
    env.pop("TEST_DATABASE_URL", None)
    logs = ROOT / "instance"
    logs.mkdir(exist_ok=True)
    portal_port, wide_port, trivial_port = free_port(), free_port(), free_port()
    servers = []
    results = {}
    try:
        servers.append(start_gunicorn("wsgi:app", portal_port, env, logs / "bench-portal.log"))
        servers.append(start_gunicorn("bench.wide_app:app", wide_port, env, logs / "bench-portal-wide.log"))
        servers.append(start_gunicorn("bench.trivial_app:app", trivial_port, env, logs / "bench-trivial.log"))
        cookie = sign_in(portal_port, args.database_url)
        print(f"Signed in as {bench.BENCH_EMAIL} through HTTP; {customers:,} customers in the database.")
        saves, _expect = paths["save an activity in a week"]
        paths["save an activity in a week"] = (saving_a_week(portal_port, cookie, saves), "")
        targets = [("trivial route (first)", trivial_port, ["/"], "Hello"),
                   ("portal /healthz (1 query, no page)", portal_port, ["/healthz"], ""),
                   ("portal sign-in page (layout, no data)", portal_port, ["/sign-in"], "Sign in"),
                   *[(name, wide_port if name.endswith("x 50)") else portal_port, p, expect)
                     for name, (p, expect) in paths.items()],
                   ("trivial route (last)", trivial_port, ["/"], "Hello")]
        with multiprocessing.get_context("fork").Pool(args.concurrency) as pool:
            for name, port, page_paths, expect in targets:
                measure(pool, port, page_paths, cookie, min(2, args.seconds), args.concurrency, expect)  # warm-up
                single = measure(pool, port, page_paths, cookie, args.seconds, 1, expect)
                loaded = measure(pool, port, page_paths, cookie, args.seconds, args.concurrency, expect)
                results[name] = (single, loaded)
                print(f"  {name:<40} c=1 {single['rps']:7.1f}/s p50 {single['p50']:6.1f} p95 {single['p95']:6.1f} ms"
                      f" | c={args.concurrency} {loaded['rps']:7.1f}/s p50 {loaded['p50']:6.1f} "
                      f"p95 {loaded['p95']:6.1f} ms | failures {single['failures'] + loaded['failures']}", flush=True)
    finally:
        for server in servers:
            stop(server)

    counts, explained = query_counts(args.database_url, pages_in_process, explain=args.explain)
    compare = {}
    if args.compare_database_url:
        compare, _ = query_counts(args.compare_database_url, pages_in_process)
    report(args, customers, results, counts, compare, explained)
    failures = sum(s["failures"] + l["failures"] for s, l in results.values())
    return 1 if failures else 0


def report(args, customers, results, counts, compare, explained):
    trivial = [results[k] for k in results if k.startswith("trivial")]
    base_rps = statistics.mean(loaded["rps"] for _single, loaded in trivial)
    base_p50 = statistics.mean(single["p50"] for single, _loaded in trivial)
    c = args.concurrency
    print()
    print(f"## Results: {customers:,} customers, gunicorn 2 sync workers, {args.seconds:g} s per phase, "
          f"{os.cpu_count()} CPUs, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print()
    print(f"| page | c=1 p50 ms | c=1 p95 ms | c={c} req/s | c={c} p50 ms | c={c} p95 ms | throughput vs trivial | failures |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, (single, loaded) in results.items():
        print(f"| {name} | {single['p50']:.1f} | {single['p95']:.1f} | {loaded['rps']:.0f} | {loaded['p50']:.1f} | "
              f"{loaded['p95']:.1f} | {loaded['rps'] / base_rps:.2f} | {single['failures'] + loaded['failures']} |")
    print()
    print(f"Trivial baseline (mean of first and last): {base_rps:.0f} req/s at c={c}, p50 {base_p50:.1f} ms at c=1.")
    print()
    print(f"Aims, one client at a time (c=1 p95): the project's {P95_AIM_MS} ms for every page; issue 5's own "
          "80 ms for the week page and saving a week, 150 ms for a 50-customer caseload summary. Issue 2: the "
          "caseload at a third of the trivial route's throughput.")
    for name, (single, loaded) in results.items():
        if name.startswith(("trivial", "portal ")):
            continue
        aims = [(P95_AIM_MS, "project")] + [(ms, "issue 5") for prefix, ms in ISSUE_5_AIMS.items()
                                            if name.startswith(prefix)]
        verdicts = ", ".join(f"{'met' if single['p95'] < ms else 'MISSED'} against {ms} ms ({who})"
                             for ms, who in aims)
        line = f"- {name}: p95 {single['p95']:.1f} ms ({verdicts}); {loaded['p95']:.1f} ms at c={c}"
        if name.startswith("caseload") and not name.startswith("caseload hours"):
            ratio = loaded["rps"] / base_rps
            line += f"; throughput {ratio:.2f} of trivial ({'met' if ratio >= THROUGHPUT_AIM else 'MISSED'})"
        print(line)
    print()
    print("## SQL queries per page (in-process, second request of each)")
    print()
    print("A page's count may grow with a unit it shows (customers listed, support items, objectives named): "
          "an N+1 bounded by that page, not by the data. 'Fixed' is the count less those units.")
    print()
    print("| who (referrals in their caseload), database | page | unit | units | queries | fixed | slowest query ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for source, label in ((counts, f"{customers:,} customers"), (compare, "compare database")):
        for (who, page), (n, slow_ms, _sql, size, (unit, units)) in source.items():
            print(f"| {who} ({size:,}), {label} | {page} | {unit} | {units} | {n} | {n - units} | {slow_ms:.1f} |")
    totals, fixed, sizes_seen = {}, {}, {}
    for (who, page), (n, _ms, _sql, size, (_unit, units)) in list(counts.items()) + list(compare.items()):
        # The same user (same organisation and role) in each database: the data set is seeded.
        totals.setdefault((who, page), set()).add(n)
        fixed.setdefault((who, page), set()).add(n - units)
        sizes_seen.setdefault((who, page), set()).add(size)
    print()
    compared = sorted(key for key, sizes in sizes_seen.items() if len(sizes) > 1)
    if not compared:
        print("Queries per page at two data sizes: nothing to compare: give --compare-database-url.")
    else:
        same = [k for k in compared if len(totals[k]) == 1]
        per_unit = [k for k in compared if len(totals[k]) > 1 and len(fixed[k]) == 1]
        growing = [k for k in compared if len(fixed[k]) > 1]
        print(f"Queries per page, same user at two data sizes ({len(compared)} pages × users): "
              f"{len(same)} the same; {len(per_unit)} the same less their units"
              + (" (" + ", ".join(sorted({p for _w, p in per_unit})) + ")" if per_unit else "")
              + "; " + (f"{len(growing)} NOT constant: " + ", ".join(
                  f"{w} / {p}: {sorted(totals[(w, p)])}" for w, p in growing) if growing else "none grows with the data."))
    # Issues 4 and 5: the count must not grow with a plan's versions or the length of the hours history.
    for short, long_, what in HISTORY_PAIRS:
        a, b = counts.get(("bench adviser", short)), counts.get(("bench adviser", long_))
        if a and b:
            fa, fb = a[0] - a[4][1], b[0] - b[4][1]
            print(f"'{long_}' against '{short}': {b[0]} and {a[0]} queries, {fb} and {fa} less their units: "
                  + ("independent of " + what if fa == fb else "GROWS with " + what) + ".")
    for page, text in explained.items():
        print(f"\n### Slowest query of '{page}'\n\n```\n{text}\n```")


if __name__ == "__main__":
    sys.exit(main())
