"""Docs stay true and the code stays clean: generated references, ruff and mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from keepwise.settings import ALL_SETTINGS, render_settings_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_justified() -> None:
    keys = [s.key for s in ALL_SETTINGS]
    assert len(keys) == len(set(keys)), "a setting key is declared twice"
    for s in ALL_SETTINGS:
        assert len(s.help) > 15, f"{s.key} needs a one-line justification"


def test_settings_reference_is_current() -> None:
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == render_settings_markdown(ALL_SETTINGS), (
        "docs/settings.md is stale: run `keepwise settings --markdown > docs/settings.md`"
    )


def test_readme_starts_with_the_two_commands() -> None:
    head = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:10])
    assert "make demo" in head and "make test" in head


@pytest.mark.slow
def test_ruff_clean() -> None:
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [str(bin_dir / "ruff"), "check", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_clean() -> None:
    bin_dir = Path(sys.executable).parent
    result = subprocess.run([str(bin_dir / "mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
