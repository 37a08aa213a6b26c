"""Roster (花名册) import from Excel with a preview, and roster export to Excel."""
