"""The intake app factory. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pso_intake.problems import install_problem_handlers
from pso_intake.publisher import RawEventPublisher
from pso_intake.routes import router
from pso_intake.settings import IntakeSettings


def create_app(settings: IntakeSettings) -> FastAPI:
    """Build the intake API; the producer starts with the app and stops with it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        publisher = RawEventPublisher(settings)
        app.state.publisher = publisher
        try:
            await publisher.is_ready()  # connect early; a broker that is down is not fatal
            yield
        finally:
            await publisher.close()

    app = FastAPI(title="PSO intake", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(router)
    install_problem_handlers(app, retry_after_s=settings.retry_after_s)
    return app
