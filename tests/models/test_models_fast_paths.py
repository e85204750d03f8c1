"""The shortcuts that make a million customers cheap give the same answers as the plain paths.

Grouping rows by hash, fitting a subset first and finishing by Newton's method, splitting the
likelihood across threads, and forecasting once per (x, T) pair are each checked against the
straightforward computation they replace.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwise.domain.models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    base,
)
from keepwise.domain.models.base import compress, distinct_values, unique_rows

small_values = st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, 3.0, 1e9]), min_size=1, max_size=60)


def reference_unique(columns: list[np.ndarray]) -> set[tuple[float, ...]]:
    return {tuple(float(v) for v in row) for row in zip(*columns, strict=True)}


@settings(max_examples=80, deadline=None)
@given(a=small_values, b=small_values, c=small_values)
def test_unique_rows_is_exact(a: list[float], b: list[float], c: list[float]) -> None:
    n = min(len(a), len(b), len(c))
    cols = [np.array(v[:n]) for v in (a, b, c)]
    uniq, inverse = unique_rows(cols)
    for col, u in zip(cols, uniq, strict=True):
        np.testing.assert_array_equal(u[inverse], col)
    assert len(reference_unique(uniq)) == len(uniq[0])
    assert reference_unique(uniq) == reference_unique(cols)
    packed, weights = compress(cols, np.arange(1.0, n + 1))
    assert weights.sum() == pytest.approx(n * (n + 1) / 2)
    assert reference_unique(packed) == reference_unique(cols)


@settings(max_examples=120, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.integers(0, 70).map(float),
            st.sampled_from([-1.0, -0.0, 0.5, 2.25, 1e6, 7e15]),
        ),
        max_size=80,
    )
)
def test_distinct_values_by_counting_equal_a_sort(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    got, got_inverse = distinct_values(arr)
    want, want_inverse = np.unique(arr, return_inverse=True)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got_inverse, want_inverse)
    assert got.dtype == want.dtype


def test_hash_collisions_fall_back_to_sorting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row hashing alike must still give the exact distinct rows."""
    monkeypatch.setattr(base, "_row_hash", lambda cols: np.zeros(len(cols[0]), dtype=np.uint64))
    x = np.array([3.0, 1.0, 3.0, 2.0, 1.0])
    t = np.array([1.0, 1.0, 1.0, 0.0, 2.0])
    (ux, ut), inverse = unique_rows([x, t])
    assert sorted(zip(ux, ut, strict=True)) == [(1.0, 1.0), (1.0, 2.0), (2.0, 0.0), (3.0, 1.0)]
    np.testing.assert_array_equal(ux[inverse], x)
    np.testing.assert_array_equal(ut[inverse], t)
    (cx, ct), w = compress([x, t])
    assert dict(zip(zip(cx, ct, strict=True), w, strict=True))[(3.0, 1.0)] == 2


def _fit(cls: type, cdnow: dict[str, np.ndarray]) -> base.RepeatPurchaseModel:
    model: base.RepeatPurchaseModel = cls()
    return model.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
@pytest.mark.parametrize(
    ("warm_rows", "route"),
    [
        (800, "626 rows on a 32-step time grid, then Newton"),
        (400, "subset of 400 rows of 626 rows on a 32-step time grid, then Newton"),
    ],
    ids=["time grid", "subset of the grid"],
)
def test_a_warm_start_then_newton_reaches_the_full_optimum(
    cls: type,
    warm_rows: int,
    route: str,
    cdnow: dict[str, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CDNOW's 1,016 unique rows fall to 626 on the time grid; either start ends at one optimum."""
    plain = _fit(cls, cdnow)
    monkeypatch.setattr(base, "WARM_START_ROWS", warm_rows)
    quick = _fit(cls, cdnow)
    assert quick.n_unique_ == 1016
    assert plain.route_.startswith("all rows") and quick.route_.startswith(route)
    assert quick.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    for k, v in plain.params_.items():
        assert quick.params_[k] == pytest.approx(v, rel=1e-5)
        assert quick.se_[k] == pytest.approx(plain.se_[k], rel=1e-3)


@pytest.mark.parametrize("cls", [BetaGeoModel, ParetoNBDModel])
@pytest.mark.parametrize("warm_rows", [None, 400], ids=["all rows", "subset first"])
def test_a_given_start_reaches_the_same_optimum(
    cls: type, warm_rows: int | None, cdnow: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holdout fits start from the whole-history fit: the start moves the path, not the end."""
    plain = _fit(cls, cdnow)
    if warm_rows:
        monkeypatch.setattr(base, "WARM_START_ROWS", warm_rows)
    start = {k: v * (1.6 if i % 2 else 0.55) for i, (k, v) in enumerate(plain.params_.items())}
    monkeypatch.setattr(cls, "_start", lambda *_: pytest.fail("the given start was ignored"))
    model: base.RepeatPurchaseModel = cls()
    moved = model.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], start=start)
    assert moved.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    for k, v in plain.params_.items():
        assert moved.params_[k] == pytest.approx(v, rel=1e-4)
    with pytest.raises(base.ModelInputError, match="start parameters"):
        cls().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], start={**start, "r": 0.0})


@pytest.mark.parametrize("cls", [BetaGeoModel, ParetoNBDModel])
def test_a_fit_near_another_skips_only_the_standard_errors(
    cls: type, cdnow: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A calibration fit from the whole-history fit: the same optimum, no Hessian at it."""
    monkeypatch.setattr(base, "WARM_START_ROWS", 400)
    whole = _fit(cls, cdnow)
    early = cdnow["T"] > 20
    part = {k: v[early] for k, v in cdnow.items()}
    plain = _fit(cls, part)
    assert plain.route_.startswith("subset of 400")

    hessians: list[int] = []
    real = base.hessian_from_gradient

    def counted(*args: Any, **kwargs: Any) -> Any:
        hessians.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(base, "hessian_from_gradient", counted)
    cls().fit(part["frequency"], part["recency"], part["T"], start=whole.params_)
    with_errors = len(hessians)
    hessians.clear()
    near = cls().fit_near(whole, part["frequency"], part["recency"], part["T"])
    assert len(hessians) < with_errors
    assert near.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-6)
    for k, v in plain.params_.items():
        assert near.params_[k] == pytest.approx(v, rel=1e-4)
        assert np.isnan(near.se_[k])
    np.testing.assert_allclose(
        near.expected_purchases(10.0, part["frequency"], part["recency"], part["T"]),
        plain.expected_purchases(10.0, part["frequency"], part["recency"], part["T"]),
        rtol=1e-5,
    )


@pytest.mark.parametrize("cls", [BetaGeoModel, ParetoNBDModel])
def test_threaded_likelihood_equals_the_single_one(
    cls: type, cdnow: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "_workers", lambda: 3)
    monkeypatch.setattr(base, "PARALLEL_ROWS", 10)
    model = cls()
    arrays, w = model._prepare(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    theta = np.log([0.5, 8.0, 0.8, 2.5])
    single = model._objective(arrays, w)(theta, True)
    with base.parallel_objective(model._objective, arrays, w) as split:
        threaded = split(theta, True)
    assert threaded[0] == pytest.approx(single[0], rel=1e-12)
    assert single[1] is not None and threaded[1] is not None
    np.testing.assert_allclose(threaded[1], single[1], rtol=1e-10)
    plain = _fit(cls, cdnow)
    np.testing.assert_allclose(
        list(_fit(cls, cdnow).params_.values()), list(plain.params_.values()), rtol=1e-8
    )


def test_threaded_spend_fit_matches(
    cdnow_spend: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    x, m = cdnow_spend["x"], cdnow_spend["zbar"]
    keep = x > 0
    plain = GammaGammaModel().fit(x[keep], m[keep])
    monkeypatch.setattr(base, "_workers", lambda: 2)
    monkeypatch.setattr(base, "PARALLEL_ROWS", 10)
    split = GammaGammaModel().fit(x[keep], m[keep])
    assert split.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-8)


@pytest.mark.parametrize(
    ("cls", "params"),
    [
        (BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}),
        (ModifiedBetaGeoModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}),
        (ParetoNBDModel, {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}),
    ],
)
@pytest.mark.parametrize("split", [False, True], ids=["one block", "threaded blocks"])
def test_discounted_purchases_match_stepped_forecasts(
    cls: type,
    params: dict[str, float],
    split: bool,
    cdnow: dict[str, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if split:
        monkeypatch.setattr(base, "_workers", lambda: 3)
        monkeypatch.setattr(base, "PARALLEL_CELLS", 10)
    model = cls()
    x, tx, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ends = np.array([4.3, 8.7, 13.0, 26.0, 52.0])
    factors = 1.01 ** -np.arange(1, 6)
    cum = model.expected_purchases(ends[:, None], x, tx, T, params=params)
    steps = np.diff(cum, axis=0, prepend=0.0)
    discounted, total = model.discounted_purchases(ends, factors, x, tx, T, params)
    np.testing.assert_allclose(discounted, (factors[:, None] * steps).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(total, cum[-1], rtol=1e-12)
    assert np.all(discounted < total + 1e-12)


def _homogeneous_dropout(n: int, seed: int = 3) -> tuple[np.ndarray, ...]:
    """Pareto/NBD purchases with one dropout rate for all: the MLE of s and β runs to infinity."""
    rng = np.random.default_rng(seed)
    T = rng.uniform(20, 80, n)
    lam = rng.gamma(2.0, 1 / 10.0, n)
    alive_for = np.minimum(rng.exponential(1 / 0.02, n), T)
    x = rng.poisson(lam * alive_for).astype(float)
    tx = np.where(x > 0, alive_for * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return x, np.round(tx, 1), np.round(T, 1)


def test_a_fit_on_a_flat_ridge_ends_on_the_bound_either_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No heterogeneity in dropout: both routes walk the (s, β) ridge, to the same likelihood.

    TNC stops somewhere along the ridge once the gains fall below its tolerance; Newton's
    method walks it to the bound. Either way the likelihood is the same to well under 0.1.
    """
    x, tx, T = _homogeneous_dropout(4000)
    plain = ParetoNBDModel().fit(x, tx, T)
    monkeypatch.setattr(base, "WARM_START_ROWS", 1500)
    gridded = ParetoNBDModel().fit(x, tx, T)
    assert gridded.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-2)
    assert gridded.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    # a grid as fine as the data leaves too many rows: a random subset of them starts the fit
    monkeypatch.setattr(base, "WARM_START_GRID", 10_000)
    quick = ParetoNBDModel().fit(x, tx, T)
    assert quick.route_.startswith("subset of 1,500")
    assert plain.params_["s"] > 100 and quick.at_bound_
    assert quick.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-2)
    assert quick.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    for k in ("r", "alpha"):
        assert quick.params_[k] == pytest.approx(plain.params_[k], rel=1e-3)
    assert quick.params_["s"] / quick.params_["beta"] == pytest.approx(0.02, rel=0.2)
