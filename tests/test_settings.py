"""keepwise.toml: written with every setting explained, read back over the defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from keepwise.errors import SettingsError
from keepwise.settings import ALL_SETTINGS, default_settings, render_settings_toml
from keepwise.storage import Workspace


def test_new_workspace_follows_the_defaults(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    text = ws.settings_path.read_text(encoding="utf-8")
    parsed = tomllib.loads(text)
    assert all(not v for v in parsed.values()) or all(isinstance(v, dict) for v in parsed.values())
    assert ws.settings.as_dict() == default_settings().as_dict()
    for s in ALL_SETTINGS:
        assert f"# {s.key.rpartition('.')[2]} = " in text


def test_uncommented_value_overrides(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    text = ws.settings_path.read_text(encoding="utf-8")
    ws.settings_path.write_text(text.replace("# max_errors = 50", "max_errors = 7"))
    assert ws.settings["import.max_errors"] == 7


def test_chosen_values_render_live() -> None:
    text = render_settings_toml(ALL_SETTINGS, {"import.max_errors": 9})
    assert tomllib.loads(text)["import"]["max_errors"] == 9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[import]\nmax_errors = 'many'\n", "must be int"),
        ("[import]\nmax_errrors = 5\n", "unknown setting 'import.max_errrors'"),
        ("[import\n", "not valid TOML"),
    ],
)
def test_bad_settings_name_the_file(tmp_path: Path, content: str, message: str) -> None:
    ws = Workspace.init(tmp_path / "ws")
    ws.settings_path.write_text(content)
    with pytest.raises(SettingsError, match=message) as info:
        _ = ws.settings
    assert str(ws.settings_path) in str(info.value)
