"""The division table (GB/T 2260 province, prefecture and county levels), loaded once on demand.

Hierarchy conventions, applied consistently everywhere in this package:

* Municipalities (北京 110000, 天津 120000, 上海 310000, 重庆 500000): the province-level unit has one
  prefecture-equivalent ``XX0100`` carrying the municipality's own name (上海市 310100). Every
  district or county of the municipality has ``prefecture_code == "XX0100"``, including
  重庆's counties, which GB/T 2260 files under a separate ``500200 县`` placeholder (not kept).
* County-level units directly under a province (湖北 仙桃 429004 / 潜江 / 天门 / 神农架林区,
  河南 济源 419001, 海南 省直辖县 4690xx, 新疆 兵团 cities 6590xx) are their own
  prefecture-equivalent: ``prefecture_code == code`` and ``prefecture_of`` returns the unit
  itself. The ``XX9000`` placeholders (省直辖县级行政区划) are not divisions here.
* Prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200)
  are prefectures with no children; they count as their own county for flow categories.
* 台湾省 710000, 香港 810000, 澳门 820000 are provinces without children.
* ``functional`` marks the National Bureau of Statistics' 功能区 codes (开发区, 新区, 管理区;
  fifth digit 7, e.g. 苏州工业园区 320576). They are county-level for display and parsing but are
  not GB/T 2260 divisions; do not use them as a township's county code.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, cast

Level = Literal["province", "prefecture", "county"]
LEVELS: tuple[Level, ...] = ("province", "prefecture", "county")
MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})


@dataclass(frozen=True, slots=True)
class Division:
    """One administrative division: a province, a prefecture or a county-level unit."""

    code: str
    name: str
    level: Level
    province_code: str
    prefecture_code: str | None
    functional: bool = False

    @property
    def ancestor_codes(self) -> tuple[str, ...]:
        """Codes of the province and prefecture above this division (never itself)."""
        return tuple(c for c in (self.province_code, self.prefecture_code) if c and c != self.code)


class Registry:
    """All divisions, indexed by code and by parent."""

    def __init__(self, rows: list[dict[str, str]]) -> None:
        """Build the indexes from rows of data/divisions.txt."""
        self.by_code: dict[str, Division] = {}
        self.children: dict[str, list[Division]] = {}
        parents = {r["code"]: r["parent"] for r in rows}
        for r in rows:
            code, parent = r["code"], r["parent"]
            province = code[:2] + "0000"
            if r["level"] == "province":
                prefecture = None
            elif r["level"] == "prefecture" or parents.get(parent) == "":
                prefecture = code  # a prefecture, or a county directly under its province
            else:
                prefecture = parent
            level = cast(Level, r["level"])
            d = Division(code, r["name"], level, province, prefecture, r["functional"] == "1")
            self.by_code[code] = d
            if parent:
                self.children.setdefault(parent, []).append(d)

    def is_leaf(self, d: Division) -> bool:
        """True when nothing lies below the division (a county, or a county-less city or region)."""
        return d.code not in self.children


@cache
def registry() -> Registry:
    """The shared registry, read from the vendored data file on first use."""
    text = (
        resources.files(__package__).joinpath("data").joinpath("divisions.txt").read_text("utf-8")
    )
    return Registry(list(csv.DictReader(io.StringIO(text))))


def normalize_code(code: object) -> str | None:
    """A 6-digit code from 2/4/6-digit (NBS style) or 9/12-digit (town/village) input, else None."""
    if code is None:
        return None
    s = str(code).strip()
    if not s.isascii() or not s.isdigit():
        return None
    if len(s) in (2, 4):
        return s.ljust(6, "0")
    if len(s) in (6, 9, 12):
        return s[:6]
    return None


def get(code: str | None) -> Division | None:
    """The division with this code, or None when the code is empty or unknown."""
    c = normalize_code(code)
    return registry().by_code.get(c) if c else None


def province_of(code: str | None) -> Division | None:
    """The province-level division containing this code (a province is its own province)."""
    d = get(code)
    return registry().by_code.get(d.province_code) if d else None


def prefecture_of(code: str | None) -> Division | None:
    """The prefecture(-equivalent) containing this code; None for provinces and unknown codes,
    except a municipality, whose one prefecture-equivalent (上海市 310100) stands for all of it."""
    d = get(code)
    if d is None:
        return None
    if d.code in MUNICIPALITIES:
        return registry().by_code.get(d.code[:2] + "0100")
    if d.prefecture_code is None:
        return None
    return registry().by_code.get(d.prefecture_code)


def full_name(code: str | None) -> str | None:
    """Display name from the province down, e.g. 浙江省杭州市萧山区 or 上海市闵行区; None if unknown."""
    d = get(code)
    if d is None:
        return None
    reg = registry()
    parts: list[str] = []
    for c in (d.province_code, d.prefecture_code, d.code):
        if c and (name := reg.by_code[c].name) not in parts:
            parts.append(name)
    return "".join(parts)


def children(code: str | None) -> list[Division]:
    """The divisions directly below this one (prefectures of a province, counties of a city)."""
    d = get(code)
    return list(registry().children.get(d.code, [])) if d else []


def provinces() -> list[Division]:
    """All province-level divisions, by code."""
    return [d for d in registry().by_code.values() if d.level == "province"]


def is_leaf(code: str | None) -> bool:
    """True when the code names a division with nothing below it (a county or county-equivalent)."""
    d = get(code)
    return d is not None and registry().is_leaf(d)
