"""Settings of the classify stage (environment prefix ``PSO_CLASSIFY_``)."""

from __future__ import annotations

from pydantic import FilePath
from pydantic_settings import SettingsConfigDict

from pso_shared.settings import StreamSettings


class ClassifySettings(StreamSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_CLASSIFY_")

    model_file: FilePath | None = None
    """A model artefact (``model.json.gz``) to use instead of the shipped one, e.g. a retrained model
    being rolled out; its version goes into every classification and its lineage."""
