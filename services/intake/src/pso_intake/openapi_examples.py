"""The contract's example reports, shipped with intake for its OpenAPI document.

They are copies of ``shared/contract/examples/`` (the service cannot read beside the repository once
deployed); a contract test keeps them identical.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def contract_examples() -> dict[str, dict[str, Any]]:
    """OpenAPI ``examples``: one per contract example, by file stem."""
    folder = resources.files("pso_intake") / "examples"
    found = sorted((p for p in folder.iterdir() if p.name.endswith(".json")), key=lambda p: p.name)
    return {p.name.removesuffix(".json"): {"summary": p.name, "value": json.loads(p.read_text())} for p in found}
