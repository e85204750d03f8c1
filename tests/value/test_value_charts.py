"""Whale curve and retention charts: self-contained SVG, PNG files, honest empty states."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from keepwise.domain.value import whale_curve
from keepwise.reports.charts import retention_heatmap_svg, whale_curve_png, whale_curve_svg


def _business() -> dict:
    profits = np.array([900.0, 400.0, 120.0, -50.0, -300.0])
    return {
        "currency": "EUR",
        "whale_curve": whale_curve(profits),
        "churn": {
            "cohorts": {
                "years": [2022, 2023, 2024],
                "cohorts": [2022, 2023, 2024],
                "sizes": [10, 4, 0],
                "retention": [[1.0, 0.8, 0.5], [None, 1.0, 0.75], [None, None, None]],
            }
        },
    }


def _texts(svg: str) -> str:
    root = ET.fromstring(svg)
    return " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))


def test_whale_curve_svg_is_self_contained_and_labelled() -> None:
    svg = whale_curve_svg(_business())
    assert svg.lstrip().startswith("<?xml")
    assert 'href="http' not in svg
    assert "@import" not in svg
    text = _texts(svg)
    assert "Whale curve" in text
    assert "2 unprofitable customers cost 350 EUR" in text
    assert "peak 1,420 EUR at 60% of customers" in text
    assert "top 20% of customers bring 84% of profit" in text


def test_whale_curve_png_file(tmp_path: Path) -> None:
    path = whale_curve_png(_business(), tmp_path / "w.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_whale_curve_without_data_says_so() -> None:
    assert "No data" in _texts(whale_curve_svg({"currency": "USD", "whale_curve": None}))


def test_retention_heatmap_shows_each_cohort_cell() -> None:
    text = _texts(retention_heatmap_svg(_business()))
    assert "2022 (n=10)" in text
    assert "2023 (n=4)" in text
    assert "2024 (n=" not in text
    for cell in ("80%", "50%", "75%"):
        assert cell in text


@pytest.mark.parametrize("business", [{}, {"churn": {"cohorts": {}}}])
def test_retention_heatmap_without_data_says_so(business: dict) -> None:
    assert "No data" in _texts(retention_heatmap_svg(business))
