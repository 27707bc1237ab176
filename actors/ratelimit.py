"""Per-target request rate limiting: an asyncio token bucket.

Part of the safety envelope for targets (DESIGN.md §8): a run never sends faster than the rate the user allowed,
whatever the worker count. ``burst`` requests may go at once; after that one request per ``1 / rate`` seconds, so N
requests take about ``(N - burst) / rate`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Protocol

from agent_core.errors import ConfigError

__all__ = ["Limiter", "RateLimit", "Reservations", "TokenBucket"]


class Limiter(Protocol):
    """Anything the executor awaits before each attempt."""

    async def acquire(self) -> None: ...


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``per_second`` requests per second on average, with up to ``burst`` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_second > 0:
            raise ConfigError(f"rate limit must be positive, got {self.per_second!r}", "CONFIG_RATE_LIMIT")
        if self.burst < 1:
            raise ConfigError(f"rate limit burst must be at least 1, got {self.burst!r}", "CONFIG_RATE_LIMIT")


class TokenBucket:
    """Token bucket that lets the balance go negative: each caller reserves its token at once and sleeps until the
    bucket would have refilled it. No lock is needed (nothing awaits between reading and updating the balance), callers
    are served in arrival order, and a cancelled waiter gives its token back."""

    def __init__(self, limit: RateLimit) -> None:
        self._rate = limit.per_second
        self._burst = float(limit.burst)
        self._tokens = float(limit.burst)
        self._updated = time.monotonic()

    @property
    def limit(self) -> RateLimit:
        return RateLimit(self._rate, int(self._burst))

    async def acquire(self) -> None:
        """Wait until one request may be sent."""
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate) - 1.0
        self._updated = now
        if self._tokens >= 0:
            return
        try:
            await asyncio.sleep(-self._tokens / self._rate)
        except asyncio.CancelledError:
            self._tokens += 1.0
            raise


class Reservations:
    """The token bucket as a schedule of send times, for a limiter that lives in another process.

    :meth:`reserve` returns the wall-clock time at which the caller may send (now, or later when the bucket is
    empty); the caller sleeps until then. Absolute times rather than delays keep the spacing exact however long the
    answer takes to reach the caller: workers on one machine share the clock, and machines kept in sync by NTP agree
    to a few milliseconds."""

    def __init__(self, limit: RateLimit, now: float | None = None) -> None:
        self._rate = limit.per_second
        self._burst = float(limit.burst)
        self._tokens = float(limit.burst)
        self._updated = time.time() if now is None else now

    @property
    def limit(self) -> RateLimit:
        return RateLimit(self._rate, int(self._burst))

    def tighten(self, limit: RateLimit) -> None:
        """Two jobs against one target with different limits: the lower one holds for both."""
        self._rate = min(self._rate, limit.per_second)
        self._burst = min(self._burst, float(limit.burst))
        self._tokens = min(self._tokens, self._burst)

    def reserve(self, now: float | None = None) -> float:
        now = time.time() if now is None else now
        # The clock may step back (NTP); never refill for negative time.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self._burst, self._tokens + elapsed * self._rate) - 1.0
        self._updated = max(self._updated, now)
        if self._tokens >= 0:
            return now
        return self._updated + (-self._tokens / self._rate)
