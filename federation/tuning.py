"""Process settings that keep a long-running gateway's memory flat.

glibc raises its mmap threshold each time a large block is freed, so after a few large request
bodies every later one is carved from the heap (or a worker thread's arena) and its memory is
rarely handed back: a stream of distinct megabyte documents then grows the process by hundreds of
megabytes it never uses again. Pinning the threshold keeps blocks over 1 MiB in their own
mappings, returned to the system the moment they are freed. Elsewhere (musl, macOS) nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers in glibc's malloc.h
_M_MMAP_THRESHOLD = -3
# Above a megabyte: request bodies and subgraph answers of ordinary size stay on the heap, where
# reuse is cheap (a mapping per block costs a system call and fresh, zeroed pages each time).
_MMAP_THRESHOLD_BYTES = 1024 * 1024
# Pinning the mmap threshold also pins trimming at its 128 KiB default, which would hand the heap's
# top back and fault it in again on every request: keep trimming for what is really idle.
_TRIM_THRESHOLD_BYTES = 32 * 1024 * 1024


def tune_malloc() -> bool:
    """True when glibc accepted the setting."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES))
