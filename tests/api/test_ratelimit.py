from __future__ import annotations

import pytest

from synthfoundry.api.ratelimit import RateLimiter
from synthfoundry.config import RateLimitSettings
from synthfoundry.errors import RateLimited
from tests.support.redis import RedisServer, redis_available


def test_memory_budget_per_key_and_route_class() -> None:
    limiter = RateLimiter(RateLimitSettings(login="3/minute"))

    for _ in range(3):
        limiter.hit("login", "alice")
    with pytest.raises(RateLimited) as limited:
        limiter.hit("login", "alice")

    assert 1 <= limited.value.retry_after_seconds <= 60
    limiter.hit("login", "bob")  # another key has its own budget
    limiter.hit("general", "alice")  # and another route class


def test_disabled_limiter_never_refuses() -> None:
    limiter = RateLimiter(RateLimitSettings(enabled=False, login="1/minute"))
    for _ in range(5):
        limiter.hit("login", "alice")


@pytest.mark.skipif(
    not redis_available(), reason="redis-server is not installed; `make test` installs it"
)
def test_redis_budget_is_shared_between_processes() -> None:
    server = RedisServer()
    try:
        settings = RateLimitSettings(storage_url=server.url, jobs="4/minute")
        first_process, second_process = RateLimiter(settings), RateLimiter(settings)

        for limiter in (first_process, second_process, first_process, second_process):
            limiter.hit("jobs", "user-1")
        with pytest.raises(RateLimited):
            second_process.hit("jobs", "user-1")
    finally:
        server.stop()
