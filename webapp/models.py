"""Every model, imported once so the metadata is complete (Alembic, tests, the CLI)."""

from tenants.db import Base
from tenants.models import CoordinatorAssignment, County, Township
from webapp.audit.models import AuditLog
from webapp.auth.models import ApiToken, LoginAttempt, User
from webapp.branches.models import Branch
from webapp.departures.models import Departure, Whereabouts
from webapp.members.models import Member
from webapp.reports.models import Report

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditLog",
    "Branch",
    "CoordinatorAssignment",
    "County",
    "Departure",
    "LoginAttempt",
    "Member",
    "Report",
    "Township",
    "User",
    "Whereabouts",
    "metadata",
]
