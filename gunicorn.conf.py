"""gunicorn settings for the portal in production: `gunicorn -c gunicorn.conf.py wsgi:app` (README).

Every setting can be changed from the environment without editing this file:

- WEB_CONCURRENCY: worker processes (default 2 x cores + 1, at most 12);
- GUNICORN_BIND: where to listen, comma-separated (default 127.0.0.1:8000: run behind a TLS proxy);
- GUNICORN_THREADS: threads per worker (default 4);
- GUNICORN_TIMEOUT, GUNICORN_GRACEFUL_TIMEOUT: seconds (defaults 30 and 30).
"""
import os

MAX_DEFAULT_WORKERS = 12


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers():
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = max(1, _int("WEB_CONCURRENCY", default_workers()))
# Threads, because a request waiting on a database lock (up to DB_LOCK_TIMEOUT_MS) uses no CPU: with one
# thread a worker, a locked table queued every other request, /healthz included, behind the waiters.
worker_class = "gthread"
threads = max(1, _int("GUNICORN_THREADS", 4))
# Issue 11: the database's statement, lock and connect timeouts are a few seconds, so a slow or locked
# database answers 503 well before this; gunicorn killing a worker mid-request (a blank 500) is the last resort.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# The app is loaded once in the master and forked, so a killed worker is replaced in well under a second
# instead of importing the portal again (issue 11: 15-37 s). A new release needs a restart, not a HUP.
preload_app = True
# Heartbeat files in memory: a worker on a slow or full disk is not taken for a hung one.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# The path without its query string: a caseload search (?q=) holds a customer's name (R-DATA-1); and the pid of
# the worker that answered.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms pid%(p)s'


def post_fork(server, worker):
    """Each worker opens its own database connections: a connection made by the master before the fork would
    be shared by every worker, and their queries would interleave on one socket."""
    app = getattr(server.app, "callable", None)
    if app is None or not hasattr(app, "app_context"):
        return  # not preloaded: the worker loads the app, and its engine, itself
    from portal.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            # close=False: the master's connections are left alone, only forgotten by this worker.
            engine.dispose(close=False)


def post_worker_init(worker):
    """Logged when a worker is ready to take requests (the fault harness times a replaced worker by it)."""
    worker.log.info("Worker ready (pid: %s)", worker.pid)
