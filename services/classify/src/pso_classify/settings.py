"""Settings of the classify stage (environment prefix ``PSO_CLASSIFY_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from pso_shared.settings import StreamSettings


class ClassifySettings(StreamSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_CLASSIFY_")
