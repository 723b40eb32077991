"""Lineage: where a derived message came from and what made it, carried in the message itself.

With it, the Kafka log is an audit trail one can walk backwards: each derived message names the topic,
partition and offset of its input, the input's revision, the processor and its version, and the
policy, model or rules version that decided its content.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version

from pydantic import BaseModel, ConfigDict, Field


class Lineage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    source_topic: str = Field(max_length=255)
    source_partition: int = Field(ge=0)
    source_offset: int = Field(ge=0)
    source_revision: int | None = Field(default=None, ge=1, description="The input's revision.")
    processor: str = Field(max_length=64, description="The stage that made the message, e.g. 'classify'.")
    processor_version: str = Field(max_length=64, description="The version of the package that runs it.")
    policy_version: str | None = Field(default=None, description="De-identification policy, for deidentify.")
    model_version: str | None = Field(default=None, description="Classifier model, for classify.")
    rules_version: str | None = Field(default=None, description="Alert rules, for notify.")
    replay: str | None = Field(
        default=None, max_length=64, description="The run id, when a replay (``pso replay``) re-derived it."
    )


@cache
def package_version(package: str) -> str:
    """The installed version of one of the pipeline's packages (``pso-classify``...)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
