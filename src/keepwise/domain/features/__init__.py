"""Per-customer features as of a date: one SQL definition each, run by any engine."""

from keepwise.domain.features.registry import (
    Feature,
    FeatureContext,
    all_features,
    feature,
    get_feature,
    register,
)

__all__ = ["Feature", "FeatureContext", "all_features", "feature", "get_feature", "register"]
