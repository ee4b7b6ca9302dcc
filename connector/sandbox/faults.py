"""Seeded fault injection and the rate limiter, decided per request by the gateway.

One ``random.Random(seed)`` draw per request picks at most one fault, so a client that sends the same
requests in the same order meets the same faults in every run with the same seed.
"""

from __future__ import annotations

import enum
import random
import threading
import time
from collections.abc import Callable


class Fault(enum.Enum):
    FAIL = "fail"  # answered with a 5xx, nothing committed
    TIMEOUT = "timeout"  # write committed, then no answer at all
    THROTTLE = "throttle"  # answered as throttled, nothing committed


class FaultInjector:
    """Chooses a fault for each request with the configured probabilities."""

    def __init__(self, seed: int | None, *, fail_rate: float, timeout_rate: float, throttle_rate: float) -> None:
        for name, rate in (("fail", fail_rate), ("timeout", timeout_rate), ("throttle", throttle_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} rate must be between 0 and 1, got {rate}")
        if fail_rate + timeout_rate + throttle_rate > 1.0:
            raise ValueError("fail, timeout and throttle rates must add up to at most 1")
        self._seed = seed
        self._fail = fail_rate
        self._throttle = throttle_rate
        self._timeout = timeout_rate
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def reseed(self) -> None:
        """Start the fault sequence over (after a sandbox reset)."""
        with self._lock:
            self._rng = random.Random(self._seed)

    def draw(self, *, is_write: bool) -> Fault | None:
        """The fault for the next request. A timeout only hits writes: an unanswered read proves nothing."""
        with self._lock:
            roll = self._rng.random()
        if roll < self._fail:
            return Fault.FAIL
        if roll < self._fail + self._throttle:
            return Fault.THROTTLE
        if roll < self._fail + self._throttle + self._timeout and is_write:
            return Fault.TIMEOUT
        return None

    def roll(self) -> float:
        """A seeded number in [0, 1), e.g. to choose which kind of failure body to send."""
        with self._lock:
            return self._rng.random()


class TokenBucket:
    """Allows ``rate`` requests per second on average, with bursts of up to ``rate`` requests."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError(f"rate limit must be positive, got {rate}")
        self._rate = rate
        self._capacity = max(1.0, rate)
        self._clock = clock
        self._tokens = self._capacity
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Spend one token if there is one; False means the caller is over the limit."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    def refill(self) -> None:
        with self._lock:
            self._tokens = self._capacity
            self._last = self._clock()
