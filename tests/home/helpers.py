"""Rows for the home page tests, written straight to the database as history."""

from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

from tenants.context import tenant_context
from tests.certificates.helpers import issue
from tests.duties.helpers import assignment, contact, trip
from tests.factories import TownshipWorld, make_member
from webapp.contributions.models import Contribution, ContributionKind
from webapp.duties.models import ThreeOnesItem, ThreeOnesKind, ThreeOnesStatus
from webapp.duties.periods import half_of, quarter_of
from webapp.extensions import db
from webapp.imports.models import ImportJob, ImportStatus
from webapp.members.models import Member

TODAY = date.today()
QUARTER_START = quarter_of(TODAY).start


def away(tw: TownshipWorld, name: str, branch: Any = None) -> Member:
    """A member of branch (the world's main one) away since before this quarter."""
    member = make_member(tw.township, branch or tw.branch, name=name)
    trip(member, QUARTER_START - timedelta(days=40))
    return member


def assigned(member: Member, officer: Any, visited: bool = False) -> None:
    """member is officer's to contact; visited: contacted today."""
    assignment(member, officer, QUARTER_START - timedelta(days=30))
    if visited:
        contact(member, TODAY, officer)


def submitted_item(member: Member) -> ThreeOnesItem:
    """A letter the member submitted on their own record this half-year, not yet confirmed."""
    with tenant_context(member.tenant_id):
        item = ThreeOnesItem(
            tenant_id=member.tenant_id,
            member_id=member.id,
            half=half_of(TODAY).key,
            kind=ThreeOnesKind.LETTER,
            status=ThreeOnesStatus.DONE,
            happened_on=TODAY,
            note="思想汇报：在外务工的体会",
            by_member=True,
        )
        db.session.add(item)
        db.session.commit()
    return item


def pending_contribution(member: Member) -> Contribution:
    with tenant_context(member.tenant_id):
        row = Contribution(
            tenant_id=member.tenant_id,
            member_id=member.id,
            kind=ContributionKind.BUSINESS_INFO,
            description="介绍了两家用工企业",
            happened_on=TODAY,
        )
        db.session.add(row)
        db.session.commit()
    return row


def import_job(tw: TownshipWorld, filename: str, status: ImportStatus) -> ImportJob:
    with tenant_context(tw.township.id):
        job = ImportJob(tenant_id=tw.township.id, filename=filename, content=b"x", status=status)
        db.session.add(job)
        db.session.commit()
    return job


def overdue_certificate(app: Any, tw: TownshipWorld, member: Member) -> Any:
    """A valid certificate issued long enough ago that its verification is overdue."""
    return issue(
        app,
        tw,
        member,
        issued_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=60),
    )


class Items(HTMLParser):
    """The 今日待办 items of a page: key -> {"count", "text", "links" (href -> text)}."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, dict[str, Any]] = {}
        self.current: str | None = None
        self.depth = 0
        self.href: str | None = None
        self.in_count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.current is None and a.get("data-item"):
            self.current, self.depth = a["data-item"], 0
            self.items[self.current] = {"count": None, "text": "", "links": {}}
            self.tag = tag
        if self.current is None:
            return
        if tag == self.tag:
            self.depth += 1
        if tag == "a":
            self.href = a.get("href")
            self.items[self.current]["links"].setdefault(self.href, "")
        if "data-count" in a:
            self.in_count = True

    def handle_endtag(self, tag: str) -> None:
        if self.current is None:
            return
        if tag == "a":
            self.href = None
        if tag == "span":
            self.in_count = False
        if tag == self.tag:
            self.depth -= 1
            if self.depth == 0:
                self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is None:
            return
        item = self.items[self.current]
        item["text"] += data
        if self.in_count:
            item["count"] = int(data.strip())
        if self.href:
            item["links"][self.href] += data.strip()


def items_of(html: str) -> dict[str, dict[str, Any]]:
    parser = Items()
    parser.feed(html)
    return parser.items
