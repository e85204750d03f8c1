"""Data simulated from known parameters (10k customers) give them back within their errors."""

from __future__ import annotations

import numpy as np
import pytest

from keepwise.domain.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)


def bg_nbd(
    n: int, r: float, alpha: float, a: float, b: float, rng: np.random.Generator, shift: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, T) under BG/NBD (shift=1: MBG/NBD, death possible at time 0)."""
    T = rng.uniform(20, 60, n)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.geometric(p)  # repeat purchases until (and including) the one after which they die
    if shift:
        k = k - 1  # the first toss happens at time zero
    count = rng.poisson(lam * T)
    x = np.minimum(k, count)
    rec = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(count - x, 0) + 1), 0.0)
    return x.astype(float), rec, T


def pareto_nbd(
    n: int, r: float, alpha: float, s: float, beta: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, T) under Pareto/NBD."""
    T = rng.uniform(20, 60, n)
    lam = rng.gamma(r, 1 / alpha, n)
    mu = rng.gamma(s, 1 / beta, n)
    life = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * life)
    rec = np.where(x > 0, life * rng.beta(np.maximum(x, 1), 1), 0.0)
    return x.astype(float), rec, T


def gamma_gamma(
    n: int, p: float, q: float, gamma: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(frequency ≥ 1, mean spend) under Gamma-Gamma."""
    x = rng.integers(1, 12, n).astype(float)
    nu = rng.gamma(q, 1 / gamma, n)
    zbar = rng.gamma(p * x, 1 / nu) / x
    return x, zbar


def sbg_lifetimes(
    n: int, alpha: float, beta: float, horizon: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(periods, churned) under sBG, censored at ``horizon`` renewals."""
    theta = rng.beta(alpha, beta, n)
    life = rng.geometric(theta)
    churned = life <= horizon
    return np.where(churned, life, horizon).astype(float), churned.astype(float)


def bg_bb(
    n: int,
    alpha: float,
    beta: float,
    gamma: float,
    delta: float,
    periods: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, periods) under BG/BB with ``periods`` opportunities."""
    p = rng.beta(alpha, beta, n)
    theta = rng.beta(gamma, delta, n)
    alive_until = rng.geometric(theta) - 1  # dies at the start of opportunity alive_until+1
    opp = np.arange(1, periods + 1)[:, None]
    buys = (rng.random((periods, n)) < p) & (opp <= alive_until)
    x = buys.sum(axis=0)
    tx = np.where(x > 0, periods - np.argmax(buys[::-1], axis=0), 0)
    return x.astype(float), tx.astype(float), np.full(n, float(periods))


N = 10_000


def within(fitted: dict[str, float], se: dict[str, float], truth: dict[str, float]) -> None:
    for k, v in truth.items():
        assert np.isfinite(se[k]) and se[k] > 0, k
        assert abs(fitted[k] - v) < 3.5 * se[k], (k, fitted[k], v, se[k])


def test_bg_nbd_recovers() -> None:
    truth = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 2.5}
    data = bg_nbd(N, *truth.values(), rng=np.random.default_rng(1))
    m = BetaGeoModel().fit(*data)
    within(m.params_, m.se_, truth)


def test_mbg_nbd_recovers() -> None:
    truth = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 2.5}
    data = bg_nbd(N, *truth.values(), rng=np.random.default_rng(2), shift=1)
    m = ModifiedBetaGeoModel().fit(*data)
    within(m.params_, m.se_, truth)


def test_pareto_nbd_recovers() -> None:
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.7, "beta": 12.0}
    data = pareto_nbd(N, *truth.values(), rng=np.random.default_rng(3))
    m = ParetoNBDModel().fit(*data)
    within(m.params_, m.se_, truth)


def test_gamma_gamma_recovers() -> None:
    truth = {"p": 6.0, "q": 4.0, "gamma": 15.0}
    data = gamma_gamma(N, *truth.values(), rng=np.random.default_rng(4))
    m = GammaGammaModel().fit(*data)
    within(m.params_, m.se_, truth)


def test_sbg_recovers() -> None:
    truth = {"alpha": 0.7, "beta": 1.2}
    periods, churned = sbg_lifetimes(N, *truth.values(), horizon=8, rng=np.random.default_rng(5))
    m = ShiftedBetaGeoModel().fit_lifetimes(periods, churned)
    within(m.params_, m.se_, truth)


def test_bg_bb_recovers() -> None:
    truth = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    data = bg_bb(N, *truth.values(), periods=6, rng=np.random.default_rng(6))
    m = BetaGeoBetaBinomModel().fit(*data)
    within(m.params_, m.se_, truth)


def test_predicted_purchases_match_simulation() -> None:
    """Out of sample: BG/NBD's expected purchases in a future window match a simulation."""
    rng = np.random.default_rng(7)
    truth = {"r": 0.6, "alpha": 5.0, "a": 0.8, "b": 2.5}
    m = BetaGeoModel()
    expected_new = m.expected_purchases_new(30.0, params=truth)
    lam = rng.gamma(0.6, 1 / 5.0, 200_000)
    p = rng.beta(0.8, 2.5, 200_000)
    k = rng.geometric(p)
    x = np.minimum(k, rng.poisson(lam * 30.0))
    assert float(expected_new) == pytest.approx(x.mean(), rel=0.02)
