"""Every model, imported once so the metadata is complete (Alembic, tests, the CLI)."""

from notifications.models import Message, Preference
from tenants.db import Base
from tenants.models import CoordinatorAssignment, County, Township
from webapp.activities.models import Activity, Attendance
from webapp.audit.models import AuditLog
from webapp.auth.models import ApiToken, LoginAttempt, User
from webapp.branches.models import Branch
from webapp.certificates.models import Certificate, CertificatePrint, Verification
from webapp.contributions.models import Contribution, SupportRequest, SupportService
from webapp.departures.models import DataVersion, Departure, Whereabouts
from webapp.directory.models import Organisation
from webapp.dues.models import DuesPaidMonth, DuesPayment, DuesRate
from webapp.duties.models import Contact, ContactAssignment, ThreeOnesItem
from webapp.evaluations.models import (
    EvaluationRound,
    EvaluationYear,
    Evaluee,
    EvidenceCard,
    MarkCount,
    Voter,
)
from webapp.imports.models import ImportJob
from webapp.members.models import Member
from webapp.placements.models import InflowMember, InflowRecord, Placement
from webapp.reports.models import Report
from webapp.transfers.letter_models import LetterPrint
from webapp.transfers.models import Approval, IncomingTransfer, Letter, Transfer

metadata = Base.metadata

__all__ = [
    "Activity",
    "ApiToken",
    "Approval",
    "Attendance",
    "AuditLog",
    "Branch",
    "Certificate",
    "CertificatePrint",
    "Contact",
    "ContactAssignment",
    "Contribution",
    "CoordinatorAssignment",
    "County",
    "DataVersion",
    "Departure",
    "DuesPaidMonth",
    "DuesPayment",
    "DuesRate",
    "EvaluationRound",
    "EvaluationYear",
    "Evaluee",
    "EvidenceCard",
    "ImportJob",
    "IncomingTransfer",
    "InflowMember",
    "InflowRecord",
    "Letter",
    "LetterPrint",
    "LoginAttempt",
    "MarkCount",
    "Member",
    "Message",
    "Organisation",
    "Placement",
    "Preference",
    "Report",
    "SupportRequest",
    "SupportService",
    "ThreeOnesItem",
    "Township",
    "Transfer",
    "User",
    "Verification",
    "Voter",
    "Whereabouts",
    "metadata",
]
