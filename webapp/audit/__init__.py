"""The audit log: who changed or viewed what, when, before and after."""
