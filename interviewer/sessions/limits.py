"""Per-client limits kept in memory: interviews started from one IP address, and recruiter sign-in back-off.

The per-profile limits are counted in the database (they hold across restarts and app processes); what is kept
per IP address is counted here, per process, so that no address is ever written to storage.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

HOUR_S = 3600.0


class StartLog:
    """The interviews started from each IP address in the last hour: (time, session id), oldest first."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._starts: dict[str, deque[tuple[float, str]]] = defaultdict(deque)
        self._lock = threading.Lock()

    def recent(self, ip: str, window_s: float = HOUR_S) -> list[str]:
        """Session ids started from `ip` within the last `window_s` seconds (at most an hour)."""
        now = self.clock()
        with self._lock:
            starts = self._starts.get(ip)
            if not starts:
                return []
            while starts and now - starts[0][0] > HOUR_S:
                starts.popleft()
            if not starts:
                del self._starts[ip]
                return []
            return [sid for at, sid in starts if now - at <= window_s]

    def add(self, ip: str, session_id: str) -> None:
        with self._lock:
            self._starts[ip].append((self.clock(), session_id))


class Backoff:
    """Failed attempts per key (a user name, an IP address): after `free` failures, each further attempt must
    wait 1 s, doubling with every failure up to `max_s`. A success clears the keys; so does a quiet spell as long
    as the longest wait."""

    def __init__(self, free: int, max_s: float, clock: Callable[[], float] = time.monotonic):
        self.free = free
        self.max_s = max_s
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, time of the last one)
        self._lock = threading.Lock()

    def _delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.max_s, 2.0 ** min(failures - self.free, 32)))

    def wait_s(self, *keys: str) -> float:
        """Seconds before another attempt for any of `keys` is allowed (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                self._delay(n) - (now - last) for n, last in (self._failures.get(k, (0, now)) for k in keys)
            ]
        return max(0.0, *waits)

    def failed(self, *keys: str) -> int:
        """Record a failure for each key; the most failures any of them now has."""
        now = self.clock()
        with self._lock:
            counts = []
            for k in keys:
                n, last = self._failures.get(k, (0, now))
                n = 1 if now - last > self.max_s else n + 1  # quiet for the longest wait: start afresh
                self._failures[k] = (n, now)
                counts.append(n)
            if len(self._failures) > 100_000:  # a flood of names: forget the oldest half rather than grow
                for k, _ in sorted(self._failures.items(), key=lambda kv: kv[1][1])[:50_000]:
                    del self._failures[k]
        return max(counts)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
