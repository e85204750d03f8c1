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

from keepwise.domain.models.base import (
    FloatArray,
    LogLik,
    RepeatPurchaseModel,
    distinct_values,
    unique_rows,
    wsum,
)

MAX_TERMS = 20_000
RESCALE = float(np.exp(-460.0))
LOG_RESCALE_BACK = 460.0


def hyp2f1_neg(k: ArrayLike, A: ArrayLike, Bp: ArrayLike, c: ArrayLike) -> FloatArray:
    """Return ₂F₁(k, A; A+Bp; −c) for c ≥ 0, k > 0, Bp > 0, stably for large k.

    Pfaff's transformation gives (1+c)^−k · Σₙ (k)ₙ(Bp)ₙ/((A+Bp)ₙ n!) wⁿ with w = c/(1+c),
    a series of positive terms when A+Bp > 0, summed with rescaling (no overflow, no
    cancellation). Rows with A+Bp ≤ 0 fall back to :func:`scipy.special.hyp2f1`. For a Beta
    mixing distribution it is E[(1 + c·p)^−k] with p ~ Beta(A, Bp).
    """
    kk, aa, bb, cc = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, A, Bp, c)))
    shape = kk.shape
    kk, aa, bb, cc = (v.reshape(-1) for v in (kk, aa, bb, cc))
    C = aa + bb
    ok = C > 0
    top = np.zeros(len(kk))
    acc = np.ones(len(kk))
    idx = np.flatnonzero(ok & (cc > 0))
    # Terms are multiplied up in plain floating point (a ratio per step, no log or exp),
    # rescaled by e^-460 whenever one grows past 1e200 so none overflows; ``shift`` keeps the
    # log of the scale. Rows are compacted away as they converge, checked every few terms.
    k_, b_, c_ = kk[idx], bb[idx], C[idx]
    w_ = cc[idx] / (1.0 + cc[idx])
    term, total, shift = np.ones(len(idx)), np.ones(len(idx)), np.zeros(len(idx))
    n = 0
    while idx.size and n < MAX_TERMS:
        ratio = (k_ + n) * (b_ + n) / ((c_ + n) * (n + 1.0)) * w_
        n += 1
        term *= ratio
        total += term
        big = term > 1e200
        if big.any():
            term[big] *= RESCALE
            total[big] *= RESCALE
            shift[big] += LOG_RESCALE_BACK
        if n % 4 == 0:
            done = (ratio < 1.0) & (term < total * 1e-17)
            if done.any():
                top[idx[done]], acc[idx[done]] = shift[done], total[done]
                keep = ~done
                idx, k_, b_, c_, w_, term, total, shift = (
                    v[keep] for v in (idx, k_, b_, c_, w_, term, total, shift)
                )
    if idx.size:
        top[idx], acc[idx] = shift, total
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
        # Terms that depend on x, t_x or T alone are computed once per distinct value and
        # gathered: customers share few of each, so an evaluation costs a handful of per-row ops.
        xs, ix = distinct_values(x)
        (Ts,), iT = unique_rows([T])
        (txs,), itx = unique_rows([tx])
        wx = np.bincount(ix, weights=weights, minlength=len(xs)).astype(np.float64)
        total_w = float(weights.sum())
        can_die = (x > 0) | (m == 1)
        die_x = (xs > 0) | (m == 1)

        def loglik(theta: FloatArray, want_grad: bool) -> tuple[float, FloatArray | None]:
            r, alpha, a, b = np.exp(theta)
            bx = np.where(die_x, b + xs - 1 + m, 1.0)
            rx = np.take(r + xs, ix)
            log_aT = np.log(alpha + Ts)
            log_atx = np.log(alpha + txs)
            c3 = -rx * np.take(log_aT, iT)
            c4 = np.where(
                can_die,
                np.take(np.log(a) - np.log(bx), ix) - rx * np.take(log_atx, itx),
                -np.inf,
            )
            lse = np.logaddexp(c3, c4)
            per_x = gammaln(r + xs) + gammaln(b + xs + m) - gammaln(a + b + xs + m)
            const = -gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b)
            total = float(wsum(wx, per_x) + total_w * const + wsum(weights, lse))
            if not want_grad:
                return total, None
            w4 = np.where(can_die, expit(c4 - c3), 0.0) * weights
            w3 = weights - w4
            ww = float(w4.sum())
            d_r = (
                wsum(wx, digamma(r + xs))
                + total_w * (np.log(alpha) - digamma(r))
                - wsum(w3, np.take(log_aT, iT))
                - wsum(w4, np.take(log_atx, itx))
            )
            d_alpha = total_w * r / alpha - wsum(
                rx, w3 * np.take(1 / (alpha + Ts), iT) + w4 * np.take(1 / (alpha + txs), itx)
            )
            d_a = total_w * digamma(a + b) - wsum(wx, digamma(a + b + xs + m)) + ww / a
            d_b = (
                total_w * (digamma(a + b) - digamma(b))
                + wsum(wx, digamma(b + xs + m) - digamma(a + b + xs + m))
                - wsum(w4, np.take(1 / bx, ix))
            )
            grads = np.array([d_r, d_alpha, d_a, d_b], dtype=np.float64)
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
        t_arr = np.asarray(t, dtype=np.float64)
        x1, tx1, T1 = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, T))
        single_grid = t_arr.ndim == 0 or (t_arr.ndim == 2 and t_arr.shape[1] == 1)
        if x1.ndim == 1 and x1.shape == tx1.shape == T1.shape and single_grid:
            # the forecast given alive depends on (x, T) only: once per distinct pair
            (px, pT), inv = unique_rows([x1, T1])
            given_alive = self._alive_purchases(t_arr.reshape(-1, 1), px, pT, p)[:, inv]
            out = given_alive * self.p_alive(x1, tx1, T1, p)
            return out.reshape(-1) if t_arr.ndim == 0 else out
        tt, x, tx, TT = np.broadcast_arrays(t_arr, x1, tx1, T1)
        return self._alive_purchases(tt, x, TT, p) * self.p_alive(x, tx, TT, p)

    def _alive_purchases(
        self, t: FloatArray, x: FloatArray, T: FloatArray, params: dict[str, float]
    ) -> FloatArray:
        """Return Eq. 10 of [1] divided by P(alive): the forecast of a customer alive at T."""
        r, alpha, a, b = params["r"], params["alpha"], params["a"], params["b"]
        m = self.shift
        if abs(a - 1.0) < 1e-6:
            a = 1.0 + 1e-6
        mix = hyp2f1_neg(r + x, a - 1, b + x + m, t / (alpha + T))
        return np.where(t > 0, (a + b + x - 1 + m) / (a - 1) * (1.0 - mix), 0.0)

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
        if x.ndim == 1 and x.shape == TT.shape:
            (px, pT), inv = unique_rows([x, TT])
            survive = hyp2f1_neg(r + px, a, b + px + self.shift, tau / (alpha + pT))[inv]
        else:
            survive = hyp2f1_neg(r + x, a, b + x + self.shift, tau / (alpha + TT))
        return self.p_alive(x, tx, TT, p) * survive
