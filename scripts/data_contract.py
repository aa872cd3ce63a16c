"""Write docs/data-contract.md from data_adapters/schema.py (a test keeps them in step).

Usage: python scripts/data_contract.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_adapters.schema import DOMAINS, HEALTH, TABLES, Kind, Table

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-contract.md"

_HEAD = """# Data contract

Generated from `data_adapters/schema.py` by `python scripts/data_contract.py`; do not edit by hand
(a test fails when this file and the code disagree).

Conventions
- Positions are **WGS-84** longitude/latitude in degrees. Every source declares its datum when it is
  ingested (`data_adapters.ingest.Datum`); GCJ-02 sources (Chinese web maps, offset ≈ 500 m here)
  are converted to WGS-84 on the way in.
- Timestamps are stored in **UTC** (`timestamp` columns are timezone-aware); the UI shows
  Asia/Shanghai.
- Districts are identified by their 6-digit administrative code (`adcode`, 4408xx).
- Geometries (`path`, `polygons`) are JSON arrays of `[lon, lat]` pairs, so any engine stores them.
- Fact tables are append-only. A change of state (an incident clearing, a problem being closed) is a
  new row with a later `ts`; the current state of an entity is its newest row.
- Every row entering through an ingest path is checked against this contract (types,
  nullability, ranges, allowed values, string lengths, observation times at most 5 minutes in the
  future, duplicate keys within a batch). A rejected row goes to `quarantine` with its reason
  and raw payload.
- Freshness: a fact table is *fresh* when its newest row is younger than its freshness limit,
  *stale* when older, *down* when it cannot be read or holds no data.
"""

_KIND = {
    Kind.STRING: "text",
    Kind.INT: "integer",
    Kind.FLOAT: "float",
    Kind.BOOL: "boolean",
    Kind.TIMESTAMP: "timestamp (UTC)",
    Kind.DATE: "date",
}


def _allowed(c: object) -> str:
    from data_adapters.schema import Column

    assert isinstance(c, Column)
    parts = []
    if c.isin:
        parts.append(" / ".join(f"`{v}`" for v in c.isin))
    if c.ge is not None or c.le is not None:
        lo = "" if c.ge is None else f"≥ {c.ge:g}"
        hi = "" if c.le is None else f"≤ {c.le:g}"
        parts.append(", ".join(p for p in (lo, hi) if p))
    if c.pattern:
        parts.append(f"matches `{c.pattern}`")
    if c.kind is Kind.TIMESTAMP:
        parts.append("may lie ahead" if c.future_ok else "≤ now + 5 min")
    if c.kind is Kind.STRING and not c.isin:
        parts.append(f"≤ {c.max_len:,} chars")
    return "; ".join(parts)


def _table(t: Table) -> str:
    kind = "facts (append-only)" if t.fact else "reference"
    lines = [
        f"### `{t.name}`",
        "",
        t.doc,
        "",
        f"- kind: {kind}; key: {', '.join(f'`{k}`' for k in t.key)}",
    ]
    if t.ts:
        lines.append(f"- time column: `{t.ts}`; stale after {t.freshness_s:,} s")
    lines += [
        "",
        "| column | type | null | unit | allowed | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for c in t.columns:
        null = "yes" if c.nullable else "no"
        lines.append(
            f"| `{c.name}` | {_KIND[c.kind]} | {null} | {c.unit} | {_allowed(c)} | {c.doc} |"
        )
    return "\n".join(lines) + "\n"


def render() -> str:
    out = [_HEAD]
    for d in (*DOMAINS, HEALTH):
        tables = [t for t in TABLES if t.domain == d]
        if tables:
            out.append(f"\n## {d}\n")
            out.extend("\n" + _table(t) for t in tables)
    return "".join(out)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text("utf-8") != text:
            print("docs/data-contract.md is out of date: run python scripts/data_contract.py")
            return 1
        return 0
    DOC.write_text(text, "utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
