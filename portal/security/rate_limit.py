"""A fixed-window rate limit, counted in the database so every worker shares it.

A bucket is a name and a key: by default the client's address (through TRUSTED_PROXIES, so the real
client behind the TLS proxy), or any other key such as the email address a reset is asked for.
Keys are stored as a keyed digest: the table needs to tell them apart, not to know them.
"""
import hashlib
import hmac
import time
from functools import wraps

from flask import current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import RateLimitHit

WINDOW_SECONDS = 60


def _bucket(name, key):
    if key is None:
        key = request.remote_addr or "unknown"
    secret = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(secret, f"rate-limit:{name}:{key}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{name}:{digest}"


def hit(name, limit, *, key=None, window_seconds=WINDOW_SECONDS):
    """Count this request; True while `key` (the client by default) is within `limit` requests this window.

    A name always has the same window length: windows are numbered per length, and each name clears
    only its own ended windows.
    """
    bucket, window = _bucket(name, key), int(time.time()) // window_seconds
    this_window = (RateLimitHit.bucket == bucket, RateLimitHit.window_start == window)

    def count_up():
        return db.session.execute(update(RateLimitHit).where(*this_window)
                                  .values(count=RateLimitHit.count + 1)).rowcount

    if not count_up():
        try:
            with db.session.begin_nested():
                db.session.add(RateLimitHit(bucket=bucket, window_start=window, count=1))
        except IntegrityError:  # another worker counted this bucket's first request at the same moment
            count_up()
        db.session.execute(delete(RateLimitHit).where(RateLimitHit.bucket.startswith(f"{name}:", autoescape=True),
                                                      RateLimitHit.window_start < window - 1))
    count = db.session.scalar(select(RateLimitHit.count).where(*this_window))
    db.session.commit()
    return count <= limit


def rate_limited(name, config_key, on_refused):
    """Refuse more than config[config_key] requests a minute from one client with `on_refused()`."""
    def decorator(view):
        @wraps(view)
        def limited(*args, **kwargs):
            if not hit(name, current_app.config[config_key]):
                response = on_refused()
                response.status_code = 429
                response.headers["Retry-After"] = str(WINDOW_SECONDS)
                return response
            return view(*args, **kwargs)
        return limited
    return decorator
