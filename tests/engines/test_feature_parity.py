"""Every registered feature gives the same answer on DuckDB and on Spark (DESIGN.md §10).

The list of features is not written here: the test iterates the registry, so a feature added
anywhere in the domain is checked the moment it is registered, and one that Spark cannot run
(or runs with a different meaning) fails by name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import keepwise.domain.features  # noqa: F401  (loads every built-in feature module)
from keepwise.domain.features import Feature, FeatureContext, all_features
from keepwise.settings import default_settings

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result:UserWarning"),
]

FEATURES = list(all_features())


def test_features_are_registered() -> None:
    assert FEATURES, "no feature is registered: keepwise.domain.features loads none"


@pytest.fixture(scope="module")
def ctx(business: Any, as_of: Any) -> FeatureContext:
    with business.ws.connection(read_only=True) as con:
        present = frozenset(business.ws.present_tables(con))
    return FeatureContext(as_of=as_of, settings=default_settings(), present=present)


@pytest.mark.parametrize("feature", FEATURES, ids=[f.name for f in FEATURES])
def test_feature_is_the_same_on_spark(
    feature: Feature, ctx: FeatureContext, duck: Any, sparkeng: Any, same: Any
) -> None:
    sql = feature.sql(ctx)
    expected = duck.query(sql)
    assert expected.num_rows > 0 or not set(feature.tables) <= ctx.present, (
        f"{feature.name} returned no rows on a fixture holding every table; the test would "
        "prove nothing"
    )
    same(expected, sparkeng.query(sql), feature.name)


NESTED_LOOP_FILTER = re.compile(
    r"BroadcastNestedLoopJoin \w+, (LeftAnti|LeftSemi|ExistenceJoin|Inner|LeftOuter)[^\n]*=|"
    r"CartesianProduct[^\n]*="
)
"""A Spark nested-loop join that matches rows on an equality: cost grows with both sides."""


@pytest.mark.parametrize("feature", FEATURES, ids=[f.name for f in FEATURES])
def test_feature_never_matches_rows_by_nested_loop_on_spark(
    feature: Feature, ctx: FeatureContext, sparkeng: Any
) -> None:
    """Spark runs a NULL-aware ``NOT IN`` (or an equality it cannot hash) as a nested loop.

    On the test business that is fast; at a million customers the unhappy signal's
    ``NOT IN`` took most of an hour. A cross join with a one-row table stays allowed.
    """
    plan = sparkeng.sql(feature.sql(ctx))._jdf.queryExecution().executedPlan().toString()
    found = NESTED_LOOP_FILTER.findall(plan)
    assert not found, f"{feature.name} matches rows by nested loop on Spark:\n{plan}"
