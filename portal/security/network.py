"""Where a request comes from (issue 12, findings 4 and 8).

Behind `TRUSTED_PROXIES` proxies, Werkzeug's ProxyFix takes the client's address from X-Forwarded-For
(and the scheme from X-Forwarded-Proto), so rate limits and audit records name the real client, not
the proxy. No proxy header is believed when the setting is 0.

In development mode the portal answers only connections from this computer: development keys and
plain-http cookies must never serve anyone else, whatever address `flask run` was told to bind.
"""
import ipaddress

from flask import Response, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import DEVELOPMENT


def register(app):
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    if app.config["PORTAL_ENV"] == DEVELOPMENT:
        app.before_request(_this_computer_only)


def peer_address(environ):
    """The address of the connection itself, before any forwarded header was believed."""
    original = environ.get("werkzeug.proxy_fix.orig") or {}
    return original["REMOTE_ADDR"] if "REMOTE_ADDR" in original else environ.get("REMOTE_ADDR")


def is_loopback(address):
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _this_computer_only():
    address = peer_address(request.environ)
    # No address at all: called in-process (a WSGI test client), not over any network. Every server sets one.
    if address is not None and not is_loopback(address):
        current_app.logger.warning("development mode refused a connection from another computer")
        return Response("This portal is running in development mode and answers this computer only.\n",
                        status=403, mimetype="text/plain")
    return None
