"""``pso keys create|list|revoke`` through the real command, on the real store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pso_deploy.ferretdb import FerretDBServer
from pso_shared.apikeys import KEY_PATTERN

pytestmark = [pytest.mark.store, pytest.mark.timeout(120)]

PSO = str(Path(sys.executable).parent / "pso")


def pso_keys(*args: str, store: FerretDBServer, database: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PSO_INTAKE_STORE_URI": store.uri, "PSO_INTAKE_STORE_DATABASE": database}
    return subprocess.run([PSO, "keys", *args], capture_output=True, text=True, env=env, check=False, timeout=60)


def test_create_list_revoke(ferretdb: FerretDBServer, database: str) -> None:
    created = pso_keys(
        "create", "--org", "ky-lakeside-health", "--label", "incident system", store=ferretdb, database=database
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    match = KEY_PATTERN.match(token)
    assert match is not None
    key_id = match["key_id"]

    listed = pso_keys("list", store=ferretdb, database=database)
    assert listed.returncode == 0, listed.stderr
    assert f"{key_id}  ky-lakeside-health  provider  active" in listed.stdout
    assert token not in listed.stdout
    secret = token.removeprefix(f"pso_{key_id}_")  # itself may contain "_"
    assert secret not in listed.stdout + listed.stderr

    revoked = pso_keys("revoke", key_id, store=ferretdb, database=database)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in pso_keys("list", "--org", "ky-lakeside-health", store=ferretdb, database=database).stdout

    unknown = pso_keys("revoke", "0000000000000000", store=ferretdb, database=database)
    assert unknown.returncode == 1
    assert "no key with id" in unknown.stderr
