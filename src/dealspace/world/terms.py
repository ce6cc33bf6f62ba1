r"""Deal terms that spill over, and a US that may be strategic about them.

**Terms spillover** :math:`\tau \in [0, 1]`. The concession the US demands of
partner :math:`p` when it comes to the table depends on the deals already
struck: it is pulled toward the concessions of the earlier good deals,

.. math:: c'_p = \big[(1-\tau)\,c_p + \tau\,\bar c\big]\,(1 + \rho\,b),

with :math:`c_p` the partner's own concession (welfare points),
:math:`\bar c` the mean concession of the good deals so far (:math:`c_p`
when there are none) and :math:`b` the number of settlements the US has
answered with *bad* (concession taken, tariff kept). After Japan's 15 %
plus $550bn (22 Jul 2025) the EU and Korea took 15 % plus pledges within
eight days (facts A, C): a precedent, not a bilateral bargain.

**Reputation** :math:`\rho \in [0, 1]`. A strategic US punishes early
settlers to raise what later partners concede: the settlement that is the
:math:`m`-th conclusion of :math:`P` (:math:`m = 0` first) is answered
with the type's likelihood mixed with *bad*,

.. math:: L'(\cdot \mid \theta) = (1 - w_m)\,L(\cdot \mid \theta) + w_m\,e_{bad},
          \qquad w_m = \rho\,\big(1 - m / (P-1)\big),

and every punishment raises later demands by the factor :math:`1 + \rho b`.
Partners do not see through the strategy: they update with the types'
likelihoods, so a punishment reads as evidence of a boomerang (and can
provoke retaliation — the cost of the strategy to the US). With
:math:`\tau = \rho = 0` the demand is :math:`c_p` and the responses are the
types' own, bit for bit: the model without spillover of terms.

References: Kreps, D. and Wilson, R. (1982). "Reputation and Imperfect
Information". *Journal of Economic Theory* 27, 253–279 (reputation built by
early toughness); Maggi, G. (1999). "The Role of Multilateral Institutions
in International Trade Cooperation". *American Economic Review* 89(1),
190–214 (bilateral deals as precedents).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def demanded(
    own: float, precedents: Sequence[float], punished: int, tau: float, rho: float
) -> float:
    r"""The concession demanded, :math:`[(1-\tau) c_p + \tau \bar c](1 + \rho b)`.

    Examples
    --------
    Own 0.02, one earlier deal at 0.06, half-way pull, no punishment:

    >>> demanded(0.02, [0.06], 0, 0.5, 0.0)
    0.04
    >>> demanded(0.02, [0.06], 0, 0.0, 0.0)
    0.02
    """
    if tau == 0.0 and rho == 0.0:
        return own
    anchor = float(np.mean(precedents)) if precedents else own
    return ((1.0 - tau) * own + tau * anchor) * (1.0 + rho * punished)


def demanded_all(
    own: ArrayLike, precedents: Sequence[float], punished: int, tau: float, rho: float
) -> NDArray[np.float64]:
    """:func:`demanded` of every partner at once (``own``: each one's concession), bit for bit.

    >>> demanded_all([0.02, 0.04], [0.06], 0, 0.5, 0.0).tolist()
    [0.04, 0.05]
    """
    c = np.array(own, dtype=float)
    if tau == 0.0 and rho == 0.0:
        return c
    anchor = float(np.mean(precedents)) if precedents else c
    return ((1.0 - tau) * c + tau * anchor) * (1.0 + rho * punished)


def punishment(rho: float, concluded: int, partners: int) -> float:
    r"""Extra weight :math:`w_m = \rho (1 - m/(P-1))` on *bad* for the settlement that is conclusion ``m``.

    >>> punishment(0.5, 0, 5), punishment(0.5, 4, 5)
    (0.5, 0.0)
    """
    if rho == 0.0 or partners < 2:
        return 0.0
    return rho * max(0.0, 1.0 - concluded / (partners - 1))


def punishing(row: ArrayLike, weight: float, bad: int) -> NDArray[np.float64]:
    r"""A response row mixed with the point mass on *bad*: :math:`(1-w)L + w e_{bad}`."""
    out = (1.0 - weight) * np.asarray(row, dtype=float)
    out[bad] += weight
    return out
