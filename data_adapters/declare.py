"""Declared queries: every adapter query is declared once; everything else reads the declaration.

```python
@query("traffic", ttl_s=30)
def worst_roads(con, *, now: datetime, n: int = 5, adcode: str | None = None) -> ir.Table:
    '''The `n` roads with the highest TPI now.'''
    ...  # an ibis expression (executed in the engine), or a value made from other queries

worst_roads(con, now=now)                    # a DataFrame, run on `con`
data.call(worst_roads, now=now, n=3)         # services.data: through the cache, as a Result
```

The declaration states the query's domain, name, parameters (its signature: keyword-only after
the connection), which of them are times (those annotated `datetime`), and how long an answer
may be kept (`ttl_s`). A query annotated `-> ir.Table` is an expression, compiled once per shape
(`data_adapters.compiled`); any other makes its value in Python, from other queries. The cache
keys an answer by the query's `identity` and the value of every
parameter, defaults included; the benchmark, the property tests and the docs walk `REGISTRY`.

A query may carry a fast path (`fast=`): a function of the same parameters that answers from
something cheaper than the engine (the resident copy's time-sorted rows), or returns None when
it cannot here. `Query.plain` never takes it; a property test holds the two equal for every
declared query that has one, over random times and parameters.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import pickle
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import UnionType
from typing import Any

import ibis.expr.types as ir

from data_adapters import compiled
from data_adapters.query import execute, span, utc

__all__ = ["REGISTRY", "Query", "declared", "plainly", "query", "sql_of"]

REGISTRY: dict[str, Query] = {}  # "domain.name" → the query declared at module level
_plain_only = False  # `plainly`: every query answered the plain way, in every thread
_PLAIN_HERE: ContextVar[bool] = ContextVar("brain_plain_here", default=False)  # inside `plain`
_PICKLE_ERRORS = (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError)


@dataclass(frozen=True, eq=False)
class Query:
    """One declared adapter query (see the module docstring); made by `query`."""

    domain: str
    name: str
    fn: Callable[..., Any] = field(repr=False)
    ttl_s: int
    fast: Callable[..., Any] | None = field(default=None, repr=False)
    params: tuple[str, ...] = field(init=False)  # its parameter names, in declaration order
    times: tuple[str, ...] = field(init=False)
    defaults: Mapping[str, Any] = field(init=False, repr=False)
    required: frozenset[str] = field(init=False, repr=False)
    expression: bool = field(init=False, repr=False)  # returns an ibis table (`-> ir.Table`)
    identity: str | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        params = list(inspect.signature(self.fn).parameters.values())[1:]  # after the connection
        if any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in params):
            raise TypeError(f"query {self.key}: parameters after the connection are keyword-only")
        hints = typing.get_type_hints(self.fn)
        times = tuple(p.name for p in params if _is_time(hints.get(p.name)))
        empty = inspect.Parameter.empty
        set_ = functools.partial(object.__setattr__, self)
        set_("params", tuple(p.name for p in params))
        set_("times", times)
        set_("expression", hints.get("return") is ir.Table)
        set_("defaults", {p.name: p.default for p in params if p.default is not empty})
        set_("required", frozenset(p.name for p in params if p.default is empty))
        set_("identity", _identity(self.fn))
        for attr in ("__module__", "__qualname__", "__name__", "__doc__"):
            set_(attr, getattr(self.fn, attr, None))

    @property
    def key(self) -> str:
        """`domain.name`: how people, logs and the registry name the query."""
        return f"{self.domain}.{self.name}"

    def bind(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every parameter's value (defaults filled in), times in UTC; a clear TypeError for an
        unknown or missing parameter, ValueError for a naive time."""
        unknown = set(params) - set(self.defaults) - self.required
        if unknown:
            raise TypeError(f"{self.key} has no parameter {', '.join(sorted(unknown))}")
        missing = self.required - set(params)
        if missing:
            raise TypeError(f"{self.key} needs {', '.join(sorted(missing))}")
        bound = {**self.defaults, **params}
        for name in self.times:
            if bound[name] is not None:
                bound[name] = utc(bound[name])
        if bound.get("start") is not None and bound.get("end") is not None:
            span(bound["start"], bound["end"])  # a window that ends before it starts is refused
        return bound

    def expr(self, con: Any, /, **params: Any) -> ir.Table:
        """The query's ibis expression (TypeError for a query that makes its value in Python)."""
        out = self.fn(con, **self.bind(params))
        if not isinstance(out, ir.Table):
            raise TypeError(f"{self.key} is not a single expression")
        return out

    def plain(self, con: Any, /, **params: Any) -> Any:
        """The answer made the plain way: the expression built and run afresh, never a fast
        path or a template (nor for the queries a query made in Python asks)."""
        token = _PLAIN_HERE.set(True)
        try:
            _refresh(con)
            return self._plain(con, self.bind(params))
        finally:
            _PLAIN_HERE.reset(token)

    def _plain(self, con: Any, bound: dict[str, Any]) -> Any:
        out = self.fn(con, **bound)
        return execute(out) if isinstance(out, ir.Table) else out

    def __call__(self, con: Any, /, **params: Any) -> Any:
        """The answer on `con`: from the fast path when there is one and it can answer here,
        else from the query's compiled template (`data_adapters.compiled`), else plain."""
        bound = self.bind(params)
        _refresh(con)
        if _plain_only or _PLAIN_HERE.get():
            return self._plain(con, bound)
        if self.fast is not None:
            found = self.fast(con, **bound)
            if found is not None:
                return found
        t = compiled.template(self, con, bound)
        if t is None:
            return self._plain(con, bound)
        return compiled.run(t, con, bound)


def _refresh(con: Any) -> None:
    """Bring the resident copy `con` reads in step with the lake, once per call: rows the lake
    gained since count from this query on."""
    resident = getattr(con, "brain_resident", None)
    if resident is not None:
        resident.refresh()


def query(
    domain: str, *, ttl_s: int, name: str | None = None, fast: Callable[..., Any] | None = None
) -> Callable[[Callable[..., Any]], Query]:
    """Declare an adapter query of `domain` whose answers may be kept `ttl_s` seconds (named after
    the function unless `name` says otherwise); see the module docstring. A query declared at a
    module's top level is registered; declaring a second one of the same name is an error."""

    def declare(fn: Callable[..., Any]) -> Query:
        q = Query(domain, name or fn.__name__, fn, int(ttl_s), fast)
        if "<locals>" not in fn.__qualname__:
            known = REGISTRY.get(q.key)
            where = (fn.__module__, fn.__qualname__)
            if known is not None and (known.fn.__module__, known.fn.__qualname__) != where:
                raise ValueError(f"query {q.key} is declared twice ({known.fn.__module__})")
            REGISTRY[q.key] = q
        return q

    return declare


@contextmanager
def plainly() -> Iterator[None]:
    """Every query answered the plain way inside, in every thread (what the benchmark compares
    the fast paths and templates with)."""
    global _plain_only
    before, _plain_only = _plain_only, True
    try:
        yield
    finally:
        _plain_only = before


def sql_of(q: Query, con: Any, /, **params: Any) -> str | None:
    """The SQL text a call runs on `con` (None for a query that makes its value in Python)."""
    bound = q.bind(params)
    t = compiled.template(q, con, bound)
    if t is not None:
        return t.text(bound)
    out = q.fn(con, **bound)
    return str(con.compile(out)) if isinstance(out, ir.Table) else None


def declared(domain: str | None = None) -> Iterator[Query]:
    """The registered queries (of one domain), after importing every adapter module."""
    import data_adapters.economy
    import data_adapters.emergency
    import data_adapters.fire
    import data_adapters.health
    import data_adapters.radar
    import data_adapters.river
    import data_adapters.traffic  # noqa: F401  (each registers its queries)

    for key in sorted(REGISTRY):
        if domain is None or REGISTRY[key].domain == domain:
            yield REGISTRY[key]


def _is_time(hint: Any) -> bool:
    if hint is datetime:
        return True
    if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return args == [datetime]
    return False


@functools.cache
def _source_digest(module: str) -> str:
    """A digest of a module's source: an answer cached by other code is not this code's."""
    path = getattr(sys.modules.get(module), "__file__", None)
    data = Path(path).read_bytes() if path else module.encode()
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _identity(fn: Callable[..., Any]) -> str | None:
    """What an answer of `fn` depends on besides its parameters: its code and the values it
    captured (a query made in a closure for one place is not the query of another); None when
    a captured value cannot be pickled, so that answers of the query are never kept."""
    cells = [c.cell_contents for c in getattr(fn, "__closure__", None) or ()]
    try:
        captured = pickle.dumps(cells, protocol=pickle.HIGHEST_PROTOCOL)
    except _PICKLE_ERRORS:
        return None
    text = f"{fn.__module__}:{_source_digest(fn.__module__)}:{fn.__qualname__}".encode()
    return hashlib.blake2b(text + captured, digest_size=12).hexdigest()
