"""Notifications (e-mail, SMS, in-app): imports tenants, never webapp features. Built in the reminders work."""
