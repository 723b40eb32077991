"""The notify API factory: subscriptions and the live alert stream. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pso_notify import routes, stream
from pso_notify.settings import NotifySettings
from pso_notify.subscription_store import SecretBox, SubscriptionStore
from pso_shared.apikeys import ApiKeyStore
from pso_shared.http.auth import Authenticator
from pso_shared.http.limits import BodyLimit
from pso_shared.http.problems import install_problem_handlers
from pso_shared.http.ratelimit import RateLimiter
from pso_shared.store import create_store_client, store_database


def create_api(settings: NotifySettings) -> FastAPI:
    """Build the notify API; the store client starts with the app and stops with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = create_store_client(settings)
        database = store_database(client, settings)
        app.state.authenticator = Authenticator(ApiKeyStore(database), settings.auth_cache_s)
        app.state.rate_limiter = RateLimiter(rate_per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
        app.state.subscriptions = SubscriptionStore(database, SecretBox(settings.secrets_key.get_secret_value()))
        try:
            yield
        finally:
            await client.close()

    app = FastAPI(title="PSO notify", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(routes.router)
    app.include_router(stream.router)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    install_problem_handlers(app, retry_after_s=settings.retry_after_s)
    return app
