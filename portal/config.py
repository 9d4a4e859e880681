"""Configuration from environment variables.

`load_config()` returns a plain dict; `create_app(test_config)` overlays the test's dict on it, then
`finish_config()` settles what depends on the mode and `check_config()` refuses an unsafe app
(security.md test 24).

The mode fails closed (issue 12, finding 4): without `PORTAL_ENV` the portal runs as production and
needs its own keys. `PORTAL_ENV=development` must be asked for; only then are missing keys made up,
at random, in `instance/` (mode 600), and the app answers connections from this computer only.
No key written in the code is ever accepted.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION, DEVELOPMENT = "production", "development"
# Keys once published in this code: refused in every mode.
KNOWN_KEYS = frozenset({"dev-only-portal-secret-key-not-for-production"})
MIN_KEY_LENGTH = 32
# Development keys made on first run: config key -> file in the instance folder.
DEVELOPMENT_KEY_FILES = {"SECRET_KEY": "secret_key", "TOTP_ENCRYPTION_KEY": "totp_encryption_key"}


class UnsafeConfiguration(RuntimeError):
    pass


def _default_database_url(instance_path):
    return f"sqlite:///{Path(instance_path) / 'portal.sqlite3'}"


def load_config(instance_path):
    env = os.environ
    return {
        "PORTAL_ENV": (env.get("PORTAL_ENV") or PRODUCTION).strip().lower(),
        "SECRET_KEY": env.get("SECRET_KEY"),
        # Encrypts the stored TOTP secrets; never the SECRET_KEY (portal/security/totp.py).
        "TOTP_ENCRYPTION_KEY": env.get("TOTP_ENCRYPTION_KEY"),
        # Development only: each message, link included, as a file here instead of a mail server.
        "DEV_MAIL_DIR": env.get("DEV_MAIL_DIR") or None,
        # How many proxies in front of the portal set X-Forwarded-For/-Proto (Werkzeug's ProxyFix).
        "TRUSTED_PROXIES": env.get("TRUSTED_PROXIES", "0"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL") or _default_database_url(instance_path),
        # Fail fast when the database is slow, locked or gone (a 503 within about 2 s, never a worker
        # killed by gunicorn's timeout, never a write committed after its client gave up).
        "DB_CONNECT_TIMEOUT_S": int(env.get("DB_CONNECT_TIMEOUT_S", "2")),
        "DB_POOL_TIMEOUT_S": int(env.get("DB_POOL_TIMEOUT_S", "2")),
        "DB_LOCK_TIMEOUT_MS": int(env.get("DB_LOCK_TIMEOUT_MS", "1500")),
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
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # The cookie only carries the session's token; its life is the absolute limit, checked on the
        # server with the idle one. Re-signing it on every response only cost time (issue 18).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=30),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=12),
        # CSRF tokens live as long as the session: a long plan edit must not fail on submit.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "PASSWORD_HASH_PROFILE": "production",
        "LOGIN_THROTTLE_AFTER": 10,
        "LOGIN_THROTTLE_MINUTES": 15,
        # "Forgot password": requests an hour per email address typed, and per client address.
        "PASSWORD_RESET_RATE_PER_ADDRESS": 5,
        "PASSWORD_RESET_RATE_PER_CLIENT": 20,
        "INVITE_VALID_FOR": timedelta(days=3),
        "PASSWORD_RESET_VALID_FOR": timedelta(hours=1),
        "CASELOAD_PAGE_SIZE": 25,
        "EXPORT_LIMIT": 5000,
        # The portal's seal (R-SIGN-3): made by `flask --app portal keys init`; never committed.
        "SIGNING_KEY_DIR": env.get("SIGNING_KEY_DIR") or str(Path(instance_path) / "keys"),
        # The root key, apart from the seal key and offline if wished: only `keys init` and `keys crl` read it.
        "ROOT_KEY_DIR": env.get("ROOT_KEY_DIR") or str(Path(instance_path) / "root-key"),
        # An RFC 3161 time-stamping authority for the seal (PAdES B-LT); unset: the portal's own, in process.
        # TSA_TRUST_ROOTS: a PEM file with that authority's root, when the portal's root did not issue it.
        "TSA_URL": env.get("TSA_URL") or None,
        "TSA_TRUST_ROOTS": env.get("TSA_TRUST_ROOTS") or None,
        # Inspection packs run on RQ when REDIS_URL is set; these many plans at most in one pack.
        "INSPECTION_PACK_LIMIT": 2000,
        "VERIFY_RATE_PER_MINUTE": 20,
        # Signed audit checkpoints (R-AUD-1), appended to a file here as well as to the database, so that
        # restoring an older backup cannot silently shorten the trail; the worker writes one this often.
        "AUDIT_CHECKPOINT_DIR": env.get("AUDIT_CHECKPOINT_DIR") or str(Path(instance_path) / "audit-checkpoints"),
        "AUDIT_CHECKPOINT_EVERY": int(env.get("AUDIT_CHECKPOINT_EVERY", "300")),
        # Seconds between extensions of the audit hash chain by the worker (issue 18).
        "AUDIT_CHAIN_EVERY": float(env.get("AUDIT_CHAIN_EVERY", "2")),
        # R-REM-1: seconds between the worker's looks for work-queue emails that are due.
        "REMINDERS_EVERY": int(env.get("REMINDERS_EVERY", "3600")),
        "MI_REFRESH_EVERY": int(env.get("MI_REFRESH_EVERY", "3600")),
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


def mode_settings(portal_env):
    """What follows from the mode: Secure `__Host-` session cookies outside local development."""
    production = portal_env != DEVELOPMENT
    return {
        "SESSION_COOKIE_NAME": "__Host-portal_session" if production else "portal_session",
        "SESSION_COOKIE_SECURE": production,
    }


def finish_config(config, instance_path, explicit=()):
    """Settle the values that depend on the mode; `explicit` names keys the caller set and keeps them."""
    for key, value in mode_settings(config["PORTAL_ENV"]).items():
        if key not in explicit:
            config[key] = value
    try:
        config["TRUSTED_PROXIES"] = int(config.get("TRUSTED_PROXIES") or 0)
    except ValueError:
        raise UnsafeConfiguration("TRUSTED_PROXIES must be a whole number of proxies (0 when none)") from None
    if config["PORTAL_ENV"] == DEVELOPMENT:
        for key, filename in DEVELOPMENT_KEY_FILES.items():
            if not config.get(key):
                config[key] = development_key(Path(instance_path) / filename)


def development_key(path):
    """A random key kept in `path` (mode 600), made on first use: `make run` never uses a known key."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text().strip()


def _check_key(config, name):
    key = config.get(name) or ""
    if key in KNOWN_KEYS:
        raise UnsafeConfiguration(f"{name} is a key published in the portal's code: set a random one")
    if config["PORTAL_ENV"] == PRODUCTION and len(key) < MIN_KEY_LENGTH:
        raise UnsafeConfiguration(f"{name} must be set to a random value of at least {MIN_KEY_LENGTH} characters "
                                  "in production")


def check_config(config):
    if config["PORTAL_ENV"] not in (PRODUCTION, DEVELOPMENT):
        raise UnsafeConfiguration("PORTAL_ENV must be 'production' or 'development'")
    if config.get("TRUSTED_PROXIES", 0) < 0:
        raise UnsafeConfiguration("TRUSTED_PROXIES must be 0 or more")
    _check_key(config, "SECRET_KEY")
    _check_key(config, "TOTP_ENCRYPTION_KEY")
    if config["PORTAL_ENV"] != PRODUCTION:
        return
    if config["TOTP_ENCRYPTION_KEY"] == config["SECRET_KEY"]:
        raise UnsafeConfiguration("TOTP_ENCRYPTION_KEY must differ from SECRET_KEY")
    if config.get("DEBUG"):
        raise UnsafeConfiguration("FLASK_DEBUG must be off in production")
    if not config.get("SESSION_COOKIE_SECURE"):
        raise UnsafeConfiguration("the session cookie must be Secure in production")
    if config.get("PASSWORD_HASH_PROFILE") != "production":
        raise UnsafeConfiguration("the test password-hashing profile must not be used in production")
    if config.get("DEV_MAIL_DIR"):
        raise UnsafeConfiguration("DEV_MAIL_DIR writes every message, links included, to files: development only")
