"""Configuration from environment variables.

`load_config()` returns a plain dict; `create_app(test_config)` overlays the test's dict on it.
`check_production_config()` refuses to start a production app that is unsafe (security.md test 24).
"""
import os
from datetime import timedelta
from pathlib import Path

DEVELOPMENT_SECRET_KEY = "dev-only-portal-secret-key-not-for-production"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class UnsafeConfiguration(RuntimeError):
    pass


def _default_database_url(instance_path):
    return f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"


def load_config(instance_path):
    env = os.environ
    production = env.get("PORTAL_ENV", "development") == "production"
    return {
        "PORTAL_ENV": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or _default_database_url(instance_path),
        # Fail fast when the database is slow, locked or gone (a 503 within about 2 s, never a worker
        # killed by gunicorn's timeout, never a write committed after its client gave up).
        "DB_CONNECT_TIMEOUT_S": int(env.get("DB_CONNECT_TIMEOUT_S", "2")),
        "DB_POOL_TIMEOUT_S": int(env.get("DB_POOL_TIMEOUT_S", "2")),
        "DB_LOCK_TIMEOUT_MS": int(env.get("DB_LOCK_TIMEOUT_MS", "2000")),
        "DB_STATEMENT_TIMEOUT_MS": int(env.get("DB_STATEMENT_TIMEOUT_MS", "5000")),
        "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": int(env.get("DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "30000")),
        "SQLITE_BUSY_TIMEOUT_MS": int(env.get("SQLITE_BUSY_TIMEOUT_MS", "5000")),
        "HEALTH_CHECK_TIMEOUT_S": float(env.get("HEALTH_CHECK_TIMEOUT_S", "2")),
        "REDIS_URL": env.get("REDIS_URL"),
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "true").lower() != "false",
        "MAIL_FROM": env.get("MAIL_FROM", "no-reply@isp-portal.invalid"),
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "DEBUG": env.get("FLASK_DEBUG", "0") == "1",
        # Session cookie: Secure outside local development; __Host- prefix needs Secure.
        "SESSION_COOKIE_NAME": "__Host-portal_session" if production else "portal_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        # CSRF tokens live as long as the session: a long plan edit must not fail on submit.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "PASSWORD_HASH_PROFILE": "production",
        "LOGIN_THROTTLE_AFTER": 10,
        "LOGIN_THROTTLE_MINUTES": 15,
        "INVITE_VALID_FOR": timedelta(days=3),
        "PASSWORD_RESET_VALID_FOR": timedelta(hours=1),
        "CASELOAD_PAGE_SIZE": 25,
        "EXPORT_LIMIT": 5000,
        # The portal's seal (R-SIGN-3): made by `flask --app portal keys init`; never committed.
        "SIGNING_KEY_DIR": env.get("SIGNING_KEY_DIR") or str(Path(instance_path) / "keys"),
        # Inspection packs run on RQ when REDIS_URL is set; these many plans at most in one pack.
        "INSPECTION_PACK_LIMIT": 2000,
        "VERIFY_RATE_PER_MINUTE": 20,
        # Signed audit checkpoints (R-AUD-1), appended to a file here as well as to the database, so that
        # restoring an older backup cannot silently shorten the trail; the worker writes one this often.
        "AUDIT_CHECKPOINT_DIR": env.get("AUDIT_CHECKPOINT_DIR") or str(Path(instance_path) / "audit-checkpoints"),
        "AUDIT_CHECKPOINT_EVERY": int(env.get("AUDIT_CHECKPOINT_EVERY", "300")),
        # R-REM-1: seconds between the worker's looks for work-queue emails that are due.
        "REMINDERS_EVERY": int(env.get("REMINDERS_EVERY", "3600")),
    }


def engine_options(config):
    """SQLAlchemy engine options for the configured database, with the timeouts above."""
    options = {"pool_pre_ping": True}
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        server_settings = " ".join(f"-c {name}={value}" for name, value in (
            ("lock_timeout", config["DB_LOCK_TIMEOUT_MS"]),
            ("statement_timeout", config["DB_STATEMENT_TIMEOUT_MS"]),
            ("idle_in_transaction_session_timeout", config["DB_IDLE_IN_TRANSACTION_TIMEOUT_MS"]),
        ))
        options |= {
            "pool_timeout": config["DB_POOL_TIMEOUT_S"],
            "connect_args": {"connect_timeout": config["DB_CONNECT_TIMEOUT_S"], "options": server_settings},
        }
    return options | config.get("SQLALCHEMY_ENGINE_OPTIONS", {})


def check_production_config(config):
    if config["PORTAL_ENV"] != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEVELOPMENT_SECRET_KEY or len(key) < 32:
        raise UnsafeConfiguration("SECRET_KEY must be set to a random value of at least 32 characters in production")
    if config.get("DEBUG"):
        raise UnsafeConfiguration("FLASK_DEBUG must be off in production")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise UnsafeConfiguration("the session cookie must be Secure in production")
    if config.get("PASSWORD_HASH_PROFILE") != "production":
        raise UnsafeConfiguration("the test password-hashing profile must not be used in production")
