"""Contact duty (who contacts whom, from when), the contact log, and the "三个一" items."""

import enum
from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.auth.models import User
from webapp.members.models import Member


class ContactAssignment(TenantScoped, Timestamped, Base):
    """A committee member responsible for contacting a member from valid_from until valid_to.

    The interval is half-open like Whereabouts: responsible on day d when
    valid_from <= d < valid_to (valid_to empty while it is in force). A member has at most one
    assignment in force; changes close the old row and open a new one, so history stays.
    """

    __tablename__ = "contact_assignments"
    __table_args__ = (
        Index("ix_contact_assignments_window", "tenant_id", "valid_from", "valid_to"),
        # one assignment in force per member, even when two officers save at the same moment
        Index(
            "uq_contact_assignments_open",
            "member_id",
            unique=True,
            sqlite_where=text("valid_to IS NULL"),
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship()
    officer: Mapped[User] = relationship(foreign_keys=[officer_id])


class ContactChannel(enum.StrEnum):
    """How the contact was made."""

    PHONE = "phone"
    WECHAT = "wechat"
    VIDEO = "video"
    VISIT = "visit"
    LETTER = "letter"


CHANNEL_LABELS = {
    ContactChannel.PHONE: "电话",
    ContactChannel.WECHAT: "微信",
    ContactChannel.VIDEO: "视频",
    ContactChannel.VISIT: "上门走访",
    ContactChannel.LETTER: "书信",
}


class Contact(TenantScoped, Timestamped, Base):
    """联系记录: one contact with a member; any channel counts toward the quarterly visit."""

    __tablename__ = "contacts"
    __table_args__ = (Index("ix_contacts_member_day", "tenant_id", "member_id", "contacted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    contacted_on: Mapped[date]
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel, 16))
    substance: Mapped[str] = mapped_column(Text)
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_due: Mapped[date | None]
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    logged_by_name: Mapped[str] = mapped_column(String(64), default="")

    member: Mapped[Member] = relationship()

    AUDIT_FIELDS = ("contacted_on", "channel", "substance", "follow_up", "follow_up_due")

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]


class ThreeOnesKind(enum.StrEnum):
    """The three items a mobile member owes each half-year."""

    ACTIVITY = "activity"
    LETTER = "letter"
    CALL = "call"


THREE_ONES_LABELS = {
    ThreeOnesKind.ACTIVITY: "参加一次支部活动",
    ThreeOnesKind.LETTER: "写一封信（思想汇报亦可）",
    ThreeOnesKind.CALL: "给支部打一次电话",
}
THREE_ONES_SHORT = {
    ThreeOnesKind.ACTIVITY: "活动",
    ThreeOnesKind.LETTER: "书信",
    ThreeOnesKind.CALL: "电话",
}
EVIDENCE_LABELS = {
    ThreeOnesKind.ACTIVITY: "参加的活动",
    ThreeOnesKind.LETTER: "信件或思想汇报的主题",
    ThreeOnesKind.CALL: "通话内容",
}


class ThreeOnesStatus(enum.StrEnum):
    """Done with evidence, or explained; an item with no row is missing."""

    DONE = "done"
    EXPLAINED = "explained"


STATUS_LABELS = {ThreeOnesStatus.DONE: "已完成", ThreeOnesStatus.EXPLAINED: "已说明"}
MISSING_LABEL = "未完成"


class ThreeOnesItem(TenantScoped, Timestamped, Base):
    """One of a member's 三个一 for one half-year: evidence, or the member's reason why not."""

    __tablename__ = "three_ones_items"
    __table_args__ = (UniqueConstraint("tenant_id", "member_id", "half", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    half: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[ThreeOnesKind] = mapped_column(str_enum(ThreeOnesKind, 16))
    status: Mapped[ThreeOnesStatus] = mapped_column(str_enum(ThreeOnesStatus, 16))
    happened_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    by_member: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(64), default="")
    # the record that completed the item (webapp/duties/links.py); "" when entered by hand
    source_kind: Mapped[str] = mapped_column(String(16), default="", server_default=text("''"))
    source_id: Mapped[int | None]

    AUDIT_FIELDS = ("half", "kind", "status", "happened_on", "note", "explanation", "by_member")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]
