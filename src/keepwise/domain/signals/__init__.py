"""The ten signs of a bad customer, policy abuse, unhappiness and our own failures.

``compute_signals(engine, ctx)`` runs every registered signal over the event tables as of a
date and returns levels, sentences and evidence (see :class:`SignalResult`).
"""

from keepwise.domain.signals.base import Signal
from keepwise.domain.signals.compute import SignalResult, compute_signals
from keepwise.domain.signals.registry import all_signals, get_signal, register_signal

__all__ = [
    "Signal",
    "SignalResult",
    "all_signals",
    "compute_signals",
    "get_signal",
    "register_signal",
]
