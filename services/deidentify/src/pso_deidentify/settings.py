"""Settings of the deidentify stage (environment prefix ``PSO_DEIDENTIFY_``)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from pso_shared.settings import DEVELOPMENT_SECRET, SealingSettings, StreamSettings


class DeidentifySettings(StreamSettings, SealingSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_DEIDENTIFY_")

    pseudonym_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    """HMAC key for organisation and patient pseudonyms. Held by the PSO only."""
    policy: Literal["safe_harbor", "limited_data_set"] = "safe_harbor"
    """``limited_data_set`` keeps dates and ZIP5: for a PSO-internal analysis deployment only."""
