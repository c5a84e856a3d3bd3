"""Handing memory the run has freed back to the operating system between stages.

glibc keeps the pages of freed heap memory for reuse instead of returning them, and a
nightly stage frees hundreds of MB of frames (the population's reads, the embedding
model's activations), so the next stage's peak would sit on top of pages nobody uses.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return None


def release_freed_memory() -> bool:
    """Return the free pages of the C heaps (``malloc_trim(0)``) and of Arrow's memory
    pool (pandas' string columns) to the operating system; False where the C library
    has no ``malloc_trim``. Takes about 10 ms."""
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except ImportError:
        pass
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
