"""matplotlib for every chart dealspace draws, imported on first use.

Charts are drawn off-screen with the Agg backend, unless the caller already
chose a backend by importing ``matplotlib.pyplot`` (e.g. in Jupyter).
"""

from __future__ import annotations

import sys
from typing import Any


def pyplot() -> Any:
    """``matplotlib.pyplot``, with the Agg backend unless one is already in use."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
