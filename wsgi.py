"""For gunicorn: `gunicorn wsgi:app` (see README, Production)."""
from portal import create_app

app = create_app()
