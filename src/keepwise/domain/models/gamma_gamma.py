"""Gamma-Gamma model of spend per transaction, for customers with repeat purchases.

Each transaction's value is Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent of
the purchase process; the average z̄ of a customer's x repeat transactions then has the
marginal density of Eq. 3 in [1], and the conditional expectation of their spend is Eq. 5:
E[M | p, q, γ, x, z̄] = (γ + x z̄) p / (p x + q − 1).

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: Using Iso-Value
   Curves for Customer Base Analysis. Journal of Marketing Research 42(4), 415–430.
.. [2] Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
   http://brucehardie.com/notes/025/
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from keepwise.domain.models.base import (
    BaseModel,
    FloatArray,
    LogLik,
    ModelInputError,
    as_float,
    distinct_values,
    wsum,
)


class GammaGammaModel(BaseModel):
    """Gamma-Gamma spend model; parameters ``p``, ``q``, ``gamma``.

    Fit it on customers with at least one repeat purchase: ``frequency`` repeat transactions
    and ``monetary_value``, the mean value of those repeat transactions.
    """

    name: ClassVar[str] = "gamma-gamma"
    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> GammaGammaModel:
        """Fit to repeat customers' (frequency, average spend), optionally weighted rows."""
        arrays, w = self._prepare(frequency, monetary_value, weights)
        self._fit_compressed(arrays, w)
        return self

    def _prepare(self, *data: Any) -> tuple[list[FloatArray], FloatArray]:
        x = as_float(data[0], "frequency")
        m = as_float(data[1], "monetary_value")
        w = None if len(data) < 3 or data[2] is None else as_float(data[2], "weights")
        if len(x) != len(m) or (w is not None and len(w) != len(x)):
            raise ModelInputError("frequency, monetary_value and weights must have the same length")
        if np.any(x <= 0) or np.any(m <= 0):
            raise ModelInputError(
                "gamma-gamma needs customers with frequency > 0 and monetary_value > 0 "
                "(repeat buyers only)"
            )
        # z̄ is an average of amounts, so equal (x, z̄) rows are rare: merging them would sort
        # every row to save almost nothing, where one evaluation costs a few milliseconds.
        return [x, m], np.ones(len(x)) if w is None else w

    def _objective(self, data: list[FloatArray], weights: FloatArray) -> LogLik:
        x, zbar = data
        # gamma functions depend on x alone: once per distinct x, weighted by its customers
        xs, ix = distinct_values(x)
        wx = np.bincount(ix, weights=weights, minlength=len(xs)).astype(np.float64)
        total_w = float(weights.sum())
        s_log_z = wsum(weights, np.log(zbar))
        s_x_log_zx = wsum(weights * x, np.log(zbar) + np.log(x))
        xz = x * zbar

        def loglik(theta: FloatArray, want_grad: bool) -> tuple[float, FloatArray | None]:
            p, q, g = np.exp(theta)
            log_gxz = np.log(g + xz)
            pxs = p * xs
            s_log_gxz = wsum(weights, log_gxz)
            s_x_log_gxz = wsum(weights * x, log_gxz)
            total = float(
                wsum(wx, gammaln(pxs + q) - gammaln(pxs))
                + total_w * (q * np.log(g) - gammaln(q))
                + p * s_x_log_zx
                - s_log_z
                - p * s_x_log_gxz
                - q * s_log_gxz
            )
            if not want_grad:
                return total, None
            d_p = wsum(wx * xs, digamma(pxs + q) - digamma(pxs)) + s_x_log_zx - s_x_log_gxz
            d_q = wsum(wx, digamma(pxs + q)) + total_w * (np.log(g) - digamma(q)) - s_log_gxz
            d_g = total_w * q / g - wsum(weights, (p * x + q) / (g + xz))
            grad = np.array([d_p, d_q, d_g], dtype=np.float64) * np.array([p, q, g])
            return total, grad

        return loglik

    def _start(self, data: list[FloatArray], weights: FloatArray) -> FloatArray:
        mean = float(wsum(weights, data[1])) / float(weights.sum())
        return np.log([1.0, 2.0, mean])

    def expected_spend(
        self,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return E[M | x, z̄] (Eq. 5 of [1]); with x = 0 it is the population mean pγ/(q−1).

        Needs q > 1 for a finite population mean; below that the mean spend is infinite and
        the model is unsuitable, which is reported rather than hidden.
        """
        prm = self._p(params)
        p, q, g = prm["p"], prm["q"], prm["gamma"]
        x = np.asarray(frequency, dtype=np.float64)
        z = np.where(x > 0, np.asarray(monetary_value, dtype=np.float64), 0.0)
        denom = p * x + q - 1
        return np.where(denom > 0, (g + x * z) * p / np.where(denom > 0, denom, 1.0), np.nan)
