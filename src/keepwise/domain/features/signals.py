"""Register every signal's SQL as features ``signals.<name>`` and ``signals.<name>.evidence``.

The SQL itself lives beside each signal's rule in ``keepwise.domain.signals``; registering it
here lets the Spark engine and the feature tests treat it like any other feature.
"""

from __future__ import annotations

from keepwise.domain.features.registry import Feature, register
from keepwise.domain.signals.registry import all_signals

for _signal in all_signals():
    register(Feature(f"signals.{_signal.name}", _signal.reads, _signal.levels, _signal.doc))
    register(
        Feature(
            f"signals.{_signal.name}.evidence",
            _signal.reads,
            _signal.evidence,
            f"Evidence records of {_signal.name}.",
        )
    )
