"""The intake app factory. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route

from pso_intake.audit import EventAuditor
from pso_intake.audit_routes import router as audit_router
from pso_intake.publisher import RawEventPublisher
from pso_intake.registry import ReportRegistry
from pso_intake.routes import router, submit_event_directly
from pso_intake.settings import IntakeSettings
from pso_intake.status import EventStatusReader
from pso_intake.submission import Submitter
from pso_shared.access_log import AccessLog
from pso_shared.apikeys import ApiKeyStore
from pso_shared.http.auth import Authenticator
from pso_shared.http.problems import install_problem_handlers
from pso_shared.http.ratelimit import RateLimiter
from pso_shared.sealing import KeyRing, master_key_from_secret
from pso_shared.store import create_store_client, store_database


def create_app(settings: IntakeSettings) -> FastAPI:
    """Build the intake API; the producer and the store client start with the app and stop with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher = RawEventPublisher(settings)
        store_client = create_store_client(settings)
        database = store_database(store_client, settings)
        app.state.publisher = publisher
        app.state.authenticator = Authenticator(ApiKeyStore(database), settings.auth_cache_s)
        app.state.rate_limiter = RateLimiter(rate_per_s=settings.rate_limit_per_s, burst=settings.rate_limit_burst)
        registry = ReportRegistry(
            database, wait_s=settings.produce_timeout_s, stale_after_s=settings.claim_stale_after_s
        )
        ring = KeyRing(database, master_key_from_secret(settings.master_key_secret()))
        app.state.submitter = Submitter(registry, publisher, ring)
        app.state.status_reader = EventStatusReader(registry, database)
        app.state.auditor = EventAuditor(settings, registry, database)
        app.state.access_log = AccessLog(database)
        try:
            await publisher.is_ready()  # connect early; a broker that is down is not fatal
            yield
        finally:
            await publisher.close()
            await store_client.close()

    app = FastAPI(title="PSO intake", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)
    app.include_router(audit_router)
    # First in line, so it answers before FastAPI's route of the same path (which documents it).
    app.router.routes.insert(0, Route("/v1/events", submit_event_directly, methods=["POST"]))
    install_problem_handlers(
        app,
        retry_after_s=settings.retry_after_s,
        broker_detail="The report was not accepted because it could not be made durable; retry later.",
    )
    return app
