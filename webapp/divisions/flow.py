"""流动去向类别: where a mobile member went, relative to the township's own county.

Categories (DOMAIN.md): 跨省 ``cross_province`` · 省内市外 ``in_province`` · 市内县外
``in_prefecture`` · 县内 ``in_county``. ``None`` means "cannot be classified" and callers show it
as 去向不明 (it must never be dropped from totals). That happens when the destination is empty or
unknown, and when it is too coarse to place: a province-level destination in the home province,
or a prefecture-level destination (or an NBS functional zone) in the home prefecture. A coarse
destination elsewhere is still classified: "上海" (310000) is cross-province from 新昌县.
Municipalities count as one prefecture (上海市闵行区 -> 浦东新区 is 市内县外); a county-level city
under its province (仙桃) is its own prefecture (仙桃 -> 武汉 or 天门 is 省内市外).
"""

from __future__ import annotations

from typing import Literal

from .registry import get, registry

FlowCategory = Literal["cross_province", "in_province", "in_prefecture", "in_county"]
FLOW_CATEGORIES: tuple[FlowCategory, ...] = (
    "cross_province",
    "in_province",
    "in_prefecture",
    "in_county",
)
FLOW_LABELS: dict[str, str] = {
    "cross_province": "跨省",
    "in_province": "省内市外",
    "in_prefecture": "市内县外",
    "in_county": "县内",
}
UNCLASSIFIED_LABEL = "去向不明"


def flow_category(home_county_code: str, destination_code: str | None) -> FlowCategory | None:
    """The flow category from a county-level home to a destination code; None if unclassifiable."""
    reg = registry()
    home = get(home_county_code)
    if home is None or home.level == "province" or not reg.is_leaf(home):
        raise ValueError(f"not a county-level division code: {home_county_code!r}")
    dest = get(destination_code)
    if dest is None:
        return None
    if dest.province_code != home.province_code:
        return "cross_province"
    if dest.level == "province":
        return None
    if dest.prefecture_code != home.prefecture_code:
        return "in_province"
    if dest.code == home.code:
        return "in_county"
    if not reg.is_leaf(dest) or dest.functional:
        return None
    return "in_prefecture"


def flow_label(category: str | None) -> str:
    """The Chinese label of a flow category; 去向不明 for None."""
    return FLOW_LABELS.get(category or "", UNCLASSIFIED_LABEL)
