"""What each party can reach: status quo, BATNA, best and worst acceptable package.

For an additive deal space the best acceptable package of party p is found
block by block: :math:`\\max_x u_p(x) = \\sum_b \\max_r U_b[r, p]` (likewise the
worst), so no enumeration is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.present.notebook import Displayed
from dealspace.space import DealSpace

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Reach(Displayed):
    """Per party (in its own points): status quo, BATNA, best and worst acceptable package.

    ``best`` and ``worst`` are None when no package is acceptable to every party.
    """

    parties: tuple[str, ...]
    status_quo: tuple[float, ...]
    batna: tuple[float, ...]
    best: tuple[float, ...] | None
    worst: tuple[float, ...] | None
    n_acceptable: int

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        none = [None] * len(self.parties)
        return pd.DataFrame(
            {
                "status_quo": self.status_quo,
                "batna": self.batna,
                "best_acceptable": self.best or none,
                "worst_acceptable": self.worst or none,
            },
            index=pd.Index(self.parties, name="party"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_acceptable": self.n_acceptable,
            "parties": {
                p: {
                    "status_quo": self.status_quo[k],
                    "batna": self.batna[k],
                    "best_acceptable": None if self.best is None else self.best[k],
                    "worst_acceptable": None if self.worst is None else self.worst[k],
                }
                for k, p in enumerate(self.parties)
            },
        }


def reach(space: DealSpace) -> Reach:
    """Status quo, BATNA, best and worst acceptable utility of every party."""
    best = worst = None
    if not space.empty:
        best = tuple(
            float(sum(b.utility[:, p].max() for b in space.blocks)) for p in range(space.n_parties)
        )
        worst = tuple(
            float(sum(b.utility[:, p].min() for b in space.blocks)) for p in range(space.n_parties)
        )
    return Reach(
        parties=space.parties,
        status_quo=tuple(float(x) for x in np.asarray(space.status_quo_utility)),
        batna=tuple(float(x) for x in np.asarray(space.batna)),
        best=best,
        worst=worst,
        n_acceptable=0 if space.empty else space.n_outcomes,
    )
