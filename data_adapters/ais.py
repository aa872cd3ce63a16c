"""AIS: NMEA 0183 AIVDM/AIVDO sentences → decoded reports and rejected lines.

Input is untrusted. Every input line ends up either in a decoded report (multi-fragment messages
count once per fragment, see `fragments`) or in the rejected frame with its reason; nothing raises
and nothing is dropped silently.

Types 1, 2, 3 (class A position), 5 (static and voyage), 18, 19 (class B), 21 (aid to navigation)
and 24 (class B static, parts A and B) are decoded in full. Other types that pyais knows (4, 6-17,
20, 22, 23, 25-27) are kept with their identity only (mmsi, msg_type, channel, raw): they are valid
traffic, not errors, and their fields mean different things per type. Types 0 and 28-63 are rejected
as 'unsupported type N'. AIS "not available" values (lon 181, lat 91, sog 102.3, cog 360,
heading 511, nav_status 15, ship_type 0, IMO 0, empty text) become NA.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from pyais.exceptions import AISBaseException
from pyais.messages import AISSentence, NMEASentenceFactory

__all__ = ["MAX_LINE_CHARS", "REPORT_COLUMNS", "NmeaDecoder", "decode_nmea", "to_tables"]

MAX_LINE_CHARS = 1024

# Decoded report columns and their (nullable) dtypes.
REPORT_COLUMNS: dict[str, str] = {
    "received_index": "Int64",
    "fragments": "Int64",
    "channel": "string",
    "msg_type": "Int64",
    "mmsi": "Int64",
    "lat": "Float64",
    "lon": "Float64",
    "sog": "Float64",
    "cog": "Float64",
    "heading": "Int64",
    "nav_status": "Int64",
    "shipname": "string",
    "ship_type": "Int64",
    "callsign": "string",
    "imo": "Int64",
    "to_bow": "Int64",
    "to_stern": "Int64",
    "to_port": "Int64",
    "to_starboard": "Int64",
    "draught": "Float64",
    "destination": "string",
    "partno": "Int64",
    "raw": "string",
}
_REJECT_COLUMNS = {"received_index": "Int64", "line": "string", "reason": "string"}

_FULL_TYPES = frozenset({1, 2, 3, 5, 18, 19, 21, 24})
_KNOWN_TYPES = frozenset(range(1, 28))
# Bits up to the end of the last field used; shorter payloads are truncated messages.
_MIN_BITS = {1: 168, 2: 168, 3: 168, 5: 420, 18: 168, 19: 312, 21: 272, 24: 160}
# pyais field → report column: renamed ones, then those that keep their name.
_RENAMED = {"speed": "sog", "course": "cog", "status": "nav_status"}
_SAME = (
    "mmsi",
    "lat",
    "lon",
    "heading",
    "shipname",
    "ship_type",
    "callsign",
    "imo",
    "to_bow",
    "to_stern",
    "to_port",
    "to_starboard",
    "draught",
    "destination",
    "partno",
)
_FIELDS = {**_RENAMED, **{name: name for name in _SAME}}
_HEAD = re.compile(r"[!$][A-Z]{2}VD[MO],")
_PAYLOAD = re.compile(r"[0-W`-w]*")


@dataclass
class _Group:
    """Fragments of one multi-sentence message received so far."""

    count: int
    sentences: list[AISSentence] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)


class NmeaDecoder:
    """Decoder that keeps unfinished multi-fragment messages between batches (for live feeds).

    `feed` returns the reports and rejects of a batch; `flush` rejects whatever is still
    waiting for fragments (end of input, or a dropped connection).
    """

    def __init__(self) -> None:
        self._next_index = 0
        self._pending: dict[tuple[int | None, str], _Group] = {}
        self._reports: list[dict[str, Any]] = []
        self._rejects: list[tuple[int, str, str]] = []

    def feed(self, lines: Iterable[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Decode a batch of lines; returns (reports, rejected)."""
        self._consume(lines)
        return self._collect()

    def flush(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Reject the fragments still waiting for the rest of their message."""
        self._drain()
        return self._collect()

    def _consume(self, lines: Iterable[Any]) -> None:
        for line in lines:
            index = self._next_index
            self._next_index += 1
            self._take(index, line)

    def _drain(self) -> None:
        for group in self._pending.values():
            self._reject_group(group, "incomplete multipart message at end of input")
        self._pending.clear()

    # ── one line ──────────────────────────────────────────────────────────────────────────

    def _take(self, index: int, line: Any) -> None:
        if not isinstance(line, str):
            self._rejects.append((index, repr(line)[:MAX_LINE_CHARS], "not a text line"))
            return
        reason = _precheck(line)
        if reason is not None:
            self._rejects.append((index, line[:MAX_LINE_CHARS], reason))
            return
        text = line.strip()
        try:
            sentence = NMEASentenceFactory.produce(text.encode("ascii"))
        except AISBaseException as err:
            self._rejects.append((index, line, f"invalid sentence: {err}"[:200]))
            return
        except Exception as err:  # third-party parser on untrusted text: any failure is a reject
            self._rejects.append((index, line, f"invalid sentence: {type(err).__name__}"))
            return
        if not isinstance(sentence, AISSentence):
            self._rejects.append((index, line, "not an AIVDM/AIVDO sentence"))
        elif not sentence.is_valid:
            self._rejects.append((index, line, "bad checksum"))
        elif not _PAYLOAD.fullmatch(sentence.payload.decode("ascii")):
            self._rejects.append((index, line, "invalid character in payload"))
        elif sentence.frag_cnt == 1:
            self._complete(_Group(1, [sentence], [(index, text)]))
        else:
            self._fragment(index, text, sentence)

    def _fragment(self, index: int, text: str, sentence: AISSentence) -> None:
        key = (sentence.seq_id, sentence.channel)
        group = self._pending.get(key)
        if sentence.frag_num == 1:
            if group is not None:
                self._reject_group(group, "incomplete multipart message (superseded)")
            group = self._pending[key] = _Group(sentence.frag_cnt)
        elif (
            group is None
            or group.count != sentence.frag_cnt
            or len(group.sentences) + 1 != sentence.frag_num
        ):
            seq = "" if sentence.seq_id is None else sentence.seq_id
            self._rejects.append(
                (
                    index,
                    text,
                    (
                        f"orphan fragment {sentence.frag_num} of {sentence.frag_cnt} "
                        f"(sequence id {seq!s}, channel {sentence.channel})"
                    ),
                )
            )
            if group is not None:
                self._reject_group(group, "incomplete multipart message (fragment missing)")
                del self._pending[key]
            return
        group.sentences.append(sentence)
        group.lines.append((index, text))
        if len(group.sentences) == group.count:
            del self._pending[key]
            self._complete(group)

    def _reject_group(self, group: _Group, reason: str) -> None:
        got = f" ({len(group.lines)} of {group.count} fragments)"
        self._rejects.extend((i, text, reason + got) for i, text in group.lines)

    def _complete(self, group: _Group) -> None:
        result = _decode(group.sentences)
        if isinstance(result, str):
            self._rejects.extend((i, text, result) for i, text in group.lines)
            return
        result["received_index"] = group.lines[0][0]
        result["fragments"] = len(group.lines)
        result["channel"] = group.sentences[0].channel
        result["raw"] = "\n".join(text for _, text in group.lines)
        self._reports.append(result)

    def _collect(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        reports = _clean(_frame(self._reports, REPORT_COLUMNS))
        rejects = _frame(
            [dict(zip(_REJECT_COLUMNS, r, strict=True)) for r in self._rejects], _REJECT_COLUMNS
        )
        self._reports, self._rejects = [], []
        return reports, rejects


def decode_nmea(lines: Iterable[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decode AIVDM/AIVDO lines into (reports, rejected); never raises on bad lines."""
    decoder = NmeaDecoder()
    decoder._consume(lines)
    decoder._drain()
    return decoder._collect()


def _precheck(line: str) -> str | None:
    """Why a line cannot be an AIS sentence, found without parsing it (or None)."""
    if len(line) > MAX_LINE_CHARS:
        return f"over-long line ({len(line)} chars > {MAX_LINE_CHARS})"
    text = line.strip()
    if not text:
        return "empty line"
    if not text.isascii():
        return "non-ASCII characters"
    if text.startswith("\\"):  # NMEA 4.0 tag block: \s:station,c:time*hh\!AIVDM,...
        end = text.find("\\", 1)
        text = text[end + 1 :] if end > 0 else ""
    if not _HEAD.match(text):
        return "not an AIVDM/AIVDO sentence"
    fields = text.split(",")
    if len(fields) < 7:
        return f"truncated sentence ({len(fields)} of 7 fields)"
    if len(fields) > 7 or "*" not in fields[-1]:
        return "malformed sentence (field count or missing checksum)"
    return None


def _decode(sentences: list[AISSentence]) -> dict[str, Any] | str:
    """The report fields of a complete message, or the reason it cannot be decoded."""
    try:
        msg = AISSentence.assemble_from_iterable(sentences)
        msg_type = int(msg.ais_id)
        if msg_type not in _KNOWN_TYPES:
            return f"unsupported type {msg_type}"
        bits = len(msg.bv)
        if bits < _MIN_BITS.get(msg_type, 38):
            return f"truncated payload: type {msg_type} with {bits} bits"
        values = msg.decode().asdict(enum_as_int=True)
        if msg_type == 21:
            values["shipname"] = str(values.get("name") or "") + str(values.get("name_ext") or "")
    except (AISBaseException, ValueError, TypeError, IndexError, KeyError) as err:
        return f"decode error: {type(err).__name__}: {err}"[:200]
    row: dict[str, Any] = {"msg_type": msg_type}
    fields = _FIELDS if msg_type in _FULL_TYPES else {"mmsi": "mmsi"}
    for src, col in fields.items():
        value = values.get(src)
        row[col] = int(value) if isinstance(value, bool) else value
    return row


def _frame(rows: list[dict[str, Any]], dtypes: dict[str, str]) -> pd.DataFrame:
    columns = {c: [r.get(c) for r in rows] for c in dtypes}
    return pd.DataFrame(
        {c: pd.array(v, dtype=dtypes[c]) for c, v in columns.items()}  # type: ignore[call-overload]
    )


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn AIS "not available" values and impossible values into NA."""
    f = frame
    if f.empty:
        return f
    f["lon"] = f["lon"].mask(f["lon"].abs() > 180)  # 181: not available
    f["lat"] = f["lat"].mask(f["lat"].abs() > 90)  # 91: not available
    f["sog"] = f["sog"].mask(f["sog"] >= 102.3)
    f["cog"] = f["cog"].mask(f["cog"] >= 360)
    f["heading"] = f["heading"].mask(f["heading"] > 359)
    f["nav_status"] = f["nav_status"].mask(f["nav_status"] == 15)
    f["ship_type"] = f["ship_type"].mask(f["ship_type"] == 0)
    f["imo"] = f["imo"].mask(f["imo"] == 0)
    f["draught"] = f["draught"].mask(f["draught"] == 0)
    for col in ("shipname", "callsign", "destination"):
        text = f[col].str.replace("@", "", regex=False).str.strip()
        f[col] = text.mask(text == "")
    return f


# ── mapping into the radar tables of data_adapters/schema.py ──────────────────────────────────

_POSITION_TYPES = (1, 2, 3, 18, 19)
_STATIC_TYPES = (5, 19, 24)
_SERVICE_TYPES = frozenset({33, 34, 35, 50, 51, 53, 54, 55, 58})


def _vessel_type(ship_type: Any) -> str:
    """The contract's vessel type of an AIS ship-type code (AIS cannot tell container ships)."""
    if pd.isna(ship_type):
        return "other"
    code = int(ship_type)
    if code == 30:
        return "fishing"
    if code in (31, 32, 52):
        return "tug"
    if code in _SERVICE_TYPES:
        return "service"
    kinds = {6: "passenger", 7: "cargo", 8: "tanker"}
    return kinds.get(code // 10, "other")


def to_tables(
    reports: pd.DataFrame,
    received_at: datetime,
    *,
    registered_mmsis: Collection[int] = frozenset(),
    received: pd.Series | None = None,
) -> dict[str, pd.DataFrame]:
    """Rows for the `ais_reports` and `vessels` tables (data_adapters/schema.py) from `reports`.

    Position reports (types 1-3, 18, 19) become `ais_reports`; static messages (5, 19, 24) become
    one `vessels` row per MMSI, merging the parts seen in the batch. Every row's `ts` is
    `received_at` plus its position in the batch in microseconds, which keeps (mmsi, ts) unique
    and preserves arrival order, unless `received` gives each input line's receive time (by line
    number, `received_index`). Rows are not filtered: `validate.check_rows` quarantines those
    that break the contract (e.g. a position outside the area). AIS does not say whether a vessel
    is in the local register, so `registered` comes from `registered_mmsis`.
    """
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    base = pd.Timestamp(received_at).tz_convert("UTC").as_unit("us")
    ordered = reports.sort_values("received_index", kind="stable").reset_index(drop=True)
    if received is None:
        ts = base + pd.to_timedelta(ordered.index.to_numpy(), unit="us")
    else:
        ts = received.to_numpy()[ordered["received_index"].to_numpy(dtype="int64")]
    ordered = ordered.assign(ts=pd.Series(ts, index=ordered.index).astype("datetime64[us, UTC]"))

    pos = ordered[ordered["msg_type"].isin(_POSITION_TYPES)]
    ais_reports = pos[
        ["ts", "mmsi", "msg_type", "lon", "lat", "sog", "cog", "heading", "nav_status"]
    ].reset_index(drop=True)

    static = ordered[ordered["msg_type"].isin(_STATIC_TYPES) & ordered["mmsi"].notna()]
    merged = static.groupby("mmsi", sort=False).last()  # last non-null value of each column
    length = merged["to_bow"].astype("Float64") + merged["to_stern"].astype("Float64")
    mmsis = merged.index.to_series()
    vessels = pd.DataFrame(
        {
            "mmsi": mmsis.astype("Int64"),
            "name": merged["shipname"].astype("string"),
            "vessel_type": merged["ship_type"].map(_vessel_type).astype("string"),
            "registered": mmsis.isin(list(registered_mmsis)).astype("boolean"),
            "callsign": merged["callsign"].astype("string"),
            "imo": merged["imo"].astype("Int64"),
            "length_m": length.mask(length <= 0),
            "ts": static.groupby("mmsi", sort=False)["ts"].max().astype("datetime64[us, UTC]"),
        }
    ).reset_index(drop=True)
    return {"ais_reports": ais_reports, "vessels": vessels}
