"""Name variants (aliases) of divisions used by the address parser and the search.

Each alias has a tier: 0 the official name (浙江省, 萧山区), 1 the name without its generic
suffix (浙江, 萧山, 广西, 锡林郭勒, 浦东) or an autonomous area's usual short form (恩施州,
长阳县), 2 a county or prefecture name without its
autonomous-area part (恩施土家族苗族自治州 -> 恩施, 河南蒙古族自治县 -> 河南). The parser lets an
official name win over aliases and a province's short name win over lower-level aliases
("河南" is 河南省, not 青海's 河南县); other clashes are reported as ambiguous.
Functional zones (开发区 etc.) are matched only by their official name.
"""

from __future__ import annotations

from .registry import Division

ETHNIC_GROUPS = [
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "各",
]
# Longest first: every group with 族, and the multi-character ones also without it
# (博尔塔拉蒙古自治州, 塔什库尔干塔吉克自治县); a bare 白 or 水 is too likely to be part of a name.
_ETHNIC = sorted(
    {g + "族" for g in ETHNIC_GROUPS} | {g for g in ETHNIC_GROUPS if len(g) > 1},
    key=len,
    reverse=True,
)
_AUTONOMOUS = ("特别行政区", "自治区", "自治州", "自治县", "自治旗")
_GENERIC = ("新区", "地区", "林区", "特区", "省", "市", "县", "区", "旗", "盟")
EXTRA_ALIASES = {"150000": ("内蒙",)}


def _strip_ethnic(stem: str) -> str:
    """The place name left after removing trailing ethnic-group names (恩施土家族苗族 -> 恩施)."""
    while True:
        for g in _ETHNIC:
            if stem.endswith(g) and len(stem) - len(g) >= 2:
                stem = stem[: -len(g)]
                break
        else:
            return stem


def short_name(name: str) -> tuple[str, int] | None:
    """The suffix-less name and its tier, or None when there is none of at least two characters."""
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            short = _strip_ethnic(stem)
            if short == stem and short.endswith("族"):  # 东乡族自治县 -> 东乡
                short = short[:-1]
            return (short, 2) if len(short) >= 2 else None
    for suffix in _GENERIC:  # 清新区 -> 清新 (not 清), 北林区 -> 北林
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)], 1
    return None


def aliases(d: Division) -> list[tuple[str, int]]:
    """All names a division may be written as, with their tiers."""
    out = [(d.name, 0)]
    if d.functional:
        return out
    short = short_name(d.name)
    if short:
        # Province names are always known by their short form (广西, 新疆, 香港): tier 1.
        out.append((short[0], 1 if d.level == "province" else short[1]))
        if d.level != "province" and d.name.endswith(_AUTONOMOUS):
            out.append((short[0] + d.name[-1], 1))  # 恩施州, 长阳县, 鄂伦春旗
    out.extend((a, 1) for a in EXTRA_ALIASES.get(d.code, ()))
    return out
