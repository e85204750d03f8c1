"""The Python API: every advertised name resolves, and the whole flow runs without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import keepwise as kw


@pytest.mark.parametrize("name", [n for n in kw.__all__ if n != "__version__"])
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(kw, name) is not None


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = kw.nope  # type: ignore[attr-defined]


def test_flow_from_python(tmp_path: Path) -> None:
    business = kw.generate_business(customers=150, seed=3)
    paths = kw.write_business(business, tmp_path / "data")
    ws = kw.Workspace.init(tmp_path / "ws")
    assert kw.import_paths(ws, paths).inserted > 150
    kw.score(ws)
    rows, total = kw.read_scorecard(ws, sort="profit", limit=5)
    assert total == 150 and len(rows) == 5
    profits = [r["profit"] for r in rows]
    assert profits == sorted(profits, reverse=True)


def test_all_matches_the_lazy_exports() -> None:
    assert set(kw.__all__) - {"__version__"} == set(kw._EXPORTS)
