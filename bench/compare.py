"""Before and after in one run (issue 18): the key pages of two checkouts of the portal, beside the trivial
route, at 1, 4 and 16 clients, with the gunicorn workers' CPU per request and the statements per page.

    .venv/bin/python -m bench.compare --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench_copy \
        --before-root /path/to/a/checkout/of/main [--clients 1,4,16] [--seconds 5] [--haproxy]

Both checkouts serve the same database (migrated to this tree's head: the older code reads and writes it as
before; its audit events simply stay outside the new chain). Each is started with `gunicorn -c
gunicorn.conf.py` of its own tree, 2 workers, PORTAL_ENV=production. The runner signs in once, through
this tree, and uses the same cookie for both (same SECRET_KEY, same session table).

Worker CPU per request is the change in utime + stime of the gunicorn workers (/proc/<pid>/stat) over
a phase, divided by the requests answered in it: on a shared, busy machine it is the robust figure
(throughput and latency also measure the neighbours). Statements per page are counted in-process by
each tree's own `bench.run.query_counts` (the bench adviser, the second request of each page).
With --haproxy the after tree also runs as two gunicorns (one worker each) behind HAProxy, measured on
the customer page, and PostgreSQL's lock waits are sampled throughout (pg_stat_activity).
"""
import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import make_url

import bench
from bench.run import bench_pages, free_port, measure, request, sign_in, stop

ROOT = Path(__file__).resolve().parent.parent
KEY_PAGES = ["caseload, first page", "customer page", "plan version page (1 version)", "week of hours",
             "hours summary (up to 2 years)", "caseload hours (8 weeks x 25)"]
TICKS = os.sysconf("SC_CLK_TCK")


def gunicorn(root, app_path, port, env, log_path, workers=2):
    """gunicorn for `app_path` from the checkout at `root`, with that checkout's gunicorn.conf.py."""
    python = Path(sys.executable)
    # The trivial app has no database for the portal's post_fork: the same serving settings, given here.
    config = (["-c", "/dev/null", "--worker-class", "gthread", "--threads", "4", "--preload"] if "trivial" in app_path
              else ["-c", str(Path(root) / "gunicorn.conf.py")])
    command = [str(python.with_name("gunicorn")), *config, "--workers", str(workers),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--access-logfile", "/dev/null", app_path]
    log = open(log_path, "w")
    process = subprocess.Popen(command, cwd=root, env=dict(env, PYTHONPATH=str(root)), stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn for {app_path} in {root} exited: see {log_path}")
        try:
            if request(port, "GET", "/" if "trivial" in app_path else "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    stop(process)
    raise SystemExit(f"gunicorn for {app_path} in {root} did not answer: see {log_path}")


def workers_of(process):
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def memory_kb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(status.split("VmRSS:")[1].split()[0])
    try:
        pss = int(Path(f"/proc/{pid}/smaps_rollup").read_text().split("Pss:")[1].split()[0])
    except (OSError, IndexError):
        pss = None
    return rss, pss


class LockSampler(threading.Thread):
    """Polls pg_locks (PostgreSQL 14+: waitstart) for backends waiting on a lock in this database."""

    def __init__(self, database_url, every=0.01, databases=()):
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.engine = create_engine(database_url)
        self.databases = list(databases) or [self.engine.url.database]
        self.every, self.label, self.seen = every, "", {}  # label: [samples, with a waiter, longest ms]
        self.stopping = threading.Event()

    def run(self):
        from sqlalchemy import text

        with self.engine.connect() as connection:
            while not self.stopping.is_set():
                rows = connection.execute(text(
                    "SELECT extract(epoch FROM clock_timestamp() - l.waitstart) * 1000 FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND l.waitstart IS NOT NULL "
                    "AND a.datname = ANY(:databases)"), {"databases": self.databases}).all()
                connection.rollback()
                seen = self.seen.setdefault(self.label, [0, 0, 0.0])
                seen[0] += 1
                seen[1] += bool(rows)
                seen[2] = max([seen[2]] + [float(r[0]) for r in rows])
                time.sleep(self.every)
        self.engine.dispose()

    def finish(self):
        self.stopping.set()
        self.join(5)
        return self.seen


def phase(pool, port, paths, cookie, seconds, clients, expect, pids):
    measure(pool, port, paths, cookie, min(2, seconds), clients, expect)  # warm-up
    before = cpu_seconds(pids)
    result = measure(pool, port, paths, cookie, seconds, clients, expect)
    result["cpu_ms"] = 1000 * (cpu_seconds(pids) - before) / max(1, result["requests"])
    return result


def statements(root, database_url):
    """{page: statements} from the checkout's own in-process count, for the bench adviser."""
    script = ("import json\nfrom bench.run import query_counts, pages_in_process\n"
              f"counts, _ = query_counts({database_url!r}, pages_in_process)\n"
              "print(json.dumps({p: c[0] for (w, p), c in counts.items() if w == 'bench adviser'}))\n")
    env = dict(os.environ, PYTHONPATH=str(root))
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                          timeout=900)
    if done.returncode:
        print(f"statement count failed in {root}:\n{done.stderr[-2000:]}", file=sys.stderr)
        return {}
    return json.loads(done.stdout.strip().splitlines()[-1])


def haproxy_config(port, backends):
    servers = "\n".join(f"    server app{i} 127.0.0.1:{p} check" for i, p in enumerate(backends, 1))
    return (f"global\n    maxconn 500\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 60s\n"
            f"    timeout server 35s\n    option forwardfor\nfrontend bench\n    bind 127.0.0.1:{port}\n"
            f"    default_backend portal\nbackend portal\n    balance leastconn\n    option httpchk GET /healthz\n"
            f"{servers}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DATABASE_URL))
    parser.add_argument("--before-root", required=True, help="a checkout of the code to compare against")
    parser.add_argument("--before-database-url",
                        help="the before tree's own copy of the data, migrated to ITS head (default: the same database)")
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--pages", default=";".join(KEY_PAGES), help="page names separated by ;")
    parser.add_argument("--haproxy", action="store_true")
    args = parser.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    trees = {"before": Path(args.before_root).resolve(), "after": ROOT}
    paths, customers = bench_pages(args.database_url)
    pages = [p for p in args.pages.split(";") if p]
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": bench.BENCH_SECRET_KEY,
           "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY, "DATABASE_URL": args.database_url,
           "FLASK_DEBUG": "0", "AUDIT_CHECKPOINT_DIR": tempfile.mkdtemp(prefix="bench-checkpoints-")}
    env.pop("TEST_DATABASE_URL", None)
    urls = {"before": args.before_database_url or args.database_url, "after": args.database_url}
    logs = ROOT / "instance"
    logs.mkdir(exist_ok=True)
    servers, results, memory = {}, {}, {}
    sampler = LockSampler(args.database_url, databases={make_url(u).database for u in urls.values()})
    try:
        servers["trivial"] = (gunicorn(ROOT, "bench.trivial_app:app", port := free_port(), env,
                                       logs / "compare-trivial.log"), port)
        for name, root in trees.items():
            servers[name] = (gunicorn(root, "wsgi:app", port := free_port(), dict(env, DATABASE_URL=urls[name]),
                                      logs / f"compare-{name}.log"), port)
        cookie = sign_in(servers["after"][1], args.database_url)
        if urls["before"] != urls["after"]:
            _copy_session(args.database_url, urls["before"])
        print(f"{customers:,} customers; signed in once, the cookie serves both trees.", flush=True)
        targets = [("trivial route", "trivial", ["/"], "Hello")]
        for page in pages:
            targets += [(page, tree, *paths[page]) for tree in trees]
        targets.append(("trivial route (last)", "trivial", ["/"], "Hello"))
        sampler.start()
        with multiprocessing.get_context("fork").Pool(max(clients)) as pool:
            for page, server, page_paths, expect in targets:
                process, port = servers[server]
                pids = workers_of(process)
                for c in clients:
                    sampler.label = f"{page}, {server}, c={c}"
                    r = phase(pool, port, page_paths, cookie, args.seconds, c, expect, pids)
                    results[(page, server, c)] = r
                    print(f"  {page:<32} {server:<7} c={c:<2} {r['rps']:7.1f}/s p50 {r['p50']:6.1f} p95 "
                          f"{r['p95']:6.1f} ms cpu/req {r['cpu_ms']:6.2f} ms failures {r['failures']}", flush=True)
            for tree in ("trivial", *trees):
                memory[tree] = [memory_kb(pid) for pid in workers_of(servers[tree][0])]
            if args.haproxy:
                results.update(_behind_haproxy(pool, env, logs, paths, cookie, args, clients, sampler))
    finally:
        locks = sampler.finish() if sampler.is_alive() else None
        for process, _port in servers.values():
            stop(process)
    counts = {tree: statements(root, urls[tree]) for tree, root in trees.items()}
    report(args, customers, clients, pages, results, counts, memory, locks)


def _copy_session(from_url, to_url):
    """The bench adviser's newest session, copied to the before tree's database (the same ids: it is a copy
    of the same data), so that one cookie serves both trees."""
    from sqlalchemy import create_engine, text

    columns = "token_hash, user_id, created_at, last_seen_at"
    source, target = create_engine(from_url), create_engine(to_url)
    with source.connect() as connection:
        row = connection.execute(text(
            "SELECT s.token_hash, s.user_id, s.created_at, s.last_seen_at FROM user_session s JOIN user_account u ON u.id = s.user_id WHERE u.email = :e "
            "ORDER BY s.created_at DESC LIMIT 1"), {"e": bench.BENCH_EMAIL}).one()
    with target.begin() as connection:
        connection.execute(text(f"INSERT INTO user_session ({columns}) VALUES (:t, :u, :c, :l)"),
                           dict(zip("tucl", row)))
    source.dispose()
    target.dispose()


def _behind_haproxy(pool, env, logs, paths, cookie, args, clients, sampler):
    """The after tree as two app processes (one worker each) behind HAProxy: the customer page."""
    backends, processes = [], []
    try:
        for i in (1, 2):
            processes.append(gunicorn(ROOT, "wsgi:app", port := free_port(), env, logs / f"compare-lb-{i}.log",
                                      workers=1))
            backends.append(port)
        front = free_port()
        config = Path(tempfile.mkdtemp(prefix="bench-haproxy-")) / "haproxy.cfg"
        config.write_text(haproxy_config(front, backends))
        lb = subprocess.Popen(["haproxy", "-f", str(config)], start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(lb)
        time.sleep(1)
        pids = [pid for p in processes[:2] for pid in workers_of(p)]
        page_paths, expect = paths["customer page"]
        out = {}
        for c in clients:
            sampler.label = f"customer page, after, 2 processes behind HAProxy, c={c}"
            r = phase(pool, front, page_paths, cookie, args.seconds, c, expect, pids)
            out[("customer page", "after, 2 processes behind HAProxy", c)] = r
            print(f"  customer page behind HAProxy c={c:<2} {r['rps']:7.1f}/s p50 {r['p50']:6.1f} p95 {r['p95']:6.1f} "
                  f"ms cpu/req {r['cpu_ms']:6.2f} ms failures {r['failures']}", flush=True)
        return out
    finally:
        for process in processes:
            stop(process)


def report(args, customers, clients, pages, results, counts, memory, locks):
    base = {c: statistics.mean(r["rps"] for (p, s, cc), r in results.items() if s == "trivial" and cc == c)
            for c in clients}
    trivial_cpu = statistics.mean(r["cpu_ms"] for (p, s, c), r in results.items() if s == "trivial")
    print(f"\n## Before and after: {customers:,} customers, 2 gunicorn workers each, {args.seconds:g} s phases, "
          f"{os.cpu_count()} CPUs, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    print(f"Trivial route: {', '.join(f'{base[c]:.0f} req/s at c={c}' for c in clients)}; "
          f"worker CPU {trivial_cpu:.2f} ms a request.\n")
    head = " | ".join(f"c={c} ratio | c={c} p50/p95 ms" for c in clients)
    print(f"| page | code | statements | worker CPU ms/request | {head} |")
    print("|---|---|---:|---:|" + "---:|---:|" * len(clients))
    for page in pages:
        for server in ("before", "after", "after, 2 processes behind HAProxy"):
            rows = [results.get((page, server, c)) for c in clients]
            if not all(rows):
                continue
            cpu = statistics.median(r["cpu_ms"] for r in rows)
            cells = " | ".join(f"{r['rps'] / base[c]:.3f} | {r['p50']:.0f}/{r['p95']:.0f}" for r, c in zip(rows, clients))
            print(f"| {page} | {server} | {counts.get(server.split(',')[0], {}).get(page, '')} | {cpu:.1f} | {cells} |")
    print("\nWorker CPU ms/request is the median over the client counts. Ratios are of the trivial route's "
          "throughput at the same client count (mean of its first and last measurement).")
    for tree, rows in memory.items():
        print(f"- {tree}: workers' RSS " + ", ".join(f"{rss / 1024:.0f} MB" for rss, _ in rows)
              + "; PSS " + ", ".join(f"{pss / 1024:.0f} MB" for _, pss in rows if pss is not None))
    print("\nLock waits (pg_locks sampled every 10 ms; phases with any waiter):\n")
    for label, (samples, waiting, longest) in (locks or {}).items():
        if waiting:
            print(f"- {label}: a waiter in {waiting} of {samples} samples, longest wait seen {longest:.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
