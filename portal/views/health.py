from flask import Blueprint, jsonify
from sqlalchemy import text

from portal.extensions import db
from portal.permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    """200 when the database answers; 503 (through the error handler) when it does not."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", database="ok")
