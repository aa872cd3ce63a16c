"""Derived work kept per distinct answer: content keys, the memo, and their use by the data
service, the wall's panels and the map's layers."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from adapter_fixtures import NOW
from test_services import Counter
from test_situation_map import _data, _layer

from brain.memo import Memo, combine, content_key
from config import Settings
from data_adapters.declare import Query
from data_adapters.node import LakeNode
from layouts.situation_map import build_map
from services.cache import make_cache
from services.data import DataService, floor_time, phase_of


def test_content_keys_tell_equal_answers_from_different_ones() -> None:
    a = pd.DataFrame({"mmsi": [1, 2], "name": ["甲", "乙"], "ts": pd.to_datetime([0, 1], utc=True)})
    assert content_key(a) == content_key(a.copy()) is not None
    assert content_key(a) != content_key(a.assign(name=["甲", "丙"]))
    assert content_key(a) != content_key(a.iloc[:1])
    assert content_key(lambda: 1) is None  # cannot be pickled: no key
    assert combine("a", "b") == combine("a", "b") != combine("b", "a")
    assert combine("a", None) is None


def test_the_memo_keeps_one_value_per_distinct_inputs() -> None:
    memo, calls = Memo(size=2), []

    def derive(x: int) -> list[int]:
        calls.append(x)
        return [x]

    first = memo("sum", ["k1"], lambda: derive(1), "zh")
    assert memo("sum", ["k1"], lambda: derive(2), "zh") is first  # same inputs: kept
    assert memo("sum", ["k1"], lambda: derive(3), "en") == [3]  # another argument
    assert memo("sum", ["k2"], lambda: derive(4), "zh") == [4]  # another input
    assert memo("sum", [None], lambda: derive(5), "zh") == [5]  # an input without a key
    assert memo("sum", [None], lambda: derive(6), "zh") == [6]  # … is never kept
    assert memo("sum", ["k1"], lambda: derive(7), "zh") == [7]  # pushed out (size 2)
    assert calls == [1, 3, 4, 5, 6, 7]
    assert (memo.hits, memo.misses) == (1, 4)


def test_the_memo_is_safe_across_threads() -> None:
    memo, errors = Memo(size=8), []

    def work(n: int) -> None:
        try:
            for i in range(300):
                key = str(i % 12)
                assert memo("x", [key], lambda k=key: k * 2) == key * 2  # type: ignore[misc]
        except AssertionError as err:
            errors.append(err)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_answers_carry_their_content_key(lake_node: LakeNode, tmp_path: Path) -> None:
    svc = DataService(lake_node, make_cache(Settings(data_dir=tmp_path)))
    fn = Counter()
    start = floor_time(NOW, 10, phase_of("fire.counter", 10))
    first = svc.call(fn.as_query("fire", "counter"), now=start)
    hit = svc.call(fn.as_query("fire", "counter"), now=start + timedelta(seconds=1))
    assert fn.calls == 1 and first.key is not None and hit.key == first.key
    later = svc.call(fn.as_query("fire", "counter"), now=start + timedelta(seconds=10))
    assert later.key is not None and later.key != first.key  # another answer (another row)
    fn.fail = True
    failed = svc.call(fn.as_query("fire", "counter"), now=start + timedelta(seconds=20))
    assert not failed.ok and failed.value is not None and failed.key is None  # never kept


def test_map_layers_are_built_once_per_distinct_frames() -> None:
    data = _data()
    keys = {f.name: content_key(getattr(data, f.name)) for f in dataclasses.fields(data)}
    keyed = dataclasses.replace(data, keys={k: v for k, v in keys.items() if k != "keys"})
    plain = build_map(data)
    first, again = build_map(keyed), build_map(keyed)
    assert first == plain  # keys change nothing that is drawn
    roads = _layer(first, "roads-segments")
    assert _layer(again, "roads-segments") is roads

    slower = data.roads.assign(tpi=9.5, level=5)  # the roads changed, nothing else
    moved = dataclasses.replace(
        keyed, roads=slower, keys={**keyed.keys, "roads": content_key(slower)}
    )
    changed = build_map(moved)
    assert changed == build_map(dataclasses.replace(data, roads=slower))
    new_roads = _layer(changed, "roads-segments")
    assert new_roads is not roads and new_roads != roads
    ships = _layer(first, "vessels-ships")
    assert _layer(changed, "vessels-ships") is ships
    english = build_map(keyed, lang="en")
    assert english != first  # the context is part of what a layer is kept under


def test_a_tick_with_kept_figures_equals_one_derived_afresh(
    lake_node: LakeNode, tmp_path: Path
) -> None:
    from services import wall as wall_service
    from services.fetch import DERIVED

    svc = DataService(lake_node, make_cache(Settings(data_dir=tmp_path)))
    now = datetime(NOW.year, NOW.month, NOW.day, NOW.hour, tzinfo=UTC)
    DERIVED.clear()
    city, district = wall_service.tick(svc, now, None), wall_service.tick(svc, now, "440803")
    assert city != district
    again = wall_service.tick(svc, now, None), wall_service.tick(svc, now, "440803")
    assert DERIVED.hits >= 2 * len(wall_service.DOMAINS)
    DERIVED.clear()  # derived afresh from the same answers
    assert (
        again
        == (city, district)
        == (
            wall_service.tick(svc, now, None),
            wall_service.tick(svc, now, "440803"),
        )
    )


def test_an_answer_is_stored_once_however_often_it_is_asked(
    lake_node: LakeNode, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    mine, other = make_cache(settings), make_cache(settings)
    svc, written = DataService(lake_node, mine), []
    store = mine.set

    def noting(key: str, value: object, timeout: int, *, once: bool = False) -> bool:
        written.append(key)
        return store(key, value, timeout, once=once)

    mine.set = noting  # type: ignore[method-assign]

    answer = {"v": [1, 2, 3]}

    def answering(con: object, *, now: datetime) -> pd.DataFrame:  # an answer that never changes
        return pd.DataFrame(answer)

    same = Query("fire", "same", answering, 10)

    start = floor_time(NOW, 10, phase_of("fire.same", 10))
    answers = [svc.call(same, now=start + timedelta(seconds=10 * i)) for i in range(5)]
    assert len({a.key for a in answers}) == 1
    mine.flush()
    assert [k for k in written if k.startswith("blob:")] == [f"blob:{answers[0].key}"]
    assert len([k for k in written if k.startswith("data:")]) == 5  # one short entry each
    peer = DataService(lake_node, other)  # another worker reads it without asking the node
    answer["v"] = [0]  # (what the node would answer now)
    hit = peer.call(same, now=start)
    assert hit.value["v"].tolist() == [1, 2, 3] and hit.key == answers[0].key
    other.backend.delete(f"blob:{answers[0].key}")  # the answer is gone: asked again
    other._forget()
    answer["v"] = [9]
    again = peer.call(same, now=start)
    assert again.value["v"].tolist() == [9]


def test_an_answer_of_none_is_kept_like_any_other(lake_node: LakeNode, tmp_path: Path) -> None:
    svc, calls = DataService(lake_node, make_cache(Settings(data_dir=tmp_path))), []

    def answer_none(con: object, *, now: datetime) -> None:  # e.g. no typhoon signal in force
        calls.append(now)

    nothing = Query("emergency", "nothing", answer_none, 10)

    start = floor_time(NOW, 10, phase_of("emergency.nothing", 10))
    first = svc.call(nothing, now=start)
    again = svc.call(nothing, now=start + timedelta(seconds=5))
    assert first.ok and again.ok and first.value is None and again.value is None
    assert len(calls) == 1


def test_a_value_asked_by_several_threads_at_once_is_derived_once() -> None:
    """Threads asking for the same value while it is being derived wait for it; a derivation
    that fails is tried again by the next one asking."""
    memo, started, release, calls = Memo(size=8), threading.Event(), threading.Event(), []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "coverage"

    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(memo("c", ["k"], slow)))]
    threads[0].start()
    started.wait(5)
    threads += [
        threading.Thread(target=lambda: got.append(memo("c", ["k"], slow))) for _ in range(3)
    ]
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(5)
    assert got == ["coverage"] * 4 and len(calls) == 1
    assert (memo.hits, memo.misses) == (3, 1)

    def broken() -> str:
        raise RuntimeError("the graph is not there")

    with pytest.raises(RuntimeError):
        memo("c", ["other"], broken)
    assert memo("c", ["other"], lambda: "now it is") == "now it is"
