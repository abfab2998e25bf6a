"""Process memory settings for the long-running app (glibc only; elsewhere nothing changes)."""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)
M_ARENA_MAX = -8  # mallopt parameter number, from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas. By default every thread that allocates may get its own (up to 8 per core), and
    memory freed in one is not reused by another: grading 600 answers in two threads left the process 60 MB
    larger with the default than with two arenas (859 against 797 MB, measured in-process)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError) as exc:
        log.info("malloc arenas left as they are: %s", exc)
        return False
