"""The signal registry: built-in signals load through the same hook as any extra one.

Like datasette's plugin hooks, each built-in signal is one small module exposing ``SIGNAL``;
:func:`register_signal` is the one extension point, and :func:`all_signals` lists them in
scorecard order followed by ``our_failures``.
"""

from __future__ import annotations

from importlib import import_module

from keepwise.domain.scorecard import SIGNAL_NAMES
from keepwise.domain.signals.base import Signal

OUR_FAILURES = "our_failures"
BUILTIN_MODULES = (*SIGNAL_NAMES, OUR_FAILURES)

_SIGNALS: dict[str, Signal] = {}


def register_signal(signal: Signal) -> Signal:
    """Add ``signal`` to the registry (a name may be registered once)."""
    existing = _SIGNALS.get(signal.name)
    if existing is not None and existing is not signal:
        raise ValueError(f"signal {signal.name!r} is already registered")
    _SIGNALS[signal.name] = signal
    return signal


def _load_builtins() -> None:
    for name in BUILTIN_MODULES:
        if name not in _SIGNALS:
            module = import_module(f"keepwise.domain.signals.{name}")
            register_signal(module.SIGNAL)


def get_signal(name: str) -> Signal:
    """Return the registered signal called ``name``."""
    _load_builtins()
    return _SIGNALS[name]


def all_signals() -> list[Signal]:
    """Return the twelve scorecard signals in order, then ``our_failures``, then any extras."""
    _load_builtins()
    order = {name: i for i, name in enumerate(BUILTIN_MODULES)}
    return sorted(_SIGNALS.values(), key=lambda s: order.get(s.name, len(order)))
