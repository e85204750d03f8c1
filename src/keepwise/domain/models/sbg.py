"""Shifted-beta-geometric (sBG) model of contract renewals, fitted on cohort survivor counts.

At each renewal a customer cancels with probability θ ~ Beta(α, β), constant for them but
varying across customers. Eqs. 6–7 of [1]:
P(T = t) = B(α+1, β+t−1)/B(α, β) and S(t) = P(T > t) = B(α, β+t)/B(α, β),
so the retention rate rises with tenure, (β+t−1)/(α+β+t−1), as the cancel-prone leave first.

Data: for each cohort, ``alive`` customers at ``period`` 0, 1, …, n (period 0 is the cohort's
size). Cohorts share the parameters; each contributes churners at every period and survivors
at its last period. Individual lifetimes (``fit_lifetimes``) give the same likelihood.

References
----------
.. [1] Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention.
   Journal of Interactive Marketing 21(1), 76–90.
.. [2] Fader, P. S. and Hardie, B. G. S. (2010). Customer-Base Valuation in a Contractual
   Setting: The Perils of Ignoring Heterogeneity. Marketing Science 29(1), 85–93.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma

from keepwise.domain.models.base import (
    BaseModel,
    FloatArray,
    LogLik,
    ModelInputError,
    as_float,
    compress,
    wsum,
)


def survivors_to_events(
    period: FloatArray, alive: FloatArray, cohort: ArrayLike | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Turn survivor counts into (t, churned?, count) rows of the sBG likelihood.

    Parameters
    ----------
    period, alive
        Period number 0..n and customers still active at its end, per cohort.
    cohort
        Optional cohort label per row; rows without one form a single cohort.

    Returns
    -------
    t, churned, count
        ``churned`` = 1: ``count`` customers cancelled at renewal ``t``; 0: survived ``t``.
    """
    labels = np.zeros(len(period)) if cohort is None else np.asarray(cohort)
    ts: list[FloatArray] = []
    flags: list[FloatArray] = []
    counts: list[FloatArray] = []
    for label in np.unique(labels):
        mask = labels == label
        order = np.argsort(period[mask])
        per, alv = period[mask][order], alive[mask][order]
        if len(per) < 2 or per[0] != 0 or np.any(np.diff(per) != 1):
            raise ModelInputError(
                f"cohort {label!r}: periods must run 0, 1, 2, … without gaps (0 = cohort size)"
            )
        lost = -np.diff(alv)
        if np.any(lost < 0):
            raise ModelInputError(f"cohort {label!r}: alive counts may not increase over time")
        ts += [per[1:], per[-1:]]
        flags += [np.ones(len(lost)), np.zeros(1)]
        counts += [lost, alv[-1:]]
    return np.concatenate(ts), np.concatenate(flags), np.concatenate(counts)


class ShiftedBetaGeoModel(BaseModel):
    """sBG contractual retention model; parameters ``alpha``, ``beta``."""

    name: ClassVar[str] = "sbg"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")

    def fit(
        self, period: ArrayLike, alive: ArrayLike, cohort: ArrayLike | None = None
    ) -> ShiftedBetaGeoModel:
        """Fit to cohort survivor counts: ``alive`` at ``period`` 0..n (per ``cohort``)."""
        per = as_float(period, "period")
        alv = as_float(alive, "alive")
        if len(per) != len(alv):
            raise ModelInputError("period and alive must have the same length")
        if np.any(alv < 0):
            raise ModelInputError("alive counts must be ≥ 0")
        t, churned, count = survivors_to_events(per, alv, cohort)
        return self.fit_lifetimes(t, churned, count)

    def fit_lifetimes(
        self, periods: ArrayLike, churned: ArrayLike, weights: ArrayLike | None = None
    ) -> ShiftedBetaGeoModel:
        """Fit to individual customers: completed ``periods`` and whether they ``churned``.

        A churned customer cancelled at renewal ``periods`` (≥ 1); an active one has survived
        ``periods`` renewals so far.
        """
        arrays, w = self._prepare(periods, churned, weights)
        self._fit_compressed(arrays, w)
        return self

    def _prepare(self, *data: Any) -> tuple[list[FloatArray], FloatArray]:
        t = as_float(data[0], "periods")
        c = as_float(data[1], "churned")
        w = None if len(data) < 3 or data[2] is None else as_float(data[2], "weights")
        if np.any(t < 0) or np.any(t != np.floor(t)):
            raise ModelInputError("periods must be whole numbers ≥ 0")
        if np.any((c == 1) & (t < 1)):
            raise ModelInputError("a churned customer must have churned at period ≥ 1")
        keep = np.ones(len(t), dtype=bool) if w is None else w > 0
        return compress([t[keep], c[keep]], None if w is None else w[keep])

    def _objective(self, data: list[FloatArray], weights: FloatArray) -> LogLik:
        t, churned = data
        dead = churned == 1

        def loglik(theta: FloatArray, want_grad: bool) -> tuple[float, FloatArray | None]:
            a, b = np.exp(theta)
            pa = np.where(dead, a + 1, a)
            pb = np.where(dead, b + t - 1, b + t)
            ll = betaln(pa, pb) - betaln(a, b)
            total = float(wsum(weights, ll))
            if not want_grad:
                return total, None
            both = digamma(pa + pb)
            d_a = digamma(pa) - both - digamma(a) + digamma(a + b)
            d_b = digamma(pb) - both - digamma(b) + digamma(a + b)
            return total, np.array([wsum(weights, d_a), wsum(weights, d_b)]) * np.array([a, b])

        return loglik

    def survival(self, t: ArrayLike, params: dict[str, float] | None = None) -> FloatArray:
        """Return S(t) = B(α, β+t)/B(α, β): share of a new cohort still active after t renewals."""
        p = self._p(params)
        tt = np.asarray(t, dtype=np.float64)
        return np.exp(betaln(p["alpha"], p["beta"] + tt) - betaln(p["alpha"], p["beta"]))

    def churn_next(self, tenure: ArrayLike, params: dict[str, float] | None = None) -> FloatArray:
        """Return P(cancel at the next renewal | survived ``tenure`` renewals) = α/(α+β+tenure)."""
        p = self._p(params)
        n = np.asarray(tenure, dtype=np.float64)
        return p["alpha"] / (p["alpha"] + p["beta"] + n)

    def expected_remaining(
        self,
        tenure: ArrayLike,
        horizon: int,
        discount: float = 0.0,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return Σ_{k=1..horizon} S(n+k)/S(n)/(1+d)^k: (discounted) renewals still to come.

        With ``discount`` = 0 it is the expected remaining lifetime in periods, capped at the
        horizon; it is the discounted expected residual lifetime of [2] truncated at the horizon.
        """
        p = self._p(params)
        n = np.asarray(tenure, dtype=np.float64)
        k = np.arange(horizon, dtype=np.float64).reshape((-1,) + (1,) * n.ndim)
        retain = (p["beta"] + n + k) / (p["alpha"] + p["beta"] + n + k)
        surv = np.cumprod(retain, axis=0)
        disc = (1.0 + discount) ** -(k + 1)
        return np.asarray((surv * disc).sum(axis=0))
