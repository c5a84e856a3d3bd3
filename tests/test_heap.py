"""Freed heap memory goes back to the operating system between nightly stages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from features.heap import release_freed_memory


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_are_returned() -> None:
    # 200 MB of 2 KB blocks (glibc's heap, not Python's small-object arenas); keeping
    # every 50th leaves the heap's top in use, so glibc alone would keep the pages.
    blocks = [bytearray(2048) for _ in range(100_000)]
    kept = blocks[::50]
    del blocks
    before = _rss_mib()
    assert release_freed_memory() is True
    assert before - _rss_mib() > 100
    assert len(kept) == 2000
