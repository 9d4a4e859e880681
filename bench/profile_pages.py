"""Where a key page's CPU goes (issue 18), in-process: the production configuration, the bench adviser,
N requests a page through the test client, process CPU per request and, with --profile, the functions
that take it (cProfile, cumulative).

    .venv/bin/python -m bench.profile_pages --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench \
        [--requests 200] [--pages "customer page;week of hours"] [--profile 25]

In-process CPU leaves out gunicorn's HTTP parsing (about 0.5 ms a request); `bench/compare.py` measures
the workers themselves.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import time

import bench

# The key pages of issue 18 (as in bench/compare.py; named here so that an older checkout can run this file).
KEY_PAGES = ["caseload, first page", "customer page", "plan version page (1 version)", "week of hours",
             "hours summary (up to 2 years)", "caseload hours (8 weeks x 25)"]

HTTPS = "https://localhost"  # production cookies are Secure


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DATABASE_URL))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pages", default=";".join(KEY_PAGES))
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions of each page")
    parser.add_argument("--dump", help="write each page's cProfile stats to DUMP-<page>.prof")
    parser.add_argument("--paths", default="", help="other paths to measure, separated by ; (e.g. /healthz)")
    parser.add_argument("--statements", action="store_true", help="list each page's statements with their times")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per request under callgrind (repeatable on a busy machine; slow)")
    args = parser.parse_args(argv)
    if args.instructions and not os.environ.get(GATE):
        return _under_callgrind(argv if argv is not None else sys.argv[1:], args.requests)

    from portal import create_app
    from portal.extensions import db
    from portal.models import User, UserSession
    from portal.security.tokens import new_token, token_hash
    from bench.run import bench_pages

    paths, _customers = bench_pages(args.database_url)
    app = create_app({"PORTAL_ENV": "production", "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "SECRET_KEY": bench.BENCH_SECRET_KEY, "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY})
    with app.app_context():
        from sqlalchemy import select

        user = db.session.scalar(select(User).where(User.email == bench.BENCH_EMAIL))
        token = new_token()
        db.session.add(UserSession(token_hash=token_hash(token), user_id=user.id))
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction(base_url=HTTPS) as session:
        session["_user_id"] = token
        session["_fresh"] = True
        session.permanent = True

    # The 10th percentile of each request's own CPU time is the figure to compare on a busy machine: other
    # processes' load inflates the mean (cache and scheduling), far less the fastest requests.
    print(f"| page | CPU ms/request | p10 of each request's CPU ms | wall ms/request |\n|---|---:|---:|---:|")
    paths.update({path: ([path], "") for path in args.paths.split(";") if path})
    for page in [p for p in args.pages.split(";") if p] + [p for p in args.paths.split(";") if p]:
        page_paths, expect = paths[page]
        for path in page_paths[:5]:  # warm: templates, statement cache, connections
            response = client.get(path, base_url=HTTPS)
            assert (response.status_code == 200 and expect.encode() in response.data) or not expect, (path, response.status_code)
        if args.statements:
            _print_statements(client, page_paths[0])
        _gate("on")
        profiler = cProfile.Profile(time.thread_time) if args.profile or args.dump else None  # CPU, not waits
        cpu, wall, each = time.process_time(), time.perf_counter(), []
        if profiler:
            profiler.enable()
        for i in range(args.requests):
            began = time.thread_time()
            client.get(page_paths[i % len(page_paths)], base_url=HTTPS)
            each.append(time.thread_time() - began)
        if profiler:
            profiler.disable()
        _gate("off " + page)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        each.sort()
        print(f"| {page} | {1000 * cpu / args.requests:.2f} | {1000 * each[len(each) // 10]:.2f} | "
              f"{1000 * wall / args.requests:.2f} |", flush=True)
        if profiler and args.dump:
            profiler.dump_stats(f"{args.dump}-{page.split(',')[0].split(' (')[0].strip('/').replace(' ', '-').replace('/', '-')}.prof")
        if profiler and args.profile:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue(), file=sys.stderr)


GATE = "PROFILE_PAGES_GATE"


def _gate(word):
    """Under --instructions: ask the parent to switch callgrind's counting on or off, and wait for it."""
    if os.environ.get(GATE):
        print(f"GATE {word}", flush=True)
        sys.stdin.readline()


def _under_callgrind(argv, requests):
    """Run this script under callgrind with counting off, switched on only around each page's requests:
    instructions per request, not seconds, so neighbours' load does not move the figure."""
    import subprocess
    import tempfile

    out = tempfile.mkdtemp(prefix="callgrind-pages-")
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.out",
         sys.executable, "-m", "bench.profile_pages", *argv],
        env=dict(os.environ, **{GATE: "1"}), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)

    def control(*flags):
        subprocess.run(["callgrind_control", *flags, str(child.pid)], check=True, capture_output=True)

    print("| page | instructions per request (millions) |\n|---|---:|", flush=True)
    dumps = 0
    for line in child.stdout:
        if not line.startswith("GATE "):
            continue
        word = line[5:].strip()
        if word == "on":
            control("-z")
            control("-i", "on")
        else:
            control("-i", "off")
            control("-d")
            dumps += 1
            total = _callgrind_total(out, dumps)
            print(f"| {word[4:]} | {total / requests / 1e6:.1f} |", flush=True)
        child.stdin.write("\n")
        child.stdin.flush()
    child.wait()


def _callgrind_total(directory, number):
    from pathlib import Path

    for path in Path(directory).glob(f"cg.out.{number}*"):
        for line in path.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"no callgrind dump {number} in {directory}")


def _print_statements(client, path):
    from sqlalchemy import event

    from portal.extensions import db

    seen = []
    with client.application.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["began"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((1000 * (time.perf_counter() - conn.info.pop("began")), " ".join(statement.split())))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        client.get(path, base_url=HTTPS)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    for ms, statement in seen:
        print(f"    {ms:7.2f} ms  {statement[:300]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
