"""Celery workers for Lianxin: reminders, reports and other work off the request path."""
