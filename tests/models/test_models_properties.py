"""Random valid inputs: finite likelihoods, analytic gradients equal finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from keepwise.domain.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)
from keepwise.domain.models.base import BaseModel, compress, numeric_gradient

log_param = st.floats(min_value=-3.0, max_value=3.0)


@st.composite
def rfm_rows(draw: st.DrawFn, max_freq: int = 60) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, 12))
    x, tx, T = [], [], []
    for _ in range(n):
        big_T = draw(st.floats(0.5, 200.0))
        freq = draw(st.integers(0, max_freq))
        rec = 0.0 if freq == 0 else draw(st.floats(0.0, 1.0)) * big_T
        x.append(float(freq))
        tx.append(rec)
        T.append(big_T)
    return np.array(x), np.array(tx), np.array(T)


def check_gradient(model: BaseModel, data: tuple[np.ndarray, ...], theta: np.ndarray) -> None:
    arrays, w = model._prepare(*data)
    fun = model._objective(arrays, w)
    value, grad = fun(theta, True)
    assert np.isfinite(value)
    assert grad is not None and np.all(np.isfinite(grad))
    approx = numeric_gradient(lambda y: fun(y, False)[0], theta, h=1e-6)
    scale = max(1.0, float(np.max(np.abs(approx))))
    np.testing.assert_allclose(grad, approx, atol=2e-4 * scale, rtol=1e-4)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=rfm_rows(), theta=st.lists(log_param, min_size=4, max_size=4))
@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel])
def test_bg_family_gradient(
    cls: type[BaseModel], data: tuple[np.ndarray, ...], theta: list[float]
) -> None:
    check_gradient(cls(), data, np.array(theta))


@SETTINGS
@given(
    data=rfm_rows(max_freq=400),
    theta=st.lists(log_param, min_size=4, max_size=4),
    close=st.booleans(),
)
def test_pareto_gradient_incl_large_frequency_and_alpha_equal_beta(
    data: tuple[np.ndarray, ...], theta: list[float], close: bool
) -> None:
    th = np.array(theta)
    if close:
        th[3] = th[1] + 1e-9  # alpha ≈ beta: the hypergeometric argument is ~0
    check_gradient(ParetoNBDModel(), data, th)


def test_pareto_alpha_equal_beta_is_continuous(cdnow: dict[str, np.ndarray]) -> None:
    m = ParetoNBDModel()
    args = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    at = [
        m.loglik_at({"r": 0.5, "alpha": 10.0 + d, "s": 0.6, "beta": 10.0}, *args)
        for d in (-1e-7, 0.0, 1e-7)
    ]
    assert np.all(np.isfinite(at))
    assert max(at) - min(at) < 1e-3


def test_pareto_extreme_frequency_finite() -> None:
    m = ParetoNBDModel()
    ll = m.loglik_at(
        {"r": 0.5, "alpha": 50.0, "s": 0.6, "beta": 0.05},
        [0, 5000, 20000],
        [0, 100.0, 99.0],
        [100.0, 100.0, 100.0],
    )
    assert np.isfinite(ll)


@SETTINGS
@given(
    n=st.integers(1, 30),
    theta=st.lists(log_param, min_size=3, max_size=3),
    seed=st.integers(0, 2**32 - 1),
)
def test_gamma_gamma_gradient(n: int, theta: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 50, n).astype(float)
    m = rng.gamma(2.0, 20.0, n) + 0.01
    check_gradient(GammaGammaModel(), (x, m), np.array(theta))


@SETTINGS
@given(
    theta=st.lists(log_param, min_size=4, max_size=4),
    seed=st.integers(0, 2**32 - 1),
    periods=st.integers(1, 15),
)
def test_bg_bb_gradient(theta: list[float], seed: int, periods: int) -> None:
    rng = np.random.default_rng(seed)
    tx = rng.integers(0, periods + 1, 20)
    x = np.where(tx > 0, rng.integers(1, periods + 1, 20) % (tx + 1), 0)
    x = np.where((tx > 0) & (x == 0), 1, x)
    check_gradient(
        BetaGeoBetaBinomModel(),
        (x.astype(float), tx.astype(float), np.full(20, float(periods))),
        np.array(theta),
    )


@SETTINGS
@given(
    theta=st.lists(log_param, min_size=2, max_size=2),
    lost=st.lists(st.integers(0, 200), min_size=1, max_size=12),
)
def test_sbg_gradient(theta: list[float], lost: list[int]) -> None:
    alive = 3000 - np.concatenate([[0], np.cumsum(lost)])
    m = ShiftedBetaGeoModel()
    from keepwise.domain.models.sbg import survivors_to_events

    t, churned, count = survivors_to_events(np.arange(len(alive), dtype=float), alive.astype(float))
    check_gradient(m, (t, churned, count), np.array(theta))


@SETTINGS
@given(data=rfm_rows(max_freq=30), theta=st.lists(log_param, min_size=4, max_size=4))
def test_predictions_are_probabilities_and_monotone(
    data: tuple[np.ndarray, ...], theta: list[float]
) -> None:
    for cls in (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel):
        m = cls()
        params = dict(zip(m.param_names, np.exp(theta), strict=True))
        alive = m.p_alive(*data, params=params)
        assert np.all((alive >= 0) & (alive <= 1 + 1e-12))
        later = m.p_alive_after(4.0, *data, params=params)
        assert np.all(later <= alive + 1e-9)
        e = m.expected_purchases(np.array([[1.0], [10.0], [50.0]]), *data, params=params)
        assert np.all(np.isfinite(e)) and np.all(e >= -1e-9)
        assert np.all(np.diff(e, axis=0) >= -1e-7)


def test_weighting_unique_rows_gives_same_fit(cdnow: dict[str, np.ndarray]) -> None:
    (x, tx, T), w = compress([cdnow["frequency"], cdnow["recency"], cdnow["T"]])
    assert w.sum() == 2357 and len(w) < 2357
    full = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    weighted = BetaGeoModel().fit(x, tx, T, weights=w)
    assert weighted.log_likelihood_ == pytest.approx(full.log_likelihood_, abs=1e-6)


@SETTINGS
@given(
    theta=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4),
    data=rfm_rows(max_freq=40),
)
def test_pareto_quadrature_equals_series(theta: list[float], data: tuple[np.ndarray, ...]) -> None:
    """Both ways of computing the 'died between t_x and T' term give the same likelihood."""
    import keepwise.domain.models.pareto_nbd as pareto

    r, alpha, s, beta = np.exp(theta)
    x, tx, T = data
    mixed, _ = pareto._pareto_loglik(r, alpha, s, beta, x, tx, T, False)
    old = pareto.SERIES_MAX_Z
    try:
        pareto.SERIES_MAX_Z = 2.0  # series everywhere
        series, _ = pareto._pareto_loglik(r, alpha, s, beta, x, tx, T, False)
        pareto.SERIES_MAX_Z = -1.0  # quadrature wherever the integrand is smooth enough
        quad, _ = pareto._pareto_loglik(r, alpha, s, beta, x, tx, T, False)
    finally:
        pareto.SERIES_MAX_Z = old
    np.testing.assert_allclose(mixed, series, rtol=1e-9, atol=1e-8)
    np.testing.assert_allclose(quad, series, rtol=1e-8, atol=1e-7)


@SETTINGS
@given(
    theta=st.tuples(
        st.floats(-3.0, 3.0), st.floats(-3.0, 12.0), st.floats(-3.0, 6.0), st.floats(-3.0, 12.0)
    ),
    data=rfm_rows(max_freq=200),
)
def test_pareto_quadrature_nodes_by_variation_equal_many_nodes(
    theta: tuple[float, float, float, float], data: tuple[np.ndarray, ...]
) -> None:
    """Fewer nodes where the integrand varies little lose nothing against 96 nodes everywhere."""
    import keepwise.domain.models.pareto_nbd as pareto

    r, alpha, s, beta = np.exp(theta)
    x, tx, T = data
    variation = (r + x) * (np.log(alpha + T) - np.log(alpha + tx)) + (s + 1) * (
        np.log(beta + T) - np.log(beta + tx)
    )
    rows = (T - tx > 1e-9 * (1 + T)) & (variation < pareto.QUAD_MAX_VARIATION)
    assume(rows.any())
    args = ((r, alpha, s, beta), x[rows], tx[rows], T[rows])
    value, grad = pareto._quad_log_integral(*args, variation[rows])
    many = np.polynomial.legendre.leggauss(96)
    ref_value, ref_grad = pareto._quad_block(*args, many)
    np.testing.assert_allclose(value, ref_value, rtol=1e-13, atol=1e-11)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-12)
