"""`celery -A workers.entry worker`: the module-level Celery app for the celery command."""

from workers.celery_app import build

celery = build()
