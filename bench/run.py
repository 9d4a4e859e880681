"""Measure the portal's main pages against a trivial Flask route, in the same run, on PostgreSQL.

    .venv/bin/python -m bench.run --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench \
        --customers 100000 [--compare-database-url URL] [--quick] [--explain]

1. Makes sure the database holds the generated data set (runs bench.generate --reset when it has fewer
   customers than --customers).
2. Starts gunicorn with 2 sync workers for the portal (`wsgi:app`, PORTAL_ENV=production) and another for
   bench/trivial_app.py, on loopback ports.
3. Signs in as the bench adviser through real HTTP (email and password, then a TOTP code).
4. For the trivial route, the caseload's first page, a caseload search by name, one by reference and a
   customer page: one client at a time (latency), then --concurrency clients (throughput, and latency
   under load), each for --seconds. The trivial route is measured first and again last.
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
            status, _headers, _body = request(port, "GET", "/healthz" if app_path == "wsgi:app" else "/")
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
    """{(who, page): (queries, slowest statement ms, its SQL)} in-process, for the bench adviser and the
    manager of the smallest provider. Sessions are made directly (the HTTP sign-in is measured above)."""
    from sqlalchemy import event, func, select

    from portal import create_app
    from portal.extensions import db
    from portal.models import Organisation, Referral, User, UserSession
    from portal.security.tokens import new_token, token_hash

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": bench.BENCH_SECRET_KEY})
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
        for name, path in pages.items():
            client.get(path)  # warm (templates, first connection)
            statements.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code} in-process for {who} ({email})")
            slowest = max(statements, key=lambda s: s[0]) if statements else (0, "", None)
            shown = len(set(re.findall(rb'href="/customers/(\d+)"', response.data))) if path.startswith("/caseload") else 1
            results[(who, name)] = (len(statements), 1000 * slowest[0], slowest[1], size, shown)
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


def bench_pages(database_url, sample=40):
    """The paths the load uses: references and customers of the bench adviser's organisation."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT c.id, c.reference, d.last_name, r.id AS referral_id, "
            "(SELECT max(v.id) FROM plan p JOIN plan_version v ON v.plan_id = p.id WHERE p.customer_id = c.id) AS version_id, "
            "(SELECT max(h.week_start) FROM hours_entry h WHERE h.referral_id = r.id) AS last_week "
            "FROM referral r JOIN customer c ON c.id = r.customer_id "
            "JOIN dwp_record d ON d.customer_id = c.id JOIN user_account u ON u.organisation_id = r.organisation_id "
            "WHERE u.email = :e AND r.status = 'started' ORDER BY c.id LIMIT :n"), {"e": bench.BENCH_EMAIL, "n": sample}
        ).all()
        customers = connection.scalar(text("SELECT count(*) FROM customer"))
    engine.dispose()
    if not rows:
        raise SystemExit("no started customers for the bench adviser: generate the data first")
    step = max(1, len(rows) // 10)
    return {
        "caseload, first page": (["/caseload/"], "Caseload"),
        "caseload, search by name": ([f"/caseload/?q={urllib.parse.quote(r.last_name)}" for r in rows[::step]],
                                     "Caseload"),
        "caseload, search by reference": ([f"/caseload/?q={r.reference}" for r in rows], "Caseload"),
        "customer page": ([f"/customers/{r.id}" for r in rows], "Referral"),
        **pages_of_plans_and_hours(rows),
    }, customers


def pages_of_plans_and_hours(rows):
    """Issue 4 and 5 pages for customers of the bench adviser: the plan, a week of hours, the summary."""
    with_plan = [r for r in rows if r.version_id]
    with_hours = [r for r in rows if r.last_week]
    return {
        "plan version page": ([f"/customers/{r.id}/plan/{r.version_id}" for r in with_plan], "Support plan"),
        "week of hours": ([f"/customers/{r.id}/referrals/{r.referral_id}/hours/{r.last_week.isoformat()}"
                           for r in with_hours], "Week from"),
        "hours summary": ([f"/customers/{r.id}/referrals/{r.referral_id}/hours/summary" for r in with_hours],
                          "Hours summary"),
        "caseload hours (8 weeks)": (["/caseload/hours"], "Caseload hours"),
    }


def saving_a_week(port, cookie, week_paths):
    """POSTs adding a quarter hour today to this week of each sampled customer, with the session's CSRF
    token (it does not expire within a session). Each is a real save: an entry, its audit event."""
    from datetime import date, timedelta

    today = date.today()
    status, _headers, page = request(port, "GET", week_paths[0], cookie)
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', page)
    if status != 200 or not match:
        raise SystemExit(f"no hours form at {week_paths[0]} ({status})")
    token = html.unescape(match.group(1).decode())
    form = {"csrf_token": token, "on": today.isoformat(), "activity": "cv_and_applications", "source": "provider",
            "mode": "face_to_face", "hours": "0.25", "description": "Bench: job search session", "objective": "",
            # R-HRS-5: past 16 hours for an income-related ESA customer the adviser confirms, as on the page.
            "esa_confirmed": "yes"}
    posts = []
    probe_day = today - timedelta(days=43)  # a day the spread below never uses: its 24 hours stay free
    probe_monday = probe_day - timedelta(days=probe_day.weekday())
    form["on"] = probe_day.isoformat()
    for path in week_paths:
        week = path.rsplit("/", 1)[0] + "/" + probe_monday.isoformat()
        _status, _headers, page = request(port, "GET", week, cookie)
        # An agreed plan's objectives: the activity names the one it serves, as an adviser would choose.
        select_html = re.search(rb'<select[^>]*name="objective".*?</select>', page, re.S)
        options = re.findall(rb'<option value="(\d+)"', select_html.group(0)) if select_html else []
        post = (week, dict(form, objective=options[0].decode() if options else ""))
        # The generator's agreed plans have no objectives, so for those customers no activity can name one
        # and every save is refused (rightly): keep the customers for whom a first save goes through.
        if request(port, "POST", *post[:1], cookie, post[1])[0] == 302:
            posts.append(post)
    if not posts:
        raise SystemExit("no sampled customer's week accepts an activity")
    # Spread the saves over the last six weeks, so that no day reaches its 24-hour limit however often
    # the benchmark runs: each (customer, day) gets a quarter hour a run.
    spread = []
    for back in range(42):
        day = today - timedelta(days=back)
        week_of_day = (day - timedelta(days=day.weekday())).isoformat()
        spread += [(path.rsplit("/", 1)[0] + "/" + week_of_day, dict(form, on=day.isoformat())) for path, form in posts]
    return spread


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


def pages_in_process(user):
    """The same pages for the in-process query count, for any provider user: a customer of the same
    shape (started, not transferred in, not assigned to a sub-contractor) at every data size."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Customer, DwpRecord, Referral

    from portal.models import HoursEntry, Plan, PlanVersion
    from sqlalchemy import func

    version_id = (select(func.max(PlanVersion.id)).join(Plan, Plan.id == PlanVersion.plan_id)
                  .where(Plan.customer_id == Customer.id).scalar_subquery())
    last_week = (select(func.max(HoursEntry.week_start)).where(HoursEntry.referral_id == Referral.id)
                 .scalar_subquery())
    row = db.session.execute(
        select(Customer.id, Customer.reference, DwpRecord.last_name, Referral.id.label("referral_id"),
               version_id.label("version_id"), last_week.label("last_week"))
        .join(Referral, Referral.customer_id == Customer.id)
        .join(DwpRecord, DwpRecord.customer_id == Customer.id)
        .where(Referral.organisation_id == user.organisation_id, Referral.status == "started",
               Referral.transferred_from_id.is_(None), Referral.subcontractor_id.is_(None),
               version_id.is_not(None), last_week.is_not(None))
        .order_by(Customer.id).limit(1)).first()
    return {
        "caseload, first page": "/caseload/",
        "caseload, search by name": f"/caseload/?q={urllib.parse.quote(row.last_name)}",
        "caseload, search by reference": f"/caseload/?q={row.reference}",
        "customer page": f"/customers/{row.id}",
        **{name: paths[0] for name, (paths, _expect) in pages_of_plans_and_hours([row]).items()},
        **_long_plan_history(user),
    }


def _long_plan_history(user):
    """The plan page of a customer with 13 versions (bench.rich_plans), where this user may see one."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Plan, PlanVersion, Referral
    from bench.rich_plans import MARK

    row = db.session.execute(
        select(Plan.customer_id, func.max(PlanVersion.id)).join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .join(Referral, Referral.id == PlanVersion.referral_id)
        .where(Referral.organisation_id == user.organisation_id,
               Plan.id.in_(select(PlanVersion.plan_id).where(PlanVersion.reason == MARK)))
        .group_by(Plan.customer_id).order_by(Plan.customer_id).limit(1)).first()
    return {"plan page, 13 versions of 50 objectives": f"/customers/{row[0]}/plan/{row[1]}"} if row else {}


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
    from bench.rich_plans import enrich

    rich = enrich(args.database_url)  # a few plans with 3 years of versions and reviews (issue 4)
    if args.compare_database_url:
        enrich(args.compare_database_url)
    paths, customers = bench_pages(args.database_url)
    paths["plan page, 13 versions of 50 objectives"] = (
        [f"/customers/{customer_id}/plan/{version_id}" for customer_id, version_id in rich], "Support plan")

    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": bench.BENCH_SECRET_KEY,
           "DATABASE_URL": args.database_url, "FLASK_DEBUG": "0"}
    env.pop("TEST_DATABASE_URL", None)
    logs = ROOT / "instance"
    logs.mkdir(exist_ok=True)
    portal_port, trivial_port = free_port(), free_port()
    servers = []
    results = {}
    try:
        servers.append(start_gunicorn("wsgi:app", portal_port, env, logs / "bench-portal.log"))
        servers.append(start_gunicorn("bench.trivial_app:app", trivial_port, env, logs / "bench-trivial.log"))
        cookie = sign_in(portal_port, args.database_url)
        print(f"Signed in as {bench.BENCH_EMAIL} through HTTP; {customers:,} customers in the database.")
        paths["save an activity in a week"] = (saving_a_week(portal_port, cookie, paths["week of hours"][0]), "")
        targets = [("trivial route (first)", trivial_port, ["/"], "Hello"),
                   ("portal /healthz (1 query, no page)", portal_port, ["/healthz"], ""),
                   ("portal sign-in page (layout, no data)", portal_port, ["/sign-in"], "Sign in"),
                   *[(name, portal_port, p, expect) for name, (p, expect) in paths.items()],
                   ("trivial route (last)", trivial_port, ["/"], "Hello")]
        with multiprocessing.get_context("fork").Pool(args.concurrency) as pool:
            for name, port, page_paths, expect in targets:
                measure(pool, port, page_paths, cookie, min(2, args.seconds), args.concurrency, expect)  # warm-up
                single = measure(pool, port, page_paths, cookie, args.seconds, 1, expect)
                loaded = measure(pool, port, page_paths, cookie, args.seconds, args.concurrency, expect)
                results[name] = (single, loaded)
                print(f"  {name:<32} c=1 {single['rps']:7.1f}/s p50 {single['p50']:6.1f} p95 {single['p95']:6.1f} ms"
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
    print("Aims for the caseload pages: p95 under 60 ms, and at least a third of the trivial route's throughput.")
    for name, (single, loaded) in results.items():
        if not name.startswith("caseload"):
            continue
        ratio = loaded["rps"] / base_rps
        print(f"- {name}: p95 {single['p95']:.1f} ms at c=1 / {loaded['p95']:.1f} ms at c={c} "
              f"({'met' if single['p95'] < P95_AIM_MS else 'MISSED'} at c=1, "
              f"{'met' if loaded['p95'] < P95_AIM_MS else 'missed'} at c={c}); "
              f"throughput {ratio:.2f} of trivial ({'met' if ratio >= THROUGHPUT_AIM else 'MISSED'})")
    print()
    print("## SQL queries per page (in-process, second request of each)")
    print()
    print("| who (referrals in their caseload), database | page | rows shown | queries | queries less rows | slowest query ms |")
    print("|---|---|---:|---:|---:|---:|")
    for source, label in ((counts, f"{customers:,} customers"), (compare, "compare database")):
        for (who, page), (n, slow_ms, _sql, size, shown) in source.items():
            print(f"| {who} ({size:,}), {label} | {page} | {shown} | {n} | {n - shown} | {slow_ms:.1f} |")
    totals, fixed, sizes_seen = {}, {}, {}
    for (who, page), (n, _ms, _sql, size, shown) in list(counts.items()) + list(compare.items()):
        role = who  # the same user (same organisation and role) in each database: the data set is seeded
        totals.setdefault((role, page), set()).add(n)
        fixed.setdefault((role, page), set()).add(n - shown)
        sizes_seen.setdefault((role, page), set()).add(size)
    print()
    compared = {key for key, sizes in sizes_seen.items() if len(sizes) > 1}
    same_total = all(len(totals[key]) == 1 for key in compared)
    same_fixed = all(len(fixed[key]) == 1 for key in compared)
    roles = sorted({role for role, _page in compared})
    print(f"Queries per page, same user ({'; '.join(roles) or 'none'}) at "
          f"{max((len(sizes_seen[k]) for k in compared), default=1)} data sizes: " + (
              "nothing to compare: give --compare-database-url." if not compared else
              "the same (they do not grow with the data)." if same_total else
              "a fixed number plus one per row shown (bounded by the page size, not the data)." if same_fixed else
              "NOT constant: " + ", ".join(f"{r} {p}: {sorted(totals[(r, p)])}" for (r, p) in compared
                                           if len(totals[(r, p)]) > 1)))
    for page, text in explained.items():
        print(f"\n### Slowest query of '{page}'\n\n```\n{text}\n```")


if __name__ == "__main__":
    sys.exit(main())
