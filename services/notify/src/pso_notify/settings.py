"""Settings of the notify stage (environment prefix ``PSO_NOTIFY_``)."""

from __future__ import annotations

from pydantic import AnyHttpUrl, Field
from pydantic_settings import SettingsConfigDict

from pso_shared.settings import StoreSettings, StreamSettings


class NotifySettings(StreamSettings, StoreSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_NOTIFY_")

    webhook_url: AnyHttpUrl | None = None
    """Where immediate alerts are POSTed. Subscriptions replace this in a later issue."""
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=3, ge=1, le=20)
