"""Contribution (三个一、四带头, confirmed by the branch) and family support requests with services."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants.db import Base, Timestamped, str_enum
from tenants.scoping import TenantScoped
from webapp.members.models import Member


class ContributionKind(enum.StrEnum):
    """三个一、四带头."""

    ACTIVIST = "activist"
    BUSINESS_INFO = "business_info"
    GOOD_DEED = "good_deed"
    VILLAGE_PLANNING = "village_planning"
    VILLAGE_BUILDING = "village_building"
    HOMETOWN_SUPPORT = "hometown_support"
    RETURN_BUSINESS = "return_business"


CONTRIBUTION_LABELS = {
    ContributionKind.ACTIVIST: lazy_gettext("培养一名入党积极分子"),
    ContributionKind.BUSINESS_INFO: lazy_gettext("传递一条致富信息"),
    ContributionKind.GOOD_DEED: lazy_gettext("为村里办一件好事"),
    ContributionKind.VILLAGE_PLANNING: lazy_gettext("带头参与村庄规划"),
    ContributionKind.VILLAGE_BUILDING: lazy_gettext("带头建设新农村"),
    ContributionKind.HOMETOWN_SUPPORT: lazy_gettext("带头支持家乡建设"),
    ContributionKind.RETURN_BUSINESS: lazy_gettext("带头回乡创业"),
}


class ReviewStatus(enum.StrEnum):
    """Where the branch's review of a contribution stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


REVIEW_LABELS = {
    ReviewStatus.PENDING: lazy_gettext("待确认"),
    ReviewStatus.CONFIRMED: lazy_gettext("已确认"),
    ReviewStatus.REJECTED: lazy_gettext("未通过"),
}


class SupportNeed(enum.StrEnum):
    """What the family at home needs."""

    FARMING = "farming"
    SAFETY = "safety"
    LIVING = "living"
    OTHER = "other"


NEED_LABELS = {
    SupportNeed.FARMING: lazy_gettext("农忙"),
    SupportNeed.SAFETY: lazy_gettext("安全"),
    SupportNeed.LIVING: lazy_gettext("生活"),
    SupportNeed.OTHER: lazy_gettext("其他"),
}


class SupportStatus(enum.StrEnum):
    """Open, being served, or closed."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


SUPPORT_STATUS_LABELS = {
    SupportStatus.OPEN: lazy_gettext("待帮扶"),
    SupportStatus.IN_PROGRESS: lazy_gettext("帮扶中"),
    SupportStatus.CLOSED: lazy_gettext("已办结"),
}


class Contribution(TenantScoped, Timestamped, Base):
    """A member's 三个一/四带头 contribution and the branch's review of it."""

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind, 24))
    description: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[date]
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus, 16), default=ReviewStatus.PENDING
    )
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_by_name: Mapped[str] = mapped_column(String(64), default="")
    confirmed_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship()

    @property
    def kind_label(self) -> str:
        return CONTRIBUTION_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return REVIEW_LABELS[self.status]


class SupportRequest(TenantScoped, Timestamped, Base):
    """A request for help for a member's family at home."""

    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    need: Mapped[SupportNeed] = mapped_column(str_enum(SupportNeed, 16))
    description: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date]
    status: Mapped[SupportStatus] = mapped_column(
        str_enum(SupportStatus, 16), default=SupportStatus.OPEN
    )

    member: Mapped[Member] = relationship()
    services: Mapped[list["SupportService"]] = relationship(
        back_populates="request", order_by="SupportService.served_on"
    )

    @property
    def need_label(self) -> str:
        return NEED_LABELS[self.need]

    @property
    def status_label(self) -> str:
        return SUPPORT_STATUS_LABELS[self.status]


class SupportService(TenantScoped, Timestamped, Base):
    """One service delivered to the family: when, by whom, what."""

    __tablename__ = "support_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id"), index=True)
    served_on: Mapped[date]
    served_by: Mapped[str] = mapped_column(String(64))
    what: Mapped[str] = mapped_column(Text)

    request: Mapped[SupportRequest] = relationship(back_populates="services")
