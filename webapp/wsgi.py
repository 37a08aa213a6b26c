"""WSGI entry point for gunicorn: `gunicorn webapp.wsgi:app`."""

from webapp import create_app

app = create_app()
