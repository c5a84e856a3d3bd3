"""Run a generator one step ahead in a background thread.

Seeding alternates two kinds of work: numpy generating the next block and
the database swallowing the previous one. The database driver releases the
GIL while it waits on the server (MySQL) or steps the statement (SQLite), and
numpy releases it in its kernels, so producing block ``k+1`` while block
``k`` is written overlaps them. The queue holds at most ``depth`` blocks, so
memory stays bounded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class prefetch(Generic[T]):  # noqa: N801 - used like a function
    """Iterate ``source`` in a daemon thread, ``depth`` items ahead; ``close()`` stops it."""

    def __init__(self, source: Iterator[T], depth: int = 1) -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source,), daemon=True,
                                        name="demo-data-prefetch")
        self._thread.start()

    def _run(self, source: Iterator[T]) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            self._put(exc)
            return
        self._put(_DONE)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> prefetch[T]:
        return self

    def __next__(self) -> T:
        item = self._queue.get()
        if item is _DONE:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
