"""Error pages. No traceback ever reaches a user; database trouble gives a plain 503 page."""
import logging
import secrets

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.security.totp import TotpKeyError

log = logging.getLogger("portal.errors")

TITLES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "Sorry, that action is not possible here",
    413: "The file or form is too large",
    429: "Too many requests",
}


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the connection may be gone too; the page must still render
        log.warning("rollback failed while handling an error", exc_info=True)


def register(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("views/errors/csrf.html", title="Your form could not be sent"), 400

    @app.errorhandler(TotpKeyError)
    def totp_key_error(error):
        # A configuration problem (TOTP_ENCRYPTION_KEY), already logged; never a wrong code (issue 12, finding 4).
        _rollback()
        return render_template("views/errors/totp_unavailable.html"), 503

    @app.errorhandler(HTTPException)
    def http_error(error):
        code = error.code or 500
        if code >= 500:
            return database_or_server_error(error)
        # The exception's own headers that a client needs (Allow on a 405, Retry-After), never its body.
        kept = [(k, v) for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")]
        if request.path.startswith("/api/"):
            from portal.views.api import error_response

            response = error_response(code, "request", TITLES.get(code, error.name))
            response.headers.extend(kept)
            return response
        title = TITLES.get(code, error.name)
        return render_template("views/errors/http.html", title=title, code=code), code, kept

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        _rollback()
        log.error("database unavailable on %s %s: %s", request.method, request.path, error.__class__.__name__)
        if request.path.startswith("/api/"):
            from portal.views.api import error_response

            response = error_response(503, "request", "The service is unavailable; try again later")
            response.headers["Retry-After"] = "30"
            return response
        # Rendered without context processors: Flask-Login's would load the user from the database.
        page = app.jinja_env.get_template("views/errors/503.html").render()
        response = app.make_response((page, 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def database_or_server_error(error):
        if isinstance(error, (OperationalError, InterfaceError)):
            return database_unavailable(error)
        _rollback()
        incident = secrets.token_hex(4).upper()
        log.exception("unhandled error, incident %s, on %s %s", incident, request.method, request.path)
        if request.path.startswith("/api/"):
            from portal.views.api import error_response

            return error_response(500, "request", f"Something went wrong (incident {incident})")
        return render_template("views/errors/500.html", incident=incident), 500
