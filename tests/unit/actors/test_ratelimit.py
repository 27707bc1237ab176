"""The token bucket: N requests at rate R with burst B take about (N - B) / R seconds, never less."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time

import pytest

from actors.ratelimit import RateLimit, Reservations, TokenBucket
from agent_core.errors import ConfigError


def timed_acquires(limit: RateLimit, count: int) -> tuple[float, list[float]]:
    async def run() -> tuple[float, list[float]]:
        bucket = TokenBucket(limit)
        started = time.monotonic()
        stamps: list[float] = []

        async def one() -> None:
            await bucket.acquire()
            stamps.append(time.monotonic() - started)

        await asyncio.gather(*(one() for _ in range(count)))
        return time.monotonic() - started, sorted(stamps)

    return asyncio.run(run())


def test_concurrent_callers_are_spaced_at_the_rate() -> None:
    elapsed, stamps = timed_acquires(RateLimit(per_second=50, burst=1), 11)
    assert 0.19 <= elapsed < 0.6  # (11 - 1) / 50 = 0.2 s
    # Never early: the k-th request waits for its slot at k / rate (asyncio may wake a millisecond early).
    assert all(stamp >= k / 50 - 0.005 for k, stamp in enumerate(stamps))


def test_burst_goes_at_once_then_the_rate_applies() -> None:
    elapsed, stamps = timed_acquires(RateLimit(per_second=20, burst=5), 7)
    assert stamps[4] < 0.03  # five at once
    assert 0.09 <= elapsed < 0.4  # (7 - 5) / 20 = 0.1 s


def test_idle_time_refills_up_to_the_burst_only() -> None:
    async def run() -> float:
        bucket = TokenBucket(RateLimit(per_second=20, burst=2))
        await asyncio.sleep(0.3)  # long enough for 6 tokens, but the bucket holds 2
        started = time.monotonic()
        for _ in range(4):
            await bucket.acquire()
        return time.monotonic() - started

    assert 0.09 <= asyncio.run(run()) < 0.4  # (4 - 2) / 20


def test_a_cancelled_waiter_gives_its_turn_back() -> None:
    async def run() -> float:
        bucket = TokenBucket(RateLimit(per_second=10, burst=1))
        await bucket.acquire()
        waiter = asyncio.create_task(bucket.acquire())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        started = time.monotonic()
        await bucket.acquire()  # next in line now, not behind the cancelled one
        return time.monotonic() - started

    assert asyncio.run(run()) < 0.15


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_invalid_limits_are_config_errors(rate: float, burst: int) -> None:
    with pytest.raises(ConfigError):
        RateLimit(per_second=rate, burst=burst)


def test_reservations_space_send_times_by_the_rate_after_the_burst() -> None:
    now = 1000.0
    schedule = Reservations(RateLimit(10.0, burst=2), now)
    times = [schedule.reserve(now) for _ in range(6)]
    assert times[:2] == [now, now]
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(times[1:])]
    assert gaps == [0.1] * 4
    # Idle time refills the bucket, but never beyond the burst.
    later = times[-1] + 10
    assert [schedule.reserve(later) for _ in range(3)] == [later, later, pytest.approx(later + 0.1)]


def test_reservations_never_refill_when_the_clock_steps_back() -> None:
    schedule = Reservations(RateLimit(1.0), 100.0)
    assert schedule.reserve(100.0) == 100.0
    assert schedule.reserve(50.0) == pytest.approx(101.0)


def test_tightening_a_shared_schedule_keeps_the_lower_limit() -> None:
    schedule = Reservations(RateLimit(100.0, burst=5), 0.0)
    schedule.tighten(RateLimit(4.0, burst=1))
    schedule.tighten(RateLimit(50.0, burst=3))
    assert schedule.limit == RateLimit(4.0, 1)
    first = schedule.reserve(0.0)
    assert schedule.reserve(0.0) - first == pytest.approx(0.25)
