"""Feature definitions, written once, run by every engine.

A feature is SQL in the DuckDB dialect that returns one row per customer (or, for evidence,
one row per record) as of a date. DuckDB runs it as written; the Spark engine transpiles it
with SQLGlot. Nothing here imports an engine: engines import features, never the reverse.
Modules declare their features with :func:`register` at import time; importing
``keepwise.domain.features`` loads every built-in module, so the registry is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa

from keepwise.domain.sqltext import timestamp_literal
from keepwise.settings import Settings


class Engine(Protocol):
    """What the domain needs from an engine: run SQL (DuckDB dialect), get Arrow back."""

    name: str

    def query(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run one SELECT and return its result as an Arrow table."""
        ...


@dataclass(frozen=True)
class FeatureContext:
    """What a feature's SQL may depend on: the as-of date, the settings, the tables present."""

    as_of: datetime
    settings: Settings
    present: frozenset[str] = field(default_factory=frozenset)

    @property
    def as_of_sql(self) -> str:
        """Return the as-of moment as a SQL timestamp literal (portable across engines)."""
        return timestamp_literal(self.as_of)


@dataclass(frozen=True)
class Feature:
    """One named query: the contract tables it reads and a builder of its SQL text."""

    name: str
    tables: tuple[str, ...]
    build: Callable[[FeatureContext], str]
    doc: str = ""

    def sql(self, ctx: FeatureContext) -> str:
        """Return the SQL of this feature for ``ctx``."""
        return self.build(ctx)


_REGISTRY: dict[str, Feature] = {}


def register(feature: Feature) -> Feature:
    """Add ``feature`` to the registry; a name may be registered once."""
    if feature.name in _REGISTRY and _REGISTRY[feature.name] is not feature:
        raise ValueError(f"feature {feature.name!r} is already registered")
    _REGISTRY[feature.name] = feature
    return feature


def feature(
    name: str, tables: tuple[str, ...], doc: str = ""
) -> Callable[[Callable[[FeatureContext], str]], Feature]:
    """Decorate a SQL builder to register it as feature ``name`` reading ``tables``."""

    def wrap(build: Callable[[FeatureContext], str]) -> Feature:
        return register(Feature(name, tables, build, doc or (build.__doc__ or "").strip()))

    return wrap


def run_feature(engine: Engine, name: str, ctx: FeatureContext) -> pa.Table:
    """Run registered feature ``name`` on ``engine`` for ``ctx``."""
    return engine.query(get_feature(name).sql(ctx))


def get_feature(name: str) -> Feature:
    """Return the registered feature called ``name``."""
    return _REGISTRY[name]


def all_features() -> Iterator[Feature]:
    """Yield every registered feature in registration order."""
    yield from _REGISTRY.values()
