"""``pso keys``: create, list and revoke API keys (configured like intake: ``PSO_INTAKE_STORE_*``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from pymongo.asynchronous.database import AsyncDatabase

from pso_intake.cli_store import with_database
from pso_intake.settings import IntakeSettings
from pso_shared.apikeys import ApiKey, ApiKeyStore, Role
from pso_shared.sealing import KeyRing, master_key_from_secret
from pso_shared.store import Document

commands = typer.Typer(no_args_is_help=True, help="Manage API keys. Keys are shown once, at creation.")
_T = TypeVar("_T")


def _with_store(action: Callable[[ApiKeyStore], Awaitable[_T]]) -> _T:
    return with_database(lambda database, _: action(ApiKeyStore(database)))


def _describe(key: ApiKey) -> str:
    state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
    return f"{key.key_id}  {key.org_id}  {key.role}  {state}  created {key.created_at:%Y-%m-%d %H:%M}  {key.label}"


@commands.command()
def create(
    org: Annotated[str, typer.Option(help="The organisation (provider.org_id) the key belongs to.")],
    role: Annotated[Role, typer.Option(help="What the key may do.")] = Role.PROVIDER,
    label: Annotated[str, typer.Option(help="A note for whoever lists keys later.")] = "",
) -> None:
    """Create a key and print it. It cannot be shown again: only its hash is stored."""
    key, token = _with_store(lambda store: store.create(org_id=org, role=role, label=label))
    typer.echo(token)
    typer.echo(f"created {_describe(key)}", err=True)


@commands.command("list")
def list_keys(org: Annotated[str | None, typer.Option(help="Only this organisation's keys.")] = None) -> None:
    """List keys (ids, organisations, roles, states); never the keys themselves."""
    for key in _with_store(lambda store: store.list(org_id=org)):
        typer.echo(_describe(key))


@commands.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key id, as shown by 'pso keys list'.")]) -> None:
    """Revoke a key. Intake stops accepting it within PSO_INTAKE_AUTH_CACHE_S seconds."""
    key = _with_store(lambda store: store.revoke(key_id))
    if key is None:
        typer.echo(f"Error: no key with id {key_id}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"revoked {_describe(key)}")


@commands.command()
def shred(
    org: Annotated[str, typer.Option(help="The organisation whose data keys are destroyed.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Crypto-shred: destroy an organisation's data keys, so its raw messages can never be read again."""
    if not yes:
        typer.echo("Error: shredding cannot be undone; repeat with --yes", err=True)
        raise typer.Exit(code=2)

    async def destroy(database: AsyncDatabase[Document], settings: IntakeSettings) -> int:
        return await KeyRing(database, master_key_from_secret(settings.master_key_secret())).shred(org)

    count = with_database(destroy)
    typer.echo(f"shredded {count} data key(s) of {org}")
