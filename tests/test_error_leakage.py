"""Leakage in error answers (security.md §7 test 23, issue 12): forced 404, 405, 413 and 500 answers are
generic pages: no stack trace, no SQL, no exception text and no echo of what was sent."""
import io
import logging

import pytest

from portal import create_app
from tests.conftest import IsolatedClient, test_config
from tests.factories import sign_in_as

PROBE = "probe<script>alert(1)</script>SELECT%20password_hash%20FROM%20user_account"
TELLTALES = ("Traceback", "File \"", "sqlalchemy", "psycopg", "sqlite3", "SELECT", "werkzeug", "Exception",
             "password_hash", "<script>alert(1)</script>", "probe")


def _generic(response):
    text = response.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return [t for t in TELLTALES if t in text]


@pytest.mark.parametrize("signed_in", [False, True])
def test_23_404_and_405_pages_are_generic(client, world, signed_in):
    if signed_in:
        sign_in_as(client, world.users["ses_manager"])
    urls = [f"/{PROBE}", f"/customers/{PROBE}", f"/static/{PROBE}", f"/verify/{PROBE}"]
    if signed_in:  # (signed out, a customer page sends the visitor to sign in first)
        urls.append(f"/customers/99999?q={PROBE}")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert _generic(response) == [], url
    api = client.get(f"/api/v1/{PROBE}")
    assert api.status_code == 404 and _generic(api) == []
    not_allowed = client.get(f"/sign-out?{PROBE}")
    assert not_allowed.status_code == 405 and _generic(not_allowed) == [] and not_allowed.headers["Allow"]


def test_23_413_too_large_is_generic(client, app):
    body = b"%PDF-" + b"A" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
    response = client.post(f"/verify/?{PROBE}", data={"document": (io.BytesIO(body), f"{PROBE}.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert _generic(response) == []
    assert "too large" in response.get_data(as_text=True)


def test_23_a_500_shows_an_incident_reference_and_nothing_else(database_url, caplog):
    app = create_app(test_config(database_url))

    @app.route("/__test_fail")
    def fail():
        raise RuntimeError("SELECT password_hash FROM user_account -- secret detail")

    fail.is_public = True
    app.test_client_class = IsolatedClient
    with app.app_context(), caplog.at_level(logging.ERROR, logger="portal.errors"):
        response = app.test_client().get(f"/__test_fail?{PROBE}")
    assert response.status_code == 500
    assert _generic(response) == []
    page = response.get_data(as_text=True)
    assert "give this reference" in page
    incident = page.split("<strong>")[1].split("</strong>")[0]
    assert any(incident in record.getMessage() for record in caplog.records)  # logged, with the same reference
