"""One BLAS thread for small linear systems, with the thread-pool look-up done once per process.

Small systems (a 39-unknown GE solve, the process simulation's products)
run fastest on one BLAS thread and are then immune to oversubscription on a
busy machine. ``threadpoolctl.threadpool_limits`` finds the loaded BLAS
libraries anew on every call (about 1.5 ms); :func:`blas_limit` finds them
once (a cached ``ThreadpoolController``, taken when first needed, after numpy
has loaded its BLAS) and then only sets the limit (about 0.04 ms). Without
``threadpoolctl`` nothing is limited; only the speed depends on it.
"""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from typing import Any


@functools.cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # optional: only speed depends on it
        return None
    return ThreadpoolController()


def blas_limit(threads: int | None = 1) -> AbstractContextManager[object]:
    """Limit the BLAS to ``threads`` threads for the duration of a ``with`` block (None: no limit).

    >>> import numpy as np
    >>> with blas_limit(1):
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    controller = _controller()
    if threads is None or controller is None:
        return nullcontext()
    return controller.limit(limits=threads, user_api="blas")
