"""BG/BB: beta-geometric / beta-Bernoulli model for discrete transaction opportunities.

At each of n opportunities (a yearly gala, a weekly draw) an alive customer transacts with
probability p ~ Beta(α, β) and may then die with probability θ ~ Beta(γ, δ). The likelihood
of x transactions, the last at opportunity t_x, is Eq. 5 of [1]:

L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
  + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a
   Discrete-Time Noncontractual Setting. Marketing Science 29(6), 1086–1108.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma, gammaln

from keepwise.domain.models.base import (
    BaseModel,
    FloatArray,
    LogLik,
    ModelInputError,
    as_float,
    compress,
    wsum,
)


def _dbeta(p: FloatArray | float, q: FloatArray | float) -> tuple[FloatArray, FloatArray]:
    """Return (∂/∂p, ∂/∂q) of ln B(p, q)."""
    both = digamma(np.add(p, q))
    return np.asarray(digamma(p) - both), np.asarray(digamma(q) - both)


class BetaGeoBetaBinomModel(BaseModel):
    """BG/BB model; parameters ``alpha``, ``beta`` (transacting), ``gamma``, ``delta`` (dying)."""

    name: ClassVar[str] = "bg-bb"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> BetaGeoBetaBinomModel:
        """Fit to (x, t_x, n) rows: transactions, last opportunity used, opportunities."""
        arrays, w = self._prepare(frequency, recency, periods, weights)
        self._fit_compressed(arrays, w)
        return self

    def _prepare(self, *data: Any) -> tuple[list[FloatArray], FloatArray]:
        x, tx, n = (
            as_float(v, k)
            for v, k in zip(data[:3], ("frequency", "recency", "periods"), strict=True)
        )
        w = None if len(data) < 4 or data[3] is None else as_float(data[3], "weight")
        if not (len(x) == len(tx) == len(n)):
            raise ModelInputError("frequency, recency and periods must have the same length")
        for arr, k in ((x, "frequency"), (tx, "recency"), (n, "periods")):
            if np.any(arr < 0) or np.any(arr != np.floor(arr)):
                raise ModelInputError(f"{k} must be whole numbers ≥ 0")
        if np.any(x > tx) or np.any(tx > n) or np.any((x > 0) & (tx == 0)):
            raise ModelInputError("need frequency ≤ recency ≤ periods, and recency > 0 when x > 0")
        return compress([x, tx, n], w)

    def _objective(self, data: list[FloatArray], weights: FloatArray) -> LogLik:
        x, tx, n = data

        def loglik(theta: FloatArray, want_grad: bool) -> tuple[float, FloatArray | None]:
            if not want_grad:
                return float(wsum(weights, _bgbb_rows(theta, x, tx, n))), None
            ll, grad = _bgbb_rows_grad(theta, x, tx, n)
            return float(wsum(weights, ll)), wsum(weights, grad) * np.exp(theta)

        return loglik

    def p_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return P(alive at opportunity n+1 | x, t_x, n), Eq. 11 of [1]."""
        prm = self._p(params)
        x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, periods))
        al, be, ga, de = prm["alpha"], prm["beta"], prm["gamma"], prm["delta"]
        ll = self._rowwise(x, tx, n, prm)
        alive = betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + 1)
        return np.exp(alive - betaln(ga, de) - ll)

    def expected_purchases(
        self,
        future: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        periods: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return E[X(n, n+n*) | x, t_x, n], transactions in the next n* opportunities (Eq. 13)."""
        prm = self._p(params)
        ns = np.asarray(future, dtype=np.float64)
        x, tx, n = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, periods))
        al, be, ga, de = prm["alpha"], prm["beta"], prm["gamma"], prm["delta"]
        if abs(ga - 1.0) < 1e-9:
            ga = 1.0 + 1e-9
        ll = self._rowwise(x, tx, n, prm)
        lead = betaln(al + x + 1, be + n - x) - betaln(al, be) - ll
        const = gammaln(ga + de) - gammaln(1 + de)
        part = np.exp(gammaln(1 + de + n) - gammaln(ga + de + n)) - np.exp(
            gammaln(1 + de + n + ns) - gammaln(ga + de + n + ns)
        )
        return np.asarray(np.exp(lead + const) * de / (ga - 1) * part)

    def _rowwise(
        self, x: FloatArray, tx: FloatArray, n: FloatArray, prm: dict[str, float]
    ) -> FloatArray:
        """Return each row's log-likelihood at ``prm``."""
        x, tx, n = (
            np.asarray(v, dtype=np.float64).reshape(-1) for v in np.broadcast_arrays(x, tx, n)
        )
        theta = np.log([prm[k] for k in self.param_names])
        return _bgbb_rows(theta, x, tx, n)


def _bgbb_terms(
    theta: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray
) -> tuple[FloatArray, NDArray[np.int64], NDArray[np.bool_]]:
    """Return the log of every likelihood term per row (first row: the 'alive' term)."""
    al, be, ga, de = np.exp(theta)
    width = int(np.max(n - tx)) if len(n) else 0
    i = np.arange(width, dtype=np.int64)[:, None]
    valid = i < (n - tx)[None, :]
    base = betaln(al, be) + betaln(ga, de)
    first = betaln(al + x, be + n - x) + betaln(ga, de + n) - base
    rest = np.where(
        valid, betaln(al + x, be + tx - x + i) + betaln(ga + 1, de + tx + i) - base, -np.inf
    )
    return np.vstack([first[None, :], rest]), i, valid


def _bgbb_rows(theta: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray) -> FloatArray:
    """Return the per-row log-likelihood of BG/BB."""
    terms, _, _ = _bgbb_terms(theta, x, tx, n)
    top = terms.max(axis=0)
    return np.asarray(top + np.log(np.exp(terms - top).sum(axis=0)))


def _bgbb_rows_grad(
    theta: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the per-row log-likelihood and its gradient in (α, β, γ, δ), shape (4, rows)."""
    al, be, ga, de = np.exp(theta)
    terms, i, valid = _bgbb_terms(theta, x, tx, n)
    top = terms.max(axis=0)
    e = np.exp(terms - top)
    ll = top + np.log(e.sum(axis=0))
    wts = e / e.sum(axis=0)
    w0, wr = wts[0], np.where(valid, wts[1:], 0.0)
    dab_a, dab_b = _dbeta(al, be)
    dgd_g, dgd_d = _dbeta(ga, de)
    f_a, f_b = _dbeta(al + x, be + n - x)
    f_g, f_d = _dbeta(ga, de + n)
    r_a, r_b = _dbeta(al + x, be + tx - x + i)
    r_g, r_d = _dbeta(ga + 1, de + tx + i)
    grad = np.stack(
        [
            w0 * f_a + (wr * r_a).sum(axis=0) - dab_a,
            w0 * f_b + (wr * r_b).sum(axis=0) - dab_b,
            w0 * f_g + (wr * r_g).sum(axis=0) - dgd_g,
            w0 * f_d + (wr * r_d).sum(axis=0) - dgd_d,
        ]
    )
    return np.asarray(ll), grad
