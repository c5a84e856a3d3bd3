"""Ranking chunks of learners ahead of whoever consumes them (the publisher).

:func:`ranked_ahead` yields each chunk's recommendations in order while up to ``ahead``
later chunks are being ranked elsewhere:

- in **forked worker processes** (:func:`ranking_workers`, two on two cores) where the
  platform forks (Linux). Ranking is numpy and
  Python; publishing is Python (rendering statements, the audit) and waiting on the
  server. In one process they share one GIL, so at 100,000 learners a helper thread
  saved little (ranking 109 s and publishing 55 s inside a 116 s loop). The worker
  inherits the run's inputs through ``fork`` (nothing is pickled on the way in; the
  caller's :func:`models.recommend.frozen_heap` keeps the garbage collector from
  touching, and so copying, the inherited objects) and sends back only the columns asked
  for. It dies with its parent: it holds copies of the parent's descriptors (database
  sockets, the run lock), which a killed run must not leave behind;
- in a **helper thread** elsewhere (macOS and Windows spawn processes, which would
  pickle the inputs), or when ``processes=False``.

Results are identical either way: each chunk is :func:`models.recommend.recommend_chunk`
of the same rows. At most ``ahead`` ranked chunks wait at once, so memory stays bounded
however slow the consumer is. An error in ranking is raised from the iteration, at the
chunk where it happened; chunks before it have been yielded already.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd

#: What workers rank, by job: set before the worker forks, so the worker has it too.
_JOBS: dict[int, tuple[Any, Any, Any, Any]] = {}
_NEXT_JOB = itertools.count(1)


def can_fork() -> bool:
    """Whether a worker can inherit the inputs through ``fork`` (Linux)."""
    return sys.platform.startswith("linux") and \
        "fork" in multiprocessing.get_all_start_methods()


def _die_with_parent(parent: int) -> None:
    """Worker start-up: die with the parent. A forked worker holds copies of the parent's
    descriptors (database sockets, the run lock's file), so a worker outliving a killed
    run would keep its lock taken and its connections open."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _rank(job: int, start: int, stop: int, columns: Sequence[str] | None) -> pd.DataFrame:
    import models.recommend as recommend  # the module attribute: patchable in tests

    inputs, space, config, plan = _JOBS[job]
    evidence = columns is None or "evidence" in columns  # skipped when not sent back
    frame = recommend.recommend_chunk(inputs, space, config, plan, np.arange(start, stop),
                                      evidence)
    return frame if columns is None else frame[list(columns)]


#: Forked ranking workers. Two on two cores: the run process mostly waits on the
#: database while it publishes, so a second worker finds a core often enough (at
#: 100,000 learners a rerun's ranking-and-publishing loop took 70 s with one, 56-62 s
#: with two); more would only queue for the same cores.
RANKING_WORKERS = 2


def ranking_workers() -> int:
    """How many forked workers rank: :data:`RANKING_WORKERS`, fewer on fewer cores."""
    return max(1, min(RANKING_WORKERS, os.cpu_count() or 1))


def ranked_ahead(inputs: Any, space: Any, config: Any, plan: Any, *, ahead: int = 3,
                 columns: Sequence[str] | None = None,
                 processes: bool | None = None,
                 workers: int | None = None) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
    """``(rows, recommendations)`` for each ``config.chunk_size`` chunk of ``inputs``, in
    order, ranked up to ``ahead`` chunks in advance (module docstring).

    ``columns``: only these output columns (smaller to send back from a worker);
    ``processes``: a forked worker (True), a thread (False), or whichever the platform
    allows (None); ``workers``: how many processes (default :func:`ranking_workers`; a
    thread is always one). Use it in a ``with contextlib.closing(...)`` block, so that an
    error while consuming stops the workers at once."""
    size = max(int(config.chunk_size), 1)
    bounds = [(start, min(start + size, inputs.n)) for start in range(0, inputs.n, size)]
    if not bounds:
        return
    use_processes = can_fork() if processes is None else processes and can_fork()
    job = next(_NEXT_JOB)
    _JOBS[job] = (inputs, space, config, plan)
    executor: Executor = (
        ProcessPoolExecutor(workers or ranking_workers(),
                            mp_context=multiprocessing.get_context("fork"),
                            initializer=_die_with_parent, initargs=(os.getpid(),))
        if use_processes else ThreadPoolExecutor(1, thread_name_prefix="learnerai-rank"))
    waiting: deque[Future[pd.DataFrame]] = deque()
    try:
        for start, stop in bounds[:max(ahead, 1)]:
            waiting.append(executor.submit(_rank, job, start, stop, columns))
        for k, (start, stop) in enumerate(bounds):
            frame = waiting.popleft().result()
            following = k + len(waiting) + 1
            if following < len(bounds):
                waiting.append(executor.submit(_rank, job, *bounds[following], columns))
            yield np.arange(start, stop), frame
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _JOBS.pop(job, None)
