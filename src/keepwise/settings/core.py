"""Typed settings with documented defaults, read from and written to ``keepwise.toml``.

Every rule threshold and cost rate is a :class:`Setting`: a dotted key, a default, a one-line
justification and, where it implements one, the MISSION.md point. Areas declare their settings
in their own module (``settings/value.py``, ``settings/signals.py``...) and
``settings/__init__.py`` collects them, so ``docs/settings.md`` and ``keepwise.toml`` can be
generated from one list and a test can fail when one is undocumented.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit

from keepwise.errors import SettingsError

Value = bool | int | float | str | list[str]


@dataclass(frozen=True)
class Setting:
    """One named setting: dotted ``key``, typed ``default``, ``help`` (why this default)."""

    key: str
    default: Value
    help: str
    mission: str = ""

    @property
    def kind(self) -> type:
        """Return the Python type a value of this setting must have."""
        return type(self.default)


class Settings(Mapping[str, Value]):
    """The effective settings: defaults overlaid with a workspace's ``keepwise.toml``.

    Behaves as a read-only mapping from dotted key to value; ``settings["value.hourly_cost"]``.
    """

    def __init__(self, registry: Iterable[Setting], overrides: Mapping[str, Any] | None = None):
        self._registry = {s.key: s for s in registry}
        self._values: dict[str, Value] = {k: s.default for k, s in self._registry.items()}
        for key, value in (overrides or {}).items():
            self._values[key] = self._coerce(key, value)

    def _coerce(self, key: str, value: Any) -> Value:
        setting = self._registry.get(key)
        if setting is None:
            raise SettingsError(f"unknown setting {key!r}")
        kind = setting.kind
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"setting {key!r} must be a list of strings, got {value!r}")
            return [str(v) for v in value]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise SettingsError(
                f"setting {key!r} must be {kind.__name__}, got {type(value).__name__} {value!r}"
            )
        return value  # type: ignore[return-value]

    def __getitem__(self, key: str) -> Value:
        try:
            return self._values[key]
        except KeyError:
            raise SettingsError(f"unknown setting {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def get_float(self, key: str) -> float:
        """Return a numeric setting as float."""
        value = self[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"setting {key!r} is not a number")
        return float(value)

    def get_int(self, key: str) -> int:
        """Return an integer setting."""
        value = self[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"setting {key!r} is not an integer")
        return value

    def get_str(self, key: str) -> str:
        """Return a string setting."""
        return str(self[key])

    def get_bool(self, key: str) -> bool:
        """Return a boolean setting."""
        return bool(self[key])

    def registry(self) -> list[Setting]:
        """Return the declared settings in declaration order."""
        return list(self._registry.values())

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """Return new settings with some values replaced (validated like the file)."""
        merged: dict[str, Any] = dict(self._values)
        merged.update(overrides)
        return Settings(self._registry.values(), merged)

    def as_dict(self) -> dict[str, Value]:
        """Return every effective value, for storing beside a scorecard run."""
        return dict(self._values)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def load_settings(path: Path, registry: Iterable[Setting]) -> Settings:
    """Read ``keepwise.toml`` at ``path`` over the defaults; a missing file means defaults."""
    registry = list(registry)
    if not path.exists():
        return Settings(registry)
    try:
        # the standard library's parser reads it a hundred times faster than tomlkit, which
        # stays for rendering values when the file is written
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Settings(registry, _flatten(doc))
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from exc


def render_settings_toml(
    registry: Iterable[Setting], values: Mapping[str, Value] | None = None
) -> str:
    """Render ``keepwise.toml``: every setting with its justification, defaults commented out.

    Only values given in ``values`` are written live; defaults stay as comments, so a workspace
    follows improved defaults of later versions unless someone chose a value on purpose.
    """
    lines = [
        "# keepwise settings. Every default is documented in docs/settings.md.",
        "# Uncomment a line to change it; a commented line follows the built-in default.",
    ]
    sections: dict[str, list[Setting]] = {}
    for s in registry:
        sections.setdefault(s.key.rpartition(".")[0], []).append(s)
    for head, members in sections.items():
        lines += ["", f"[{head}]"]
        for s in members:
            note = s.help + (f" [MISSION {s.mission}]" if s.mission else "")
            lines.append(f"# {note}")
            chosen = (values or {}).get(s.key)
            rendered = tomlkit.item(s.default if chosen is None else chosen).as_string()
            lines.append(
                f"{'' if chosen is not None else '# '}{s.key.rpartition('.')[2]} = {rendered}"
            )
    return "\n".join(lines) + "\n"


def render_settings_markdown(registry: Iterable[Setting]) -> str:
    """Render every setting as a Markdown table per area: key, default, why, MISSION point."""
    lines = [
        "# Settings",
        "",
        "Every threshold and rate keepwise uses, with its default and why. Change them in the",
        "workspace's `keepwise.toml` (written with these defaults by `keepwise init`).",
        "This page is generated from the code (`keepwise settings --markdown`); a test fails",
        "when it is stale.",
    ]
    area = None
    for s in registry:
        this_area = s.key.split(".", 1)[0]
        if this_area != area:
            area = this_area
            lines += [
                "",
                f"## {area}",
                "",
                "| key | default | why | MISSION |",
                "| --- | --- | --- | --- |",
            ]
        default = tomlkit.item(s.default).as_string()
        why = s.help.replace("|", "\\|")
        lines.append(f"| `{s.key}` | `{default}` | {why} | {s.mission} |")
    return "\n".join(lines) + "\n"
