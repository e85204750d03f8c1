"""MBG/NBD: the BG/NBD model where customers may also drop out right after their first purchase.

Batislam, Denizel and Filiztekin (2007) let the dropout coin be tossed at time zero as well,
so a customer with no repeat purchase is no longer certainly alive. Likelihood (their Eq. 2):
L = B(a, b+x+1)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+T)^{r+x})
+ B(a+1, b+x)/B(a, b) · Γ(r+x)α^r / (Γ(r)(α+t_x)^{r+x}).

References
----------
.. [1] Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical validation and
   comparison of models for customer base analysis. IJRM 24(3), 201–209.
"""

from __future__ import annotations

from typing import ClassVar

from keepwise.domain.models.bg_nbd import BetaGeoModel


class ModifiedBetaGeoModel(BetaGeoModel):
    """MBG/NBD model; parameters ``r``, ``alpha``, ``a``, ``b`` as in BG/NBD."""

    name: ClassVar[str] = "mbg-nbd"
    shift: ClassVar[int] = 1
