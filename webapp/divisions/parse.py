"""Free-text address parsing (浙江省杭州市萧山区…, 杭州萧山, 义乌市稠城街道) and name search."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache

from .names import aliases
from .registry import LEVELS, MUNICIPALITIES, Division, Level, full_name, get, registry

_DROP = frozenset(" \t\r\n\u3000,，.。、;；:：-—_/\\|()（）[]【】<>《》\"'“”‘’")
_MAX_LISTED = 8
_MAX_QUOTED = 30
_MAX_FALLBACK = 50  # candidates kept in ParseResult.ambiguous when nothing matched exactly
_MAX_FALLBACK_SEARCH = 10_000


@dataclass(frozen=True, slots=True)
class ParseResult:
    """The outcome of parse_address: the most specific division found, or why there is none."""

    code: str | None
    level: Level | None
    ambiguous: list[Division] = field(default_factory=list)
    problem: str | None = None

    @property
    def division(self) -> Division | None:
        """The matched division, if any."""
        return get(self.code)


@dataclass(frozen=True, slots=True)
class _Index:
    """Alias lookup tables, built once."""

    names: dict[str, list[tuple[Division, int]]]
    lengths: dict[str, tuple[int, ...]]  # first two characters -> alias lengths, longest first
    blob: str  # every alias, newline-separated, for substring search
    starts: list[int]  # offset of each alias in blob
    owners: list[tuple[str, Division]]  # the alias at each offset and its division


@cache
def _index() -> _Index:
    """Build the alias tables from the registry (once per process)."""
    names: dict[str, list[tuple[Division, int]]] = {}
    lengths: dict[str, set[int]] = {}
    owners: list[tuple[str, Division]] = []
    for d in registry().by_code.values():
        if d.level == "prefecture" and d.province_code in MUNICIPALITIES:
            continue  # 上海市 310100 duplicates 上海市 310000; the province stands for both
        for name, tier in aliases(d):
            names.setdefault(name, []).append((d, tier))
            lengths.setdefault(name[:2], set()).add(len(name))
            owners.append((name, d))
    starts, offset = [], 0
    for name, _ in owners:
        starts.append(offset)
        offset += len(name) + 1
    blob = "\n".join(name for name, _ in owners)
    by_prefix = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}
    return _Index(names, by_prefix, blob, starts, owners)


def _clean(text: str | None) -> str:
    """Text normalised (NFKC, full-width to half-width) with spaces and punctuation removed."""
    if not text:
        return ""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in _DROP)


def _is_below(d: Division, above: Division) -> bool:
    """True when d lies strictly inside `above`."""
    return d.code != above.code and above.code in d.ancestor_codes


def _select(cands: list[tuple[Division, int]], context: list[Division]) -> list[Division]:
    """The divisions a matched alias may mean, given what was matched before it."""
    if context:
        cands = [(d, t) for d, t in cands if any(_is_below(d, c) for c in context)]
    if not cands:
        return []
    # Nested readings (长沙 = 长沙市 or its 长沙县; 吉林 = 吉林省 or 吉林市): the broadest is right in all.
    codes = {d.code for d, _ in cands}
    cands = [(d, t) for d, t in cands if not codes.intersection(d.ancestor_codes)]
    if any(t == 0 for _, t in cands):
        cands = [(d, t) for d, t in cands if t == 0]
    elif any(d.level == "province" for d, _ in cands):
        cands = [(d, t) for d, t in cands if d.level == "province"]
    seen: dict[str, Division] = {}
    for d, _ in cands:
        seen.setdefault(d.code, d)
    return sorted(seen.values(), key=lambda d: d.code)


def _quote(text: str) -> str:
    """The user's text, shortened for a message."""
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"


def _listing(divisions: list[Division]) -> str:
    """Full names joined with 、, cut off after a few."""
    names = [full_name(d.code) or d.name for d in divisions[:_MAX_LISTED]]
    more = f"等{len(divisions)}个地区" if len(divisions) > _MAX_LISTED else ""
    return "、".join(names) + more


def parse_address(text: str | None) -> ParseResult:
    """The most specific division a free-text address names (read as province, city, county)."""
    s = _clean(text)
    if not s:
        return ParseResult(None, None, [], "地址为空，请填写省、市、区县")
    if s.isascii() and s.isdigit() and (d := get(s)):
        return _result(s, d.name, [d])
    idx, reg = _index(), registry()
    context: list[Division] = []
    token = ""
    i, n = 0, len(s)
    last_end = -1
    while i < n - 1:
        matched, hit = _match_at(idx, s, i, context)
        if not hit and i == last_end:
            # 济南市中区, 青岛市南区: the 市 closing the city also opens 市中区 / 市南区.
            matched, hit = _match_at(idx, s, i - 1, context, official_only=True)
            if hit:
                i -= 1
        if not hit:
            i += 1
            continue
        token, context = matched, hit
        i += len(matched)
        last_end = i
        if all(reg.is_leaf(d) for d in context):
            break
    if not context:
        return _unrecognised(s)
    return _result(s, token, context)


def _match_at(
    idx: _Index, s: str, i: int, context: list[Division], official_only: bool = False
) -> tuple[str, list[Division]]:
    """The longest alias at position i that fits the context, and what it may mean."""
    for length in idx.lengths.get(s[i : i + 2], ()):
        cands = idx.names.get(s[i : i + length]) if i + length <= len(s) else None
        if cands and official_only:
            cands = [(d, t) for d, t in cands if t == 0]
        if cands and (hit := _select(cands, context)):
            return s[i : i + length], hit
    return "", []


def _result(s: str, token: str, context: list[Division]) -> ParseResult:
    """ParseResult for the divisions the last matched alias may mean."""
    if len(context) > 1:
        problem = f"“{token}”对应多个地区：{_listing(context)}，请补充省市"
        return ParseResult(None, None, context, problem)
    d = context[0]
    if registry().is_leaf(d):
        return ParseResult(d.code, d.level, [], None)
    problem = f"地址“{_quote(s)}”无法识别到区县（已识别：{full_name(d.code)}），请填写省、市、区县"
    return ParseResult(d.code, d.level, [], problem)


def _unrecognised(s: str) -> ParseResult:
    """ParseResult when no division name was found; short text may still be part of names."""
    cands = search(s, limit=_MAX_FALLBACK_SEARCH) if 2 <= len(s) <= 10 else []
    if len(cands) > 1:
        problem = f"“{s}”对应多个地区：{_listing(cands)}，请补充省市"
        return ParseResult(None, None, cands[:_MAX_FALLBACK], problem)
    if cands:
        hint = f"，是否指{full_name(cands[0].code)}？"
        return ParseResult(None, None, cands, f"地址“{s}”无法识别{hint}请填写省、市、区县")
    return ParseResult(None, None, [], f"地址“{_quote(s)}”无法识别，请填写省、市、区县")


def search(prefix_or_name: str | None, limit: int = 20) -> list[Division]:
    """Divisions for autocompletion: exact names first, then prefixes, then substrings."""
    q = _clean(prefix_or_name)
    if not q or limit <= 0:
        return []
    if q.isascii() and q.isdigit():
        return [d for c, d in registry().by_code.items() if c.startswith(q)][:limit]
    idx = _index()
    best: dict[str, tuple[tuple[int, int, bool, str], Division]] = {}
    pos = idx.blob.find(q)
    while pos != -1:
        k = bisect_right(idx.starts, pos) - 1
        alias, d = idx.owners[k]
        score = 0 if alias == q else 1 if pos == idx.starts[k] else 2
        key = (score, LEVELS.index(d.level), d.functional, d.code)
        if d.code not in best or key < best[d.code][0]:
            best[d.code] = (key, d)
        pos = idx.blob.find(q, pos + 1)
    return [d for _, d in sorted(best.values(), key=lambda item: item[0])[:limit]]
