"""Per-customer features as of a date: one SQL definition each, run by any engine."""

import keepwise.domain.features.rfm
import keepwise.domain.features.signals
import keepwise.domain.features.value  # noqa: F401
from keepwise.domain.features.registry import (
    Engine,
    Feature,
    FeatureContext,
    all_features,
    feature,
    get_feature,
    register,
    run_feature,
)

__all__ = [
    "Engine",
    "Feature",
    "FeatureContext",
    "all_features",
    "feature",
    "get_feature",
    "register",
    "run_feature",
]
