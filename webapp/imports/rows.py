"""One roster row: parse Excel cells into service data, then check it with the UI's own rules."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenants.models import Township
from webapp.branches.models import Branch
from webapp.crypto import keyring
from webapp.departures.models import Departure
from webapp.departures.services import registration_problems
from webapp.idnumber import id_number_problem, normalize
from webapp.imports.excel import DATE_COLUMNS, DEPARTURE_COLUMNS, MEMBER_COLUMNS
from webapp.members.models import Gender, Member, MemberStatus
from webapp.members.rules import active_elsewhere, member_problems

DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
BAD_DATE = "日期格式不正确，应如 2020-01-02、2020/1/2 或 2020年1月2日"
GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "male": Gender.MALE, "female": Gender.FEMALE}
STATUSES = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
    "已转出": MemberStatus.TRANSFERRED_OUT,
    "已去世": MemberStatus.DECEASED,
    **{s.value: s for s in MemberStatus},
}
MEMBER_LIMITS = {"民族": 16, "电子邮箱": 120}
MEMBER_HEADER_OF = {v: k for k, v in MEMBER_COLUMNS.items()}
DEPARTURE_HEADER_OF = {v: k for k, v in DEPARTURE_COLUMNS.items()}
LOOKUP_CHUNK = 1000
EXCEL_EPOCH = date(1899, 12, 30)
NUMERIC_ID_HINT = (
    "（该单元格是数字格式，Excel 会把18位数字的末几位变成0，请把该列设为文本格式后重新填写）"
)


@dataclass
class RowCheck:
    """What one row would do, and what is wrong with it (column -> problem)."""

    row: int
    id_number: str
    member_data: dict[str, Any]
    departure_data: dict[str, Any] | None
    existing: Member | None = None
    departure_known: bool = False
    departure_fields: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def error_dicts(self) -> list[dict[str, Any]]:
        """The problems as {"row", "column", "problem"} entries."""
        return [{"row": self.row, "column": c, "problem": p} for c, p in self.problems.items()]


def text(value: Any) -> str:
    """A cell as text: whole numbers without ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> tuple[date | None, str | None]:
    """An Excel date, a serial number, or text like 2020-01-02 / 2020/1/2 / 2020年1月2日."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value)), None
        return None, BAD_DATE
    match = DATE_RE.match(str(value).strip())
    if not match:
        return None, BAD_DATE
    try:
        return date(*(int(g) for g in match.groups())), None
    except ValueError:
        return None, f"日期不存在：{str(value).strip()}"


def _choice(value: Any, choices: dict[str, Any], empty: str, wrong: str) -> tuple[Any, str | None]:
    raw = text(value)
    if not raw:
        return None, empty
    found = choices.get(raw)
    return (found.value, None) if found is not None else (None, wrong)


def parse_member(values: dict[str, Any], branches: dict[str, int]) -> tuple[dict, dict[str, str]]:
    """Member data for the rules, and column -> problem for cells that are not even readable."""
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}
    for header, key in MEMBER_COLUMNS.items():
        if header in DATE_COLUMNS:
            data[key], problem = parse_date(values.get(header))
        elif header == "性别":
            data[key], problem = _choice(
                values.get(header), GENDERS, "请填写性别（男或女）", "性别应填写“男”或“女”"
            )
        elif header == "党员状态":
            data[key], problem = _choice(
                values.get(header),
                STATUSES,
                "请填写党员状态（正式党员或预备党员）",
                "党员状态应为：正式党员、预备党员、已转出或已去世",
            )
        elif header == "所在支部":
            name = text(values.get(header))
            data[key] = branches.get(name)
            problem = None
            if not name:
                problem = "请填写所在支部"
            elif data[key] is None:
                problem = f"本乡镇没有名为“{name}”的支部，请核对支部名称"
        else:
            data[key] = text(values.get(header))
            limit = MEMBER_LIMITS.get(header)
            problem = f"{header}不能超过{limit}个字符" if limit and len(data[key]) > limit else None
        if problem:
            problems[header] = problem
    data["id_number"] = normalize(data["id_number"])
    return data, problems


def parse_departure(values: dict[str, Any]) -> tuple[dict | None, dict[str, str]]:
    """Departure data when any departure cell is filled (else None), and unreadable cells."""
    if not any(text(values.get(h)) for h in DEPARTURE_COLUMNS):
        return None, {}
    problems: dict[str, str] = {}
    data: dict[str, Any] = {}
    for header, key in DEPARTURE_COLUMNS.items():
        if header in DATE_COLUMNS:
            data[key], problem = parse_date(values.get(header))
            if problem:
                problems[header] = problem
        else:
            data[key] = text(values.get(header))
    return data, problems


@dataclass
class Lookups:
    """What checking rows needs from the database: branches per file, members per batch."""

    branches: dict[str, int]
    duplicates: dict[int, list[int]]
    held: list[Any] = field(default_factory=list)  # keeps the branches in the identity map
    members: dict[str, Member] = field(default_factory=dict)  # blind index -> member
    indexes: dict[str, str] = field(default_factory=dict)  # ID number -> blind index
    elsewhere: set[str] = field(default_factory=set)  # blind indexes active in other townships

    def load_members(self, session: Session, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """Fetch, in one query, the members already registered with the rows' ID numbers."""
        numbers = {normalize(text(values.get("身份证号"))) for _row, values in rows}
        self.indexes = {
            n: keyring.blind_index(n) for n in numbers if n and id_number_problem(n) is None
        }
        wanted = sorted(set(self.indexes.values()))
        self.members, self.elsewhere = {}, set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            for member in session.scalars(select(Member).where(Member.id_number_index.in_(chunk))):
                self.members[member.id_number_index] = member
            self.elsewhere |= active_elsewhere(session, chunk)

    def registered(self, id_number: str) -> Member | None:
        """The member of this township registered with id_number (loaded by load_members)."""
        index = self.indexes.get(id_number)
        return self.members.get(index) if index else None

    def is_elsewhere(self, id_number: str) -> bool:
        """Whether another township holds id_number active (loaded by load_members)."""
        return self.indexes.get(id_number) in self.elsewhere


def lookups_for(session: Session, duplicates: dict[int, list[int]]) -> Lookups:
    """Branches by name, held for the whole file so that checking a row needs no query for them."""
    held = list(session.scalars(select(Branch)))
    return Lookups({b.name: b.id for b in held}, duplicates, held)


def has_open_trip_on(session: Session, member: Member, departed_on: Any) -> bool:
    """Is the member away on a trip that began on departed_on (registered by an earlier import)?"""
    return (
        isinstance(departed_on, date)
        and session.scalar(
            select(Departure.id).where(
                Departure.member_id == member.id,
                Departure.returned_on.is_(None),
                Departure.departed_on == departed_on,
            )
        )
        is not None
    )


def check_row(
    session: Session, township: Township, row: int, values: dict[str, Any], lookups: Lookups
) -> RowCheck:
    """Parse and validate one row exactly as the member and departure forms would; no writes.

    The row's batch must have been through lookups.load_members.
    """
    member_data, problems = parse_member(values, lookups.branches)
    departure_data, departure_parse = parse_departure(values)
    check = RowCheck(row, member_data["id_number"], member_data, departure_data)
    check.existing = lookups.registered(check.id_number)
    existing_id = check.existing.id if check.existing else None
    found = member_problems(
        session,
        member_data,
        existing_id,
        registered=lookups.registered,
        elsewhere=lookups.is_elsewhere,
    )
    for key, problem in found.items():
        problems.setdefault(MEMBER_HEADER_OF[key], problem)
    raw_id = values.get("身份证号")
    if "身份证号" in problems and isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        problems["身份证号"] += NUMERIC_ID_HINT
    if duplicate_of := lookups.duplicates.get(row):
        others = "、".join(str(r) for r in duplicate_of if r != row)
        problems["身份证号"] = f"与本文件第{others}行的身份证号重复"
    if departure_data is not None:
        problems.update(departure_parse)
        if check.existing and has_open_trip_on(
            session, check.existing, departure_data["departed_on"]
        ):
            check.departure_known = True
        else:
            errors, check.departure_fields = registration_problems(
                session, township, check.existing, departure_data
            )
            for key, problem in errors.items():
                problems.setdefault(DEPARTURE_HEADER_OF.get(key, key), problem)
    check.problems = problems
    return check
