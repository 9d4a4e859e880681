"""A fixed-window rate limit for public pages, counted in the database so every worker shares it."""
import hashlib
import time
from functools import wraps

from flask import current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import RateLimitHit

WINDOW_SECONDS = 60


def _bucket(name):
    # The client's address is hashed: the table needs to tell clients apart, not to know them.
    client = hashlib.sha256((request.remote_addr or "unknown").encode()).hexdigest()[:40]
    return f"{name}:{client}"


def hit(name, limit):
    """Count this request; True while the client is within `limit` requests this minute."""
    bucket, window = _bucket(name), int(time.time()) // WINDOW_SECONDS
    this_minute = (RateLimitHit.bucket == bucket, RateLimitHit.window_start == window)

    def count_up():
        return db.session.execute(update(RateLimitHit).where(*this_minute)
                                  .values(count=RateLimitHit.count + 1)).rowcount

    if not count_up():
        try:
            with db.session.begin_nested():
                db.session.add(RateLimitHit(bucket=bucket, window_start=window, count=1))
        except IntegrityError:  # another worker counted this client's first request at the same moment
            count_up()
        db.session.execute(delete(RateLimitHit).where(RateLimitHit.window_start < window - 1))
    count = db.session.scalar(select(RateLimitHit.count).where(*this_minute))
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
