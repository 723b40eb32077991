"""Who is calling: the API key in ``Authorization: Bearer``, and what its role may do.

Keys are never logged. A successful lookup is cached for ``auth_cache_s`` seconds, so a revoked
key stops working within that time.
"""

from __future__ import annotations

import math
import time
from typing import Annotated

from fastapi import Depends, Request

from pso_shared.apikeys import ApiKey, ApiKeyStore
from pso_shared.http.problems import ProblemError
from pso_shared.http.ratelimit import RateLimiter

_UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="pso"'}


class Authenticator:
    """Checks keys against the store, with a short cache of good keys."""

    def __init__(self, store: ApiKeyStore, cache_s: float) -> None:
        self._store = store
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, ApiKey]] = {}

    async def key_for(self, authorization: str | None) -> ApiKey:
        token = _bearer_token(authorization)
        cached = self._cache.get(token)
        if cached is not None and time.monotonic() - cached[0] < self._cache_s:
            return cached[1]
        key = await self._store.authenticate(token)
        if key is None:
            self._cache.pop(token, None)
            raise ProblemError(401, "Unauthorized", "The API key is unknown or revoked.", headers=_UNAUTHENTICATED)
        if self._cache_s > 0:
            self._cache[token] = (time.monotonic(), key)
        return key


def _bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401, "Unauthorized", "Send an API key as 'Authorization: Bearer <key>'.", headers=_UNAUTHENTICATED
        )
    return token.strip()


async def caller_of(request: Request) -> ApiKey:
    authenticator: Authenticator = request.app.state.authenticator
    key = await authenticator.key_for(request.headers.get("authorization"))
    limiter: RateLimiter = request.app.state.rate_limiter
    wait_s = limiter.take(key.key_id)
    if wait_s > 0:
        raise ProblemError(
            429,
            "Too many requests",
            "This API key is over its request rate; retry after the number of seconds in Retry-After.",
            headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        )
    return key


Caller = Annotated[ApiKey, Depends(caller_of)]
