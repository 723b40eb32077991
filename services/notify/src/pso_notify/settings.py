"""Settings of the notify service (environment prefix ``PSO_NOTIFY_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from pso_shared.settings import DEVELOPMENT_SECRET, StoreSettings, StreamSettings

DAY_S = 86_400.0


class NotifySettings(StreamSettings, StoreSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_NOTIFY_")

    # The subscriptions API and the live stream (``pso notify serve``).
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    auth_cache_s: float = Field(default=5.0, ge=0)
    rate_limit_per_s: float = Field(default=50.0, gt=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    max_subscriptions_per_org: int = Field(default=200, ge=1, le=100_000)
    retry_after_s: int = Field(default=5, ge=1)
    stream_heartbeat_s: float = Field(default=15.0, gt=0)
    """An SSE comment is sent this often on a quiet stream, so proxies keep the connection open."""

    rules_file: Path | None = None
    """The alert rules (YAML); the packaged ``default_rules.yaml`` when unset."""
    rules_reload_s: float = Field(default=10.0, gt=0)
    """How often a running worker checks the rules file for changes."""

    pseudonym_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    """deidentify's HMAC key, so a provider's own-organisation filter can match its pseudonym."""
    secrets_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    """Encrypts the webhook signing secrets at rest in the store."""

    allow_loopback_destinations: bool = False
    """Let webhooks go to loopback addresses, over http too: tests and local demos only."""

    # Delivery: webhooks and e-mail share the schedule.
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    delivery_concurrency: int = Field(default=32, ge=1, le=1000)
    delivery_first_retry_s: float = Field(default=10.0, gt=0)
    delivery_max_backoff_s: float = Field(default=3600.0, gt=0)
    delivery_give_up_after_s: float = Field(default=DAY_S, gt=0)
    """Retries go on this long after the first attempt; then the delivery is dead-lettered."""
    delivery_poll_s: float = Field(default=1.0, gt=0)
    subscription_cache_s: float = Field(default=1.0, ge=0, le=60)
    """A worker reads the subscriptions at most this often: a new, changed or deleted subscription
    applies to alerts raised (and deliveries attempted) up to this long later. 0 reads them every time."""
    delivery_lease_s: float = Field(default=60.0, gt=0)
    """A claimed delivery is free again after this if its worker died while sending it."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_from: str = "PSO safety alerts <alerts@pso.invalid>"
    alert_link_base: str | None = None
    """Where staff look an event up, e.g. ``https://pso.example.org/events/``; the event id is appended."""

    @model_validator(mode="after")
    def _consistent(self) -> NotifySettings:
        if self.environment == "production" and self.allow_loopback_destinations:
            msg = "allow_loopback_destinations is for tests and local demos; it is refused in production"
            raise ValueError(msg)
        if self.smtp_tls and self.smtp_starttls:
            msg = "smtp_tls (TLS from the start) and smtp_starttls (upgrade) exclude each other; set one"
            raise ValueError(msg)
        return self
