"""BG/NBD: beta-geometric / negative binomial distribution model of repeat buying.

While alive a customer buys at a Poisson rate λ ~ Gamma(r, α); after each repeat purchase they
drop out with probability p ~ Beta(a, b). The likelihood, P(alive) and conditional
expectation are Eqs. 6, 10 and 13 of [1]; the modified variant (MBG/NBD, :mod:`.mbg_nbd`)
lets customers also drop out right after their first purchase [2].

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the
   Easy Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275–284.
.. [2] Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and
   comparison of models for customer base analysis. IJRM 24(3), 201–209.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, expit, gammaln, hyp2f1

from keepwise.domain.models.base import FloatArray, LogLik, RepeatPurchaseModel, wsum

MAX_TERMS = 20_000


def hyp2f1_neg(k: ArrayLike, A: ArrayLike, Bp: ArrayLike, c: ArrayLike) -> FloatArray:
    """Return ₂F₁(k, A; A+Bp; −c) for c ≥ 0, k > 0, Bp > 0, stably for large k.

    Pfaff's transformation gives (1+c)^−k · Σₙ (k)ₙ(Bp)ₙ/((A+Bp)ₙ n!) wⁿ with w = c/(1+c),
    a series of positive terms when A+Bp > 0, summed in log space (no overflow, no
    cancellation). Rows with A+Bp ≤ 0 fall back to :func:`scipy.special.hyp2f1`. For a Beta
    mixing distribution it is E[(1 + c·p)^−k] with p ~ Beta(A, Bp).
    """
    kk, aa, bb, cc = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, A, Bp, c)))
    shape = kk.shape
    kk, aa, bb, cc = (v.reshape(-1) for v in (kk, aa, bb, cc))
    C = aa + bb
    ok = C > 0
    log_w = np.log(cc) - np.log1p(cc)
    log_term = np.zeros(len(kk))
    top = np.zeros(len(kk))
    acc = np.ones(len(kk))
    active = np.flatnonzero(ok & (cc > 0))
    n = 0
    while active.size and n < MAX_TERMS:
        step = (
            np.log(kk[active] + n)
            + np.log(bb[active] + n)
            - np.log(C[active] + n)
            - np.log(n + 1.0)
            + log_w[active]
        )
        n += 1
        log_term[active] += step
        lt, m = log_term[active], top[active]
        grow = lt > m
        acc[active] = np.where(
            grow, acc[active] * np.exp(m - lt) + 1.0, acc[active] + np.exp(lt - m)
        )
        top[active] = np.maximum(m, lt)
        done = (step < 0) & (lt < top[active] + np.log(acc[active]) - 39.0)
        active = active[~done]
    out = np.exp(top + np.log(acc) - kk * np.log1p(cc))
    if not np.all(ok):
        out = np.where(ok, out, hyp2f1(kk, aa, C, -cc))
    return out.reshape(shape)


class BetaGeoModel(RepeatPurchaseModel):
    """BG/NBD model; parameters ``r``, ``alpha`` (purchase rate) and ``a``, ``b`` (dropout).

    Examples
    --------
    >>> m = BetaGeoModel().fit([0, 2, 5, 1], [0.0, 10.0, 30.0, 3.0], [39.0, 39.0, 38.0, 20.0])
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    """

    name: ClassVar[str] = "bg-nbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    shift: ClassVar[int] = 0
    """1 when customers may also drop out right after the first purchase (MBG/NBD)."""

    def _objective(self, data: list[FloatArray], weights: FloatArray) -> LogLik:
        x, tx, T = data
        m = self.shift
        can_die = (x > 0) | (m == 1)

        def loglik(theta: FloatArray, want_grad: bool) -> tuple[float, FloatArray | None]:
            r, alpha, a, b = np.exp(theta)
            bx = b + x - 1 + m
            bx_safe = np.where(can_die, bx, 1.0)
            c3 = -(r + x) * np.log(alpha + T)
            c4 = np.where(
                can_die, np.log(a) - np.log(bx_safe) - (r + x) * np.log(alpha + tx), -np.inf
            )
            ll = (
                gammaln(r + x)
                - gammaln(r)
                + r * np.log(alpha)
                + gammaln(a + b)
                + gammaln(b + x + m)
                - gammaln(b)
                - gammaln(a + b + x + m)
                + np.logaddexp(c3, c4)
            )
            total = float(wsum(weights, ll))
            if not want_grad:
                return total, None
            w4 = np.where(can_die, expit(c4 - c3), 0.0)
            w3 = 1.0 - w4
            d_r = digamma(r + x) - digamma(r) + np.log(alpha)
            d_r -= w3 * np.log(alpha + T) + w4 * np.log(alpha + tx)
            d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + tx)
            d_a = digamma(a + b) - digamma(a + b + x + m) + w4 / a
            d_b = digamma(a + b) + digamma(b + x + m) - digamma(b) - digamma(a + b + x + m)
            d_b -= w4 / bx_safe
            grads = np.array(
                [wsum(weights, d_r), wsum(weights, d_alpha), wsum(weights, d_a), wsum(weights, d_b)]
            )
            return total, grads * np.array([r, alpha, a, b])

        return loglik

    def _start(self, data: list[FloatArray], weights: FloatArray) -> FloatArray:
        x, _, T = data
        rate = max(float(wsum(weights, x)) / max(float(wsum(weights, T)), 1e-9), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, 1.0])

    # -- predictions -------------------------------------------------------------------------
    def p_alive(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return P(alive at T | x, t_x, T), Eq. 13 of [1] (Eq. 3 of [2] for MBG/NBD)."""
        p = self._p(params)
        x, tx, TT = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        m = self.shift
        can_die = (x > 0) | (m == 1)
        bx = np.where(can_die, b + x - 1 + m, 1.0)
        log_odds = np.log(a) - np.log(bx) + (r + x) * (np.log(alpha + TT) - np.log(alpha + tx))
        return np.where(can_die, expit(-log_odds), 1.0)

    def expected_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return E[X(T, T+t) | x, t_x, T]: expected purchases in the next ``t``, Eq. 10 of [1].

        Arguments broadcast, so ``t[:, None]`` gives one row per horizon.
        """
        p = self._p(params)
        tt, x, tx, TT = np.broadcast_arrays(
            *(np.asarray(v, dtype=np.float64) for v in (t, frequency, recency, T))
        )
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        m = self.shift
        if abs(a - 1.0) < 1e-6:
            a = 1.0 + 1e-6
        # ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x+m; a+b+x−1+m; t/(α+T+t)) by Pfaff's transformation
        mix = hyp2f1_neg(r + x, a - 1, b + x + m, tt / (alpha + TT))
        bracket = 1.0 - mix
        out = (a + b + x - 1 + m) / (a - 1) * bracket * self.p_alive(x, tx, TT, p)
        return np.where(tt > 0, out, 0.0)

    def expected_purchases_new(
        self, t: ArrayLike, params: dict[str, float] | None = None
    ) -> FloatArray:
        """Return E[X(t)] for a customer just acquired (Eq. 9 of [1])."""
        p = self._p(params)
        tt = np.asarray(t, dtype=np.float64)
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        m = self.shift
        if abs(a - 1.0) < 1e-6:
            a = 1.0 + 1e-6
        mix = hyp2f1_neg(r, a - 1, b + m, tt / alpha)
        return (a + b - 1 + m) / (a - 1) * (1.0 - mix)

    def p_alive_after(
        self,
        tau: float,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        params: dict[str, float] | None = None,
    ) -> FloatArray:
        """Return P(still alive at T+tau | x, t_x, T), whatever happens in between.

        Given alive at T, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x+shift); surviving the
        Poisson(λτ) purchases has probability E[exp(−λpτ)] = ₂F₁(r+x, a; a+b+x+shift; −τ/(α+T)).
        """
        p = self._p(params)
        x, tx, TT = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        survive = hyp2f1_neg(r + x, a, b + x + self.shift, tau / (alpha + TT))
        return self.p_alive(x, tx, TT, p) * survive
