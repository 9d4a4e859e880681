"""Load and faults (issue 11): signed-in users reading and writing through gunicorn on PostgreSQL while the
database is stopped, two tables are locked and a worker is killed; then every acknowledged write is looked for.

    .venv/bin/python -m bench.faults [--seconds 180] [--users 60] [--pairs 5] [--faults db,lock,kill]

Not a test, and loopback only. About --seconds + 2 minutes (setup, sign-in, draining, shutdown).
See bench/README.md for how to read the report.

1. (Re)builds its own database (default isp_bench_fault, created if missing, schema dropped and rebuilt with the
   real migrations): one SES provider, --users advisers each with a known password and their own TOTP secret,
   each with a started customer whose plan is a draft; --pairs more customers whose plans pairs of advisers
   save at the same instant.
2. Starts gunicorn with the repository's gunicorn.conf.py (preload_app, access log) on 127.0.0.1:<free port>,
   PORTAL_ENV=production, and signs every adviser in through HTTP (password, then TOTP).
3. For --seconds: each adviser opens pages (caseload, customer, plan version, a week of hours) and writes (adds a
   quarter hour to a day, with a unique marker in its description; saves the plan's "length" section, with a
   unique marker, carrying the lock_version of the form it opened); pairs of advisers open the same section
   and post it at the same instant; /healthz is probed four times a second. Meanwhile, at set times: the
   database is stopped for 20 s (pg_ctlcluster stop -m fast, or SIGSTOP with --db-fault freeze), the
   hours_entry and plan_version tables are held in ACCESS EXCLUSIVE lock for 30 s, one worker is SIGKILLed.
4. Stops gunicorn, then reads the database: each acknowledged hours entry must be there exactly once, each
   acknowledged plan save must be what the next reader saw, and a same-instant pair must give one "saved" and
   one conflict. Prints tables and writes JSON to bench/results/.

The clients are in bench/fault_clients.py, the verdicts and the report in bench/fault_verdicts.py.
The database is always started again and the lock always released: in `finally`, on SIGINT/SIGTERM/SIGHUP,
and by a detached watchdog (`sh -c 'sleep N; pg_ctlcluster ... start'`) should this process be SIGKILLed.
"""
import argparse
import base64
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import bench
from bench.fault_clients import PASSWORD, Adviser, Recorder, http, probe_health, run_pair
from bench.fault_verdicts import (
    check_writes, count_by, fault_timings, fmt, gunicorn_log_counts, phase_table, report, targets,
)
from bench.run import GUNICORN, ROOT, free_port

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench_fault"
ORGANISATION = "Bench Faults Provider"
RESULTS = ROOT / "bench" / "results"


def say(message):
    print(message, file=sys.stderr, flush=True)


def totp_secret(n):
    """Each adviser's own TOTP secret, known to the harness (and only to it)."""
    return base64.b32encode(hashlib.sha256(f"bench faults adviser {n}".encode()).digest()[:20]).decode()


def email(n):
    return f"adviser{n + 1:02d}@faults.bench.example"


# The database ---------------------------------------------------------------------------------------------------

def ensure_database(database_url):
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    server = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
            connection.execute(f'CREATE DATABASE "{url.database}"')


def libpq_url(database_url):
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_data(database_url, users, pairs):
    """Advisers with known credentials, each with a started customer and a draft plan; `pairs` more plans for
    the same-instant saves. Returns what the clients need to know."""
    from sqlalchemy import select

    from bench.documents import make_started_customer, rebuild_schema
    from portal import create_app
    from portal.extensions import db
    from portal.models import Organisation, OrganisationKind, Programme, Role, User
    from portal.models.base import utcnow
    from portal.security import passwords, totp
    from portal.services import plans

    ensure_database(database_url)
    app = create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECRET_KEY": bench.BENCH_SECRET_KEY, "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY})
    with app.app_context():
        rebuild_schema()
        programme = db.session.scalar(select(Programme).where(Programme.code == "SES"))
        organisation = Organisation(name=ORGANISATION, kind=OrganisationKind.PRIVATE_PROVIDER,
                                    security_accredited=True, programmes=[programme])
        db.session.add(organisation)
        password_hash = passwords.hash_password(PASSWORD)  # one production-profile hash, shared
        advisers = []
        for n in range(users):
            advisers.append(User(email=email(n), name=f"Fault Adviser {n + 1}", role=Role.ADVISER,
                                 organisation=organisation, password_hash=password_hash, password_changed_at=utcnow(),
                                 totp_secret_encrypted=totp.encrypt_secret(totp_secret(n)),
                                 totp_confirmed_at=utcnow()))
        db.session.add_all(advisers)
        db.session.commit()

        def customer_with_plan(n, adviser):
            customer, referral, name = make_started_customer(n, organisation, programme, adviser, "en", "standard")
            plan = plans.start_plan(customer=customer, referral=referral, by=adviser, customer_name=name)
            version = plan.versions[0]
            return {"customer_id": customer.id, "referral_id": referral.id, "version_id": version.id,
                    "started_on": referral.started_on.isoformat(), "lock_version": version.lock_version}

        people = [{"n": n, "email": email(n), "secret": totp_secret(n), **customer_with_plan(n, adviser)}
                  for n, adviser in enumerate(advisers)]
        shared = [customer_with_plan(users + k, advisers[2 * k]) for k in range(pairs)]
        db.session.remove()
        db.engine.dispose()
    return people, shared

# Faults ----------------------------------------------------------------------------------------------------------

class Faults:
    """Stops/freezes the database, holds a table lock, kills a worker; and always undoes the first two."""

    def __init__(self, args, recorder, gunicorn, log_path):
        self.args, self.recorder, self.gunicorn, self.log_path = args, recorder, gunicorn, log_path
        self.version, self.cluster = args.pg_cluster.split()
        self.lock_connection = None
        self.database_down = False
        self.frozen = []
        self.watchdog = None
        self.done = {}
        self._undo = threading.Lock()

    def _ctl(self, action, timeout=60):
        return subprocess.run(["pg_ctlcluster", self.version, self.cluster, action, *(
            ["-m", "fast"] if action == "stop" else [])], capture_output=True, text=True, timeout=timeout)

    def _postgres_pids(self):
        data = Path(f"/var/lib/postgresql/{self.version}/{self.cluster}/postmaster.pid")
        postmaster = int(data.read_text().split()[0])
        return [postmaster, *sorted(children(postmaster))]

    def _start_watchdog(self, after):
        if self.args.db_fault == "stop":
            command = (f"sleep {after}; pg_ctlcluster {self.version} {self.cluster} status >/dev/null 2>&1 || "
                       f"pg_ctlcluster {self.version} {self.cluster} start")
        else:
            command = f"sleep {after}; kill -CONT {' '.join(map(str, self.frozen))} 2>/dev/null"
        self.watchdog = subprocess.Popen(["sh", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)

    def stop_database(self):
        self.database_down = True
        if self.args.db_fault == "stop":
            self._start_watchdog(self.args.db_seconds + 20)
            result = self._ctl("stop")
            if result.returncode != 0:
                say(f"pg_ctlcluster stop failed: {result.stderr.strip()}")
        else:
            self.frozen = self._postgres_pids()
            self._start_watchdog(self.args.db_seconds + 20)
            for pid in self.frozen:  # the postmaster first, so that it forks nothing new meanwhile
                try:
                    os.kill(pid, signal.SIGSTOP)
                except ProcessLookupError:
                    pass

    def start_database(self):
        """Idempotent: safe from `finally` and from a signal handler."""
        with self._undo:
            if not self.database_down:
                return
            if self.args.db_fault == "stop":
                if self._ctl("status", 30).returncode != 0:
                    result = self._ctl("start")
                    if result.returncode != 0:
                        say(f"pg_ctlcluster start failed: {result.stderr.strip()}")
            else:
                for pid in reversed(self.frozen):
                    try:
                        os.kill(pid, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
            wait_for_database(self.args.database_url, 60)
            self.database_down = False
            if self.watchdog is not None and self.watchdog.poll() is None:
                os.killpg(self.watchdog.pid, signal.SIGTERM)
                self.watchdog.wait(5)

    def take_lock(self):
        import psycopg

        connection = psycopg.connect(libpq_url(self.args.database_url), connect_timeout=10)
        self.lock_connection = connection
        # Released with the connection even if this process dies; and by the server after this long idle.
        connection.execute(f"SET idle_in_transaction_session_timeout = '{int(self.args.lock_seconds) + 30}s'")
        connection.execute("SET lock_timeout = '10s'")
        connection.execute("LOCK TABLE hours_entry, plan_version IN ACCESS EXCLUSIVE MODE")

    def release_lock(self):
        with self._undo:
            connection, self.lock_connection = self.lock_connection, None
            if connection is not None:
                try:
                    connection.rollback()
                finally:
                    connection.close()

    def undo_all(self):
        try:
            self.release_lock()
        finally:
            self.start_database()

    def sleep_until(self, t):
        while self.recorder.now() < t:
            time.sleep(min(0.2, max(0.0, t - self.recorder.now())))

    def run(self, schedule, gap):
        """The faults in turn, each at its planned time or `gap` after the previous one ended, whichever is
        later. Returns when the load may end: `gap` after the last fault."""
        not_before = 0.0
        for name, at in schedule:
            self.sleep_until(max(at, not_before))
            if name == "db":
                began = self.recorder.now()
                say(f"  {began:6.1f} s: database {'stopped' if self.args.db_fault == 'stop' else 'frozen'} "
                    f"for {self.args.db_seconds:g} s")
                try:
                    self.stop_database()
                    self.sleep_until(began + self.args.db_seconds)
                finally:
                    self.start_database()
                self.done["db"] = {"start": began, "end": self.recorder.now()}
                say(f"  {self.recorder.now():6.1f} s: database back")
            elif name == "lock":
                asked = self.recorder.now()
                try:
                    self.take_lock()
                    began = self.recorder.now()
                    say(f"  {began:6.1f} s: hours_entry and plan_version locked (ACCESS EXCLUSIVE, "
                        f"{self.args.lock_seconds:g} s)")
                    self.sleep_until(began + self.args.lock_seconds)
                except Exception as error:  # noqa: BLE001 - the run goes on and says so
                    say(f"  could not take the lock: {error}")
                    began = None
                finally:
                    self.release_lock()
                if began is not None:
                    self.done["lock"] = {"start": began, "end": self.recorder.now(), "waited_for_lock_s": began - asked}
                    say(f"  {self.recorder.now():6.1f} s: lock released")
            elif name == "kill":
                self.done["kill"] = self.kill_worker()
            not_before = self.recorder.now() + gap
        return not_before

    def kill_worker(self):
        before = children(self.gunicorn.pid)
        if not before:
            return {"start": self.recorder.now(), "error": "no worker found"}
        victim = random.Random(7).choice(sorted(before))
        log_offset = self.log_path.stat().st_size
        os.kill(victim, signal.SIGKILL)
        began = self.recorder.now()
        say(f"  {began:6.1f} s: worker {victim} killed (SIGKILL)")
        spawned = ready = served = new = None
        deadline = began + 60
        # Ready: gunicorn.conf.py's post_worker_init logs it once the worker has the app and takes requests.
        # Its first answer depends on which worker the kernel hands the next connection to: reported, not judged.
        while self.recorder.now() < deadline and (ready is None or (served is None and self.recorder.now() < began + 15)):
            if new is None:
                fresh = children(self.gunicorn.pid) - before
                if fresh:
                    new, spawned = fresh.pop(), self.recorder.now()
            if new is not None:
                with open(self.log_path, errors="replace") as log:
                    log.seek(log_offset)
                    text = log.read()
                if ready is None and f"Worker ready (pid: {new})" in text:
                    ready = self.recorder.now()
                if served is None and f"pid<{new}>" in text:
                    served = self.recorder.now()
            time.sleep(0.05)

        def after(t):
            return None if t is None else t - began

        say(f"  worker replaced by {new}: forked after {fmt(after(spawned))} s, ready after {fmt(after(ready))} s, "
            f"its first answer after {fmt(after(served))} s")
        return {"start": began, "end": ready, "victim": victim, "replacement": new, "forked_after_s": after(spawned),
                "ready_after_s": after(ready), "first_answer_after_s": after(served)}


def children(pid):
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_for_database(database_url, seconds):
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(libpq_url(database_url), connect_timeout=3) as connection:
                connection.execute("SELECT 1")
                return True
        except psycopg.Error:
            if time.monotonic() > deadline:
                say("the database did not answer again in time")
                return False
            time.sleep(0.3)


def checkpoint(database_url):
    """Seconds a CHECKPOINT took. A fast shutdown waits for any checkpoint under way (on a slow disk shared with
    other databases, tens of seconds): done now, the next one is not due before the load ends."""
    import psycopg

    began = time.monotonic()
    with psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=10) as connection:
        connection.execute("CHECKPOINT")
    return time.monotonic() - began


def wait_for_workers(gunicorn, asked):
    """The number of workers, once gunicorn has forked as many as it was asked for (at most 15 s)."""
    import runpy

    expected = asked or runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]
    deadline = time.monotonic() + 15
    while len(children(gunicorn.pid)) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(children(gunicorn.pid))


def schedule_for(args):
    """Faults spread evenly: normal, db fault, normal, lock, normal, kill, normal. Returns the faults with their
    planned times, and the gap of normal load kept after each fault's actual end (a database slow to stop or
    start delays what follows instead of overlapping it)."""
    wanted = [f for f in ("db", "lock", "kill") if f in args.faults]
    busy = (args.db_seconds if "db" in wanted else 0) + (args.lock_seconds if "lock" in wanted else 0)
    gap = (args.seconds - busy) / (len(wanted) + 1)
    schedule, t = [], gap
    for name in wanted:
        schedule.append((name, t))
        t += gap + {"db": args.db_seconds, "lock": args.lock_seconds}.get(name, 0)
    return schedule, gap


# Gunicorn --------------------------------------------------------------------------------------------------------

def start_gunicorn(port, database_url, workers, log_path):
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": bench.BENCH_SECRET_KEY,
           "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY, "DATABASE_URL": database_url, "FLASK_DEBUG": "0", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    env.pop("TEST_DATABASE_URL", None)
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    log = open(log_path, "w")
    process = subprocess.Popen([GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {log_path}")
        if http(port, "GET", "/healthz", timeout=5)[0] == 200:
            return process
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer within 60 s: see {log_path}")


def stop_gunicorn(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

# Main ------------------------------------------------------------------------------------------------------------

class Interrupted(BaseException):
    pass


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FAULTS_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help="its schema is dropped and rebuilt (default: database isp_bench_fault, made if missing)")
    parser.add_argument("--seconds", type=float, default=180, help="length of the load; the faults are spread through it")
    parser.add_argument("--users", type=int, default=60, help="signed-in advisers (at least 50 for issue 11)")
    parser.add_argument("--pairs", type=int, default=5, help="pairs of advisers (among --users) saving at once")
    parser.add_argument("--think", type=float, default=10.0,
                        help="mean seconds between an adviser's actions (filling in a form: 1/4 to 3/4 of it)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--faults", default="db,lock,kill", help="which faults, of db,lock,kill")
    parser.add_argument("--db-fault", choices=("stop", "freeze"), default="stop",
                        help="stop: pg_ctlcluster stop -m fast; freeze: SIGSTOP the postmaster and its children")
    parser.add_argument("--db-seconds", type=float, default=20)
    parser.add_argument("--lock-seconds", type=float, default=30)
    parser.add_argument("--pg-cluster", default="15 main", help="version and name for pg_ctlcluster")
    parser.add_argument("--timeout", type=float, default=40, help="each client request's timeout, seconds")
    args = parser.parse_args(argv)
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    if set(args.faults) - {"db", "lock", "kill"}:
        parser.error("--faults takes db, lock and kill")
    busy = ("db" in args.faults) * args.db_seconds + ("lock" in args.faults) * args.lock_seconds
    if (args.seconds - busy) / (len(args.faults) + 1) < 5:
        parser.error("--seconds too short for these faults: at least 5 s of normal load around each")
    if args.users < 2 * args.pairs + 1:
        parser.error("--users must exceed twice --pairs")
    os.chdir(ROOT)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    log_path = RESULTS / f"faults-{stamp}-gunicorn.log"

    say(f"Building {args.users} advisers' customers and draft plans in {args.database_url} ...")
    people, shared = build_data(args.database_url, args.users, args.pairs)
    if "db" in args.faults:
        say(f"CHECKPOINT first, so that stopping the cluster does not wait for one: {checkpoint(args.database_url):.1f} s")
    port = free_port()
    gunicorn = faults = None
    stop = threading.Event()

    def interrupted(signum, _frame):
        raise Interrupted(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, interrupted)
    # A hard bound on the whole run: setup, load, draining, shutdown.
    signal.alarm(int(args.seconds + 2 * args.timeout + 600))
    try:
        gunicorn = start_gunicorn(port, args.database_url, args.workers, log_path)
        workers = wait_for_workers(gunicorn, args.workers)
        recorder = Recorder(time.monotonic(), "F" + datetime.now(timezone.utc).strftime("%H%M%S"))
        advisers = [Adviser(p, port, recorder, args.timeout, seed=p["n"]) for p in people]
        say(f"gunicorn on 127.0.0.1:{port} ({workers} workers); signing in {len(advisers)} advisers ...")
        signing = [threading.Thread(target=a.sign_in, daemon=True) for a in advisers]
        for i in range(0, len(signing), 8):
            batch = signing[i:i + 8]
            for t in batch:
                t.start()
            for t in batch:
                t.join(60)
        signed_in = [a for a in advisers if a.cookies]
        if len(signed_in) < len(advisers):
            raise SystemExit(f"only {len(signed_in)} of {len(advisers)} advisers signed in: see {log_path}")
        schedule, gap = schedule_for(args)
        say(f"Load for {args.seconds:g} s; faults at " + ", ".join(f"{n} {t:.0f} s" for n, t in schedule))
        recorder.origin = time.monotonic()
        load_at_start = os.getloadavg()
        faults = Faults(args, recorder, gunicorn, log_path)
        threads = [threading.Thread(target=probe_health, args=(port, stop, recorder), daemon=True)]
        for k in range(args.pairs):
            threads.append(threading.Thread(target=run_pair, args=(advisers[2 * k], advisers[2 * k + 1], shared[k],
                                                                   stop, recorder, k), daemon=True))
        threads += [threading.Thread(target=a.run, args=(stop, args.think), daemon=True)
                    for a in advisers[2 * args.pairs:]]
        for t in threads:
            t.start()
        faults.sleep_until(max(args.seconds, faults.run(schedule, gap)))
        stop.set()
        say(f"  {recorder.now():6.1f} s: load stopped; waiting for answers still due")
        drained_by = recorder.now() + args.timeout + 15
        for t in threads:
            t.join(max(0.1, drained_by - recorder.now()))
        time.sleep(2)
    except Interrupted as why:
        stop.set()
        say(f"Interrupted ({why}): undoing the faults and stopping gunicorn.")
        raise SystemExit(2)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # the undoing below must not itself be interrupted
        stop.set()
        if faults is not None:
            faults.undo_all()
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
        signal.alarm(0)

    run = {"users": len(advisers), "workers": workers, "schedule": schedule, "load average at start": load_at_start,
           "load average at end": os.getloadavg()}
    result = summarise(args, run, recorder, faults.done, check_writes(libpq_url(args.database_url), recorder,
                                                                      people, shared), log_path)
    out = RESULTS / f"faults-{stamp}.json"
    out.write_text(json.dumps({**result, "pair rounds": recorder.pairs, "writes tried": recorder.writes},
                              indent=2, default=str))
    print(report(result))
    print(f"\nJSON: {out.relative_to(ROOT)}; gunicorn log: {log_path.relative_to(ROOT)}")
    return 0 if all(result["targets"].values()) else 1


def summarise(args, run, recorder, done, writes, log_path):
    requests = list(recorder.requests)
    pages = [r for r in requests if r["page"] != "/healthz"]
    timings = fault_timings(requests, done)
    result = {
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), **run,
        "seconds": args.seconds, "faults asked": args.faults, "db_fault": args.db_fault, "think_s": args.think,
        "pairs": args.pairs, "cpus": os.cpu_count(), "run marker": recorder.run,
        "faults": done, "requests": len(pages), "answers": count_by(r["status"] for r in pages),
        "by page": {page: count_by(r["status"] for r in pages if r["page"] == page)
                    for page in sorted({r["page"] for r in pages})},
        "phases": phase_table(pages, done),
        "healthz phases": phase_table([r for r in requests if r["page"] == "/healthz"], done),
        "fault timings": timings, "writes": writes, "gunicorn log": gunicorn_log_counts(log_path),
        "gunicorn log file": str(log_path.relative_to(ROOT)),
    }
    result["targets"] = targets(writes, timings, result["healthz phases"], result["gunicorn log"])
    return result


if __name__ == "__main__":
    sys.exit(main())
