"""The baseline: a minimal Flask app with one route returning a short HTML page.

Served by the same gunicorn (2 sync workers) in the same run as the portal, so the portal's figures can
be read as ratios of what this machine does for Flask with no database and no templates.
"""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "<!DOCTYPE html><html lang=\"en\"><head><title>Trivial</title></head><body><p>Hello</p></body></html>"
