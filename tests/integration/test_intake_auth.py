"""Authentication and tenancy at intake, with keys in the real store, each with its exact status."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_deploy.kafka import KafkaBroker
from pso_shared.apikeys import Role
from tests.factories import report
from tests.intake_support import intake_client, intake_settings
from tests.store_support import create_api_key, revoke_api_key

pytestmark = [pytest.mark.kafka, pytest.mark.store, pytest.mark.timeout(120)]

OWN_ORG = report()["provider"]["org_id"]


@pytest.fixture
async def intake(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake without credentials: each test sends its own ``Authorization``."""
    async with intake_client(intake_settings(kafka, ferretdb, topic_prefix, database)) as client:
        yield client


async def submit(intake: httpx.AsyncClient, authorization: str | None, org_id: str = OWN_ORG) -> httpx.Response:
    body = report(provider={**report()["provider"], "org_id": org_id})
    headers = {"authorization": authorization} if authorization is not None else {}
    return await intake.post("/v1/events", json=body, headers=headers)


async def test_no_key_is_401(intake: httpx.AsyncClient) -> None:
    response = await submit(intake, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "authorization",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-key", "Bearer pso_0123456789abcdef_" + "A" * 43, "pso_x"],
)
async def test_malformed_or_unknown_key_is_401(intake: httpx.AsyncClient, authorization: str) -> None:
    assert (await submit(intake, authorization)).status_code == 401


async def test_own_organisation_is_accepted_and_revoked_key_is_401(
    intake: httpx.AsyncClient, ferretdb: FerretDBServer, database: str
) -> None:
    key = await create_api_key(ferretdb.uri, database, org_id=OWN_ORG)
    assert (await submit(intake, f"Bearer {key}")).status_code == 202
    await revoke_api_key(ferretdb.uri, database, key)
    assert (await submit(intake, f"Bearer {key}")).status_code == 401


async def test_another_organisations_report_is_403(
    intake: httpx.AsyncClient, ferretdb: FerretDBServer, database: str
) -> None:
    key = await create_api_key(ferretdb.uri, database, org_id=OWN_ORG)
    response = await submit(intake, f"Bearer {key}", org_id="oh-riverbend")
    assert response.status_code == 403
    assert response.json()["title"] == "Forbidden"


async def test_roles(intake: httpx.AsyncClient, ferretdb: FerretDBServer, database: str) -> None:
    analyst = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ANALYST)
    admin = await create_api_key(ferretdb.uri, database, org_id="pso", role=Role.PSO_ADMIN)
    assert (await submit(intake, f"Bearer {analyst}")).status_code == 403
    assert (await submit(intake, f"Bearer {admin}", org_id="oh-riverbend")).status_code == 202


async def test_the_key_is_never_echoed(intake: httpx.AsyncClient, ferretdb: FerretDBServer, database: str) -> None:
    key = await create_api_key(ferretdb.uri, database, org_id=OWN_ORG)
    await revoke_api_key(ferretdb.uri, database, key)
    response = await submit(intake, f"Bearer {key}")
    assert key not in response.text


async def test_over_the_rate_limit_is_429_with_retry_after(
    kafka: KafkaBroker, ferretdb: FerretDBServer, topic_prefix: str, database: str
) -> None:
    settings = intake_settings(kafka, ferretdb, topic_prefix, database, rate_limit_per_s=0.5, rate_limit_burst=2)
    key = await create_api_key(ferretdb.uri, database, org_id=OWN_ORG)
    async with intake_client(settings) as intake:
        allowed = [(await submit(intake, f"Bearer {key}")).status_code for _ in range(2)]
        limited = await submit(intake, f"Bearer {key}")
    assert allowed == [202, 200]  # the second is a resend of the first
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) == 2
    assert limited.headers["content-type"] == "application/problem+json"
