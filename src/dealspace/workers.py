"""A second process for work that needs nothing else of a run (the bellwether model, the
report's charts): one spawned worker, warmed up early, stopped with the run.

Spawned, not forked, so it is safe beside threads (a progress bar, a web
server). Work sent to it is a module-level function with plain arguments; if
the worker cannot start or fails, the caller computes the same thing itself
(:func:`result_or`), so the results never depend on it.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any, TypeVar, cast

T = TypeVar("T")


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def second_process(jobs: int, warm: Sequence[str] = ()) -> Iterator[Executor | None]:
    """One spawned worker process when ``jobs >= 2``, else None.

    ``warm`` names modules the worker imports at once, while the caller goes
    on. On leaving the block the worker is stopped: work still in it (a
    warm-up, or anything after a failure) does not outlive the run.
    """
    if jobs < 2:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(
            1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        for name in warm:
            pool.submit(importlib.import_module, name)
    except (OSError, RuntimeError):  # no process can be started here: work in this one
        yield None
        return
    try:
        yield pool
    finally:
        # The block has taken every result it wanted (or failed): stop the worker at once
        # rather than wait for work nobody will read, or for its interpreter to wind down.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _exit_with_parent(parent: int) -> None:
    """In the worker: end it when its parent is gone (killed, so it could not stop it),
    instead of waiting for work that can no longer come."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def submit(executor: Executor | None, fn: Callable[..., T], *args: Any) -> Future[T] | None:
    """``executor.submit(fn, *args)``, or None without an executor or when it is broken."""
    if executor is None:
        return None
    try:
        return executor.submit(fn, *args)
    except RuntimeError:  # shut down or broken
        return None


def result_or(future: Future[T] | None, fallback: Callable[[], T]) -> T:
    """The worker's result, else ``fallback()`` computed here (no worker, or it failed)."""
    if future is not None:
        try:
            return cast(T, future.result())
        except Exception:  # noqa: BLE001 - a broken worker or an error: this process says which
            pass
    return fallback()
