"""MI benchmark (issue 14, R-MI-1): the DWP-wide MI page for two years by month, a manager's page, and the
per-referral extract of every referral (time to first byte, rows, the worker's memory against the empty export).

    .venv/bin/python -m bench.mi --database-url postgresql+psycopg://postgres@127.0.0.1:5432/isp_bench_mi [--refresh]

The database is a generated bench data set (bench/generate.py) at migration 0016 or later. The script adds three
users of its own (a DWP referral officer, a manager of the largest provider, an inspector with no inspection,
whose extract is the empty one), with the bench adviser's password and TOTP secret. Not a test; see
docs/benchmarks.md for figures.
"""
import argparse
import os
import threading
import time
from datetime import date

from sqlalchemy import create_engine, text

import bench
from bench.run import ROOT, Browser, free_port, percentile, request, stop

USERS = {"officer": ("mi-officer@bench.example", "referral_officer"),
         "manager": ("mi-manager@bench.example", "manager"),
         "empty": ("mi-inspector@bench.example", "inspector")}


def prepare_users(database_url):
    engine = create_engine(database_url)
    with engine.begin() as connection:
        source = connection.execute(text(
            "SELECT password_hash, totp_secret_encrypted, totp_confirmed_at, password_changed_at FROM user_account "
            "WHERE email = :e"), {"e": bench.BENCH_EMAIL}).one()
        dwp = connection.scalar(text("SELECT id FROM organisation WHERE kind = 'dwp'"))
        provider = connection.scalar(text("SELECT id FROM organisation WHERE name = :n"), {"n": bench.BENCH_ORGANISATION})
        for email, role in USERS.values():
            connection.execute(text(
                "INSERT INTO user_account (email, name, role, organisation_id, password_hash, is_enabled, "
                "totp_secret_encrypted, totp_confirmed_at, failed_sign_in_count, password_changed_at, created_at, "
                "reminder_frequency) VALUES (:email, :name, :role, :org, :hash, true, :secret, :confirmed, 0, "
                ":changed, now(), 'off') ON CONFLICT (email) DO UPDATE SET failed_sign_in_count = 0, "
                "throttled_until = NULL, is_enabled = true"),
                {"email": email, "name": f"MI bench {role}", "role": role, "org": provider if role == "manager" else dwp,
                 "hash": source.password_hash, "secret": source.totp_secret_encrypted,
                 "confirmed": source.totp_confirmed_at, "changed": source.password_changed_at})
    engine.dispose()


def sign_in(port, email):
    browser = Browser(port)
    token = browser.csrf("/sign-in")
    status, headers, _ = browser.go("POST", "/sign-in", {"csrf_token": token, "email": email,
                                                          "password": bench.BENCH_PASSWORD})
    if status != 302:
        raise SystemExit(f"password step refused for {email} ({status})")
    token = browser.csrf("/sign-in/code")
    code = _fresh_code(email)
    status, headers, _ = browser.go("POST", "/sign-in/code", {"csrf_token": token, "code": code})
    if status != 302 or "/sign-in" in headers.get("location", "/sign-in"):
        raise SystemExit(f"TOTP step refused for {email} ({status})")
    return browser.cookie


DATABASE_URL = None


def _fresh_code(email):
    """A TOTP code a step later than the last this user used (the portal refuses a replay)."""
    import pyotp
    from datetime import datetime, timezone

    engine = create_engine(DATABASE_URL)
    with engine.connect() as connection:
        last = connection.scalar(text("SELECT totp_last_timecode FROM user_account WHERE email = :e"), {"e": email})
    engine.dispose()
    totp = pyotp.TOTP(bench.BENCH_TOTP_SECRET)
    while True:
        current = totp.timecode(datetime.now(timezone.utc))
        step = max(current - 1, (last or 0) + 1)
        if step <= current + 1:
            return totp.generate_otp(step)
        time.sleep(2)


def start(port, env, log_path, workers):
    """gunicorn for the portal (gunicorn.conf.py: gthread workers) with `workers` workers."""
    import subprocess

    from bench.run import GUNICORN

    log = open(log_path, "w")
    process = subprocess.Popen([GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn did not answer: see {log_path}")


def two_years_by_month(today):
    first = date(today.year - 2 + (today.month == 12), today.month % 12 + 1, 1)
    return (f"/mi/?grain=month&date_from={first.day}&date_from={first.month}&date_from={first.year}"
            f"&date_to={today.day}&date_to={today.month}&date_to={today.year}")


def time_page(port, cookie, path, samples, expect="Management information"):
    request(port, "GET", path, cookie)  # warm-up
    latencies = []
    for _ in range(samples):
        began = time.perf_counter()
        status, _headers, body = request(port, "GET", path, cookie)
        latencies.append(time.perf_counter() - began)
        if status != 200 or expect.encode() not in body:
            raise SystemExit(f"{path} answered {status}")
    latencies.sort()
    return {"p50": 1000 * percentile(latencies, 50), "p95": 1000 * percentile(latencies, 95),
            "max": 1000 * latencies[-1], "samples": samples}


def worker_pids(master):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    if int(handle.read().rsplit(")", 1)[1].split()[1]) == master.pid:
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def memory_kb(pid, field):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def stream_extract(port, cookie, worker):
    """GET the extract, reading as it comes: (seconds to the first byte, total seconds, rows, peak RSS kB)."""
    from http.client import HTTPConnection

    peak, done = [memory_kb(worker, "VmRSS")], threading.Event()

    def sample():
        while not done.wait(0.1):
            peak.append(memory_kb(worker, "VmRSS"))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    connection = HTTPConnection("127.0.0.1", port, timeout=600)
    began = time.perf_counter()
    connection.request("GET", "/mi/extract.csv", headers={"Host": f"127.0.0.1:{port}", "Cookie": cookie})
    response = connection.getresponse()
    first_byte, lines, size = None, 0, 0
    while chunk := response.read1(65536):
        if first_byte is None:
            first_byte = time.perf_counter() - began
        lines += chunk.count(b"\n")
        size += len(chunk)
    total = time.perf_counter() - began
    connection.close()
    done.set()
    sampler.join()
    return {"status": response.status, "first_byte_s": first_byte, "total_s": total, "rows": lines - 1,
            "bytes": size, "peak_rss_kb": max(peak)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", bench.DEFAULT_DATABASE_URL))
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--refresh", action="store_true", help="rebuild the MI summaries first, and time it")
    args = parser.parse_args(argv)
    global DATABASE_URL
    DATABASE_URL = args.database_url
    os.chdir(ROOT)
    env = {**os.environ, "PORTAL_ENV": "production", "SECRET_KEY": bench.BENCH_SECRET_KEY,
           "TOTP_ENCRYPTION_KEY": bench.BENCH_TOTP_ENCRYPTION_KEY, "DATABASE_URL": args.database_url,
           "FLASK_DEBUG": "0", "MI_REFRESH_EVERY": "0"}
    env.pop("TEST_DATABASE_URL", None)
    if args.refresh:
        import subprocess
        import sys

        began = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/flask") if (ROOT / ".venv/bin/flask").exists() else
                        os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "portal", "mi-refresh"],
                       env=env, check=True)
        print(f"MI summaries rebuilt in {time.perf_counter() - began:.1f} s")
    prepare_users(args.database_url)
    logs = ROOT / "instance"
    logs.mkdir(exist_ok=True)
    path = two_years_by_month(date.today())

    port = free_port()
    server = start(port, env, logs / "bench-mi.log", 2)
    try:
        officer, manager = sign_in(port, USERS["officer"][0]), sign_in(port, USERS["manager"][0])
        dwp = time_page(port, officer, path, args.samples)
        print(f"DWP-wide MI page, two years by month: p50 {dwp['p50']:.0f} ms, p95 {dwp['p95']:.0f} ms, "
              f"max {dwp['max']:.0f} ms ({dwp['samples']} requests, one at a time)")
        own = time_page(port, manager, path, args.samples)
        print(f"Manager's MI page (largest provider), two years by month: p50 {own['p50']:.0f} ms, "
              f"p95 {own['p95']:.0f} ms, max {own['max']:.0f} ms")
    finally:
        stop(server)

    # The extract on a server of one worker, so its memory is the worker's: the empty export first.
    port = free_port()
    server = start(port, env, logs / "bench-mi-extract.log", 1)
    try:
        empty_cookie, officer = sign_in(port, USERS["empty"][0]), sign_in(port, USERS["officer"][0])
        worker = worker_pids(server)[-1]
        empty = stream_extract(port, empty_cookie, worker)
        full = stream_extract(port, officer, worker)
        print(f"Empty extract: {empty['rows']} rows, worker peak RSS {empty['peak_rss_kb'] / 1024:.0f} MB")
        print(f"Full extract: {full['rows']:,} rows, {full['bytes'] / 1e6:.1f} MB, first byte after "
              f"{full['first_byte_s']:.2f} s, all in {full['total_s']:.1f} s, worker peak RSS "
              f"{full['peak_rss_kb'] / 1024:.0f} MB (+{(full['peak_rss_kb'] - empty['peak_rss_kb']) / 1024:.0f} MB)")
    finally:
        stop(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
