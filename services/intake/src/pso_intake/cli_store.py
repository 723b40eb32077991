"""Running one command against the store (and the broker) configured like intake (``PSO_INTAKE_*``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pymongo.asynchronous.database import AsyncDatabase

from pso_intake.settings import IntakeSettings
from pso_shared.errors import BrokerUnavailableError, StoreUnavailableError
from pso_shared.store import Document, create_store_client, store_database

_T = TypeVar("_T")


def with_database(action: Callable[[AsyncDatabase[Document], IntakeSettings], Awaitable[_T]]) -> _T:
    settings = IntakeSettings()

    async def run() -> _T:
        client = create_store_client(settings)
        try:
            return await action(store_database(client, settings), settings)
        finally:
            await client.close()

    try:
        return asyncio.run(run())
    except StoreUnavailableError:
        typer.echo("Error: the store is not reachable (PSO_INTAKE_STORE_URI); is it running? (pso up)", err=True)
        raise typer.Exit(code=1) from None
    except BrokerUnavailableError:
        typer.echo("Error: Kafka is not reachable (PSO_INTAKE_KAFKA_BOOTSTRAP_SERVERS); is it running?", err=True)
        raise typer.Exit(code=1) from None
