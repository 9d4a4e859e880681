import concurrent.futures

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from portal.extensions import db
from portal.permissions import public

bp = Blueprint("health", __name__)

# A frozen database server never answers and never refuses: no server-side timeout can fire, so the
# probe waits in a thread of its own and the answer is given after HEALTH_CHECK_TIMEOUT_S regardless.
_probes = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def _probe(app):
    with app.app_context():
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers within the limit; 503 when it does not, or is not there."""
    app = current_app._get_current_object()
    future = _probes.submit(_probe, app)
    try:
        future.result(timeout=app.config["HEALTH_CHECK_TIMEOUT_S"])
    except Exception:  # refused, failed or too slow: all mean the portal cannot serve
        current_app.logger.warning("health check failed: the database did not answer in time")
        response = jsonify(status="unavailable", database="unavailable")
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response
    return jsonify(status="ok", database="ok")
