"""keepwise: one scorecard per customer — value, the signs of a bad customer, churn risk, action.

The Python API mirrors the CLI::

    import keepwise as kw

    ws = kw.Workspace.init("my-business")
    kw.import_paths(ws, ["exports/"])
    result = kw.score(ws)                       # one atomic scorecard run
    rows, total = kw.read_scorecard(ws, sort="profit", limit=20)
    model = kw.BetaGeoModel().fit(frequency, recency, T)

Names load on first use, so ``import keepwise`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Workspace": "keepwise.storage",
    "import_paths": "keepwise.application.importing",
    "load_mapping": "keepwise.domain.contract.mapping",
    "generate_business": "keepwise.application.demo",
    "write_business": "keepwise.application.demo",
    "score": "keepwise.application.scoring",
    "list_runs": "keepwise.application.runs",
    "read_scorecard": "keepwise.application.runs",
    "customer_profile": "keepwise.application.runs",
    "business_summary": "keepwise.application.runs",
    "diff_runs": "keepwise.application.runs",
    "export_scorecard": "keepwise.application.exporting",
    "compute_value": "keepwise.domain.value",
    "compute_signals": "keepwise.domain.signals",
    "compute_clv": "keepwise.application.clv",
    "BetaGeoModel": "keepwise.domain.models",
    "ModifiedBetaGeoModel": "keepwise.domain.models",
    "ParetoNBDModel": "keepwise.domain.models",
    "GammaGammaModel": "keepwise.domain.models",
    "BetaGeoBetaBinomModel": "keepwise.domain.models",
    "ShiftedBetaGeoModel": "keepwise.domain.models",
    "KeepwiseError": "keepwise.errors",
    "ContractError": "keepwise.errors",
}

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "ContractError",
    "GammaGammaModel",
    "KeepwiseError",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "ShiftedBetaGeoModel",
    "Workspace",
    "__version__",
    "business_summary",
    "compute_clv",
    "compute_signals",
    "compute_value",
    "customer_profile",
    "diff_runs",
    "export_scorecard",
    "generate_business",
    "import_paths",
    "list_runs",
    "load_mapping",
    "read_scorecard",
    "score",
    "write_business",
]

if TYPE_CHECKING:
    from keepwise.application.clv import compute_clv
    from keepwise.application.demo import generate_business, write_business
    from keepwise.application.exporting import export_scorecard
    from keepwise.application.importing import import_paths
    from keepwise.application.runs import (
        business_summary,
        customer_profile,
        diff_runs,
        list_runs,
        read_scorecard,
    )
    from keepwise.application.scoring import score
    from keepwise.domain.contract.mapping import load_mapping
    from keepwise.domain.models import (
        BetaGeoBetaBinomModel,
        BetaGeoModel,
        GammaGammaModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
        ShiftedBetaGeoModel,
    )
    from keepwise.domain.signals import compute_signals
    from keepwise.domain.value import compute_value
    from keepwise.errors import ContractError, KeepwiseError
    from keepwise.storage import Workspace


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'keepwise' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
