"""Reminders: rules that read township data and hand what is due to notifications; the operator's
delivery log and the recipients' choices."""
