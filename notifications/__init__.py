"""Notifications: e-mail, SMS and in-app messages with an outbox that is also the delivery log.

Imports tenants, never webapp. webapp.reminders decides what is due and calls service.notify();
workers.tasks.notify runs dispatch.dispatch() after commit and from beat.
"""
