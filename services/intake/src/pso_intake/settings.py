"""Settings of the intake service (environment prefix ``PSO_INTAKE_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pso_shared.settings import KafkaSettings, SealingSettings

MIB = 1024 * 1024


class IntakeSettings(KafkaSettings, SealingSettings):
    model_config = SettingsConfigDict(env_prefix="PSO_INTAKE_")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=MIB, ge=1024, le=16 * MIB)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    """Request line and headers larger than this are refused by the server."""
    keep_alive_timeout_s: int = Field(default=5, ge=1)
    """Idle keep-alive connections are closed after this, so slow or idle clients do not pile up."""
    max_connections: int = Field(default=1000, ge=1)
    """Concurrent connections and requests beyond this get 503 from the server."""
    produce_timeout_s: float = Field(default=5.0, gt=0)
    """How long a request waits for Kafka's acknowledgement before answering 503."""
    retry_after_s: int = Field(default=5, ge=1)
    """The ``Retry-After`` sent with a 503."""
    rate_limit_per_s: float = Field(default=2000.0, gt=0)
    """Requests per second per API key (token bucket refill), per intake worker."""
    rate_limit_burst: int = Field(default=4000, ge=1)
    """How many requests a key may send at once after being idle."""
    claim_stale_after_s: float = Field(default=30.0, gt=0)
    """A revision claimed this long ago but never marked produced is taken over by a resend."""
    auth_cache_s: float = Field(default=5.0, ge=0)
    """How long a checked API key is trusted without asking the store; a revoked key works that long."""
