"""Lifetime-value models in numpy/scipy, sklearn-style, fitted on weighted sufficient statistics.

Non-contractual repeat buying: :class:`BetaGeoModel` (BG/NBD), :class:`ModifiedBetaGeoModel`
(MBG/NBD), :class:`ParetoNBDModel` (Pareto/NBD); discrete opportunities:
:class:`BetaGeoBetaBinomModel` (BG/BB); contracts: :class:`ShiftedBetaGeoModel` (sBG); spend:
:class:`GammaGammaModel`. ``MODELS`` maps each CLI name to its class.
"""

from keepwise.domain.models.base import BaseModel, ModelInputError, RepeatPurchaseModel, compress
from keepwise.domain.models.bg_bb import BetaGeoBetaBinomModel
from keepwise.domain.models.bg_nbd import BetaGeoModel
from keepwise.domain.models.gamma_gamma import GammaGammaModel
from keepwise.domain.models.mbg_nbd import ModifiedBetaGeoModel
from keepwise.domain.models.pareto_nbd import ParetoNBDModel
from keepwise.domain.models.sbg import ShiftedBetaGeoModel

MODELS: dict[str, type[BaseModel]] = {
    m.name: m
    for m in (
        BetaGeoModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
        GammaGammaModel,
        BetaGeoBetaBinomModel,
        ShiftedBetaGeoModel,
    )
}
REPEAT_MODELS: dict[str, type[RepeatPurchaseModel]] = {
    m.name: m for m in (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel)
}

__all__ = [
    "MODELS",
    "REPEAT_MODELS",
    "BaseModel",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGammaModel",
    "ModelInputError",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "RepeatPurchaseModel",
    "ShiftedBetaGeoModel",
    "compress",
]
