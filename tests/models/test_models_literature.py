"""The models reproduce the published fits on the published data (params 0.5 %, LL 0.1)."""

from __future__ import annotations

import numpy as np
import pytest

from keepwise.domain.models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    ShiftedBetaGeoModel,
)


def assert_close(params: dict[str, float], expected: dict[str, float]) -> None:
    for k, v in expected.items():
        assert params[k] == pytest.approx(v, rel=5e-3), (k, params[k], v)


def test_bg_nbd_cdnow(cdnow: dict[str, np.ndarray]) -> None:
    m = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert_close(m.params_, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert m.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert m.n_ == 2357
    assert m.converged_


def test_pareto_nbd_cdnow(cdnow: dict[str, np.ndarray]) -> None:
    m = ParetoNBDModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert_close(m.params_, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_gamma_gamma_cdnow(cdnow_spend: dict[str, np.ndarray]) -> None:
    repeat = cdnow_spend["x"] > 0
    m = GammaGammaModel().fit(cdnow_spend["x"][repeat], cdnow_spend["zbar"][repeat])
    assert_close(m.params_, {"p": 6.25, "q": 3.74, "gamma": 15.44})
    assert m.n_ == 946


def test_bg_bb_donations(donations: dict[str, np.ndarray]) -> None:
    m = BetaGeoBetaBinomModel().fit(
        donations["frequency"], donations["recency"], donations["periods"], donations["weights"]
    )
    assert_close(m.params_, {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783})
    assert m.log_likelihood_ == pytest.approx(-33225.6, abs=0.1)
    assert m.n_ == 11104


@pytest.mark.parametrize(
    ("alive", "expected"),
    [
        ([1000, 631, 468, 382, 326, 289, 262, 241], {"alpha": 0.704, "beta": 1.182}),
        ([1000, 869, 743, 653, 593, 551, 517, 491], {"alpha": 0.668, "beta": 3.806}),
    ],
    ids=["regular", "high_end"],
)
def test_sbg_fader_hardie_2007(alive: list[int], expected: dict[str, float]) -> None:
    m = ShiftedBetaGeoModel().fit(np.arange(8), alive)
    assert_close(m.params_, expected)


def test_sbg_projection_matches_paper_regular() -> None:
    """Fader & Hardie (2007) project the 'regular' segment to ~ 0.24 alive after 7 years."""
    m = ShiftedBetaGeoModel().fit(np.arange(8), [1000, 631, 468, 382, 326, 289, 262, 241])
    assert m.survival(7) == pytest.approx(0.241, abs=0.01)
    # retention rises with tenure: the cancel-prone leave first
    assert np.all(np.diff(1 - m.churn_next(np.arange(10))) > 0)


def test_bg_nbd_cdnow_conditional_expectation(cdnow: dict[str, np.ndarray]) -> None:
    """FHL 2005 §5: a customer with x=2, t_x=30.43, T=38.86 expects ≈ 1.226 purchases in 39 wk."""
    m = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert m.expected_purchases(39, 2, 30.43, 38.86)[()] == pytest.approx(1.226, abs=2e-3)
