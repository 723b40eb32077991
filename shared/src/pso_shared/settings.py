"""Settings base classes shared by the services.

Each service has one settings class with its own environment prefix (``PSO_INTAKE_``,
``PSO_DEIDENTIFY_``...) built from these bases, so ``PSO_NOTIFY_STORE_URI`` configures the store
of notify. Secrets come from the environment, never from code: a default secret is refused outside
local development and tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pso_shared.topics import TopicNames

Environment = Literal["local", "test", "production"]

DEVELOPMENT_SECRET = "local-development-only-change-me"  # noqa: S105 - refused in production


class BaseServiceSettings(BaseSettings):
    """Fields every service has: where it runs and how it logs."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    environment: Environment = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    otlp_traces_endpoint: str | None = None
    """Where spans are sent by OTLP/HTTP, e.g. ``http://127.0.0.1:4318/v1/traces`` (a local Jaeger)."""
    traces_dir: Path | None = None
    """Spans are also written here as JSON lines, one file per process (tests read traces back)."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve Prometheus ``/metrics`` on this port (each process its own: ``--metrics-port`` overrides it)."""
    metrics_host: str = "127.0.0.1"
    """The address ``/metrics`` listens on; loopback unless a scraper elsewhere must reach it."""
    otlp_metrics_endpoint: str | None = None
    """Where metrics are pushed by OTLP/HTTP, e.g. ``http://127.0.0.1:4318/v1/metrics``."""

    @model_validator(mode="after")
    def _refuse_development_secrets(self) -> BaseServiceSettings:
        """In production, every secret must have been set: the development default is refused."""
        if self.environment != "production":
            return self
        for name, value in self:
            if isinstance(value, SecretStr) and value.get_secret_value() == DEVELOPMENT_SECRET:
                msg = f"{name} still has its development default; set it in the environment"
                raise ValueError(msg)
        return self


class KafkaSettings(BaseServiceSettings):
    """How to reach Kafka and which topics to use."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_topic_prefix: str = Field(default="", max_length=100, pattern=r"^[A-Za-z0-9._-]*$")
    kafka_partitions: int = Field(default=3, ge=1, le=64)
    kafka_request_timeout_s: float = Field(default=10.0, gt=0)
    kafka_raw_retention_ms: int = Field(default=-1, ge=-1)
    """How long the raw topic keeps reports (-1: for good; they are encrypted and crypto-shreddable)."""

    @property
    def topics(self) -> TopicNames:
        return TopicNames(prefix=self.kafka_topic_prefix)

    @property
    def topic_configs(self) -> dict[str, dict[str, str]]:
        """Every pipeline topic's explicit configuration (retention), applied at start-up."""
        return self.topics.retention(raw_retention_ms=self.kafka_raw_retention_ms)


class StoreSettings(BaseServiceSettings):
    """How to reach the MongoDB-protocol store."""

    store_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    store_database: str = Field(default="pso", min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_-]+$")
    store_timeout_s: float = Field(default=5.0, gt=0)


class StreamSettings(KafkaSettings):
    """A faust stream processor: its consumer group and its local state."""

    consumer_group: str = Field(default="", max_length=200)
    data_dir: str = Field(default=".run/faust", description="Faust's local state directory.")
    commit_interval_s: float = Field(default=1.0, gt=0)
    retry_backoff_max_s: float = Field(default=30.0, gt=0)
    batch_max: int = Field(default=500, ge=1, le=10_000)
    """At most this many messages are taken and processed together (1: one at a time)."""
    batch_linger_s: float = Field(default=0.002, ge=0, le=1)
    """After a batch's first message arrives, how long to wait for more before processing it. Under load
    the batches fill while the previous one is processed; at low rates each message waits this long."""

    def group_id(self, stage: str) -> str:
        """The consumer group: explicit, or derived from the stage and the topic prefix."""
        return self.consumer_group or f"{self.kafka_topic_prefix}pso-{stage}"


class SealingSettings(StoreSettings):
    """The master key that wraps the organisations' data keys (see ``pso_shared.sealing``)."""

    master_key: SecretStr | None = None
    """The master key's secret, at least 32 random bytes (e.g. ``openssl rand -base64 32``)."""
    master_key_file: Path | None = None
    """A file holding the secret instead (e.g. a mounted secret); it wins over ``master_key``."""

    @model_validator(mode="after")
    def _require_a_master_key_in_production(self) -> SealingSettings:
        if self.environment == "production" and self.master_key is None and self.master_key_file is None:
            msg = "master_key or master_key_file must be set in production"
            raise ValueError(msg)
        return self

    def master_key_secret(self) -> str:
        """The configured secret; the development default outside production."""
        if self.master_key_file is not None:
            return self.master_key_file.read_text(encoding="utf-8").strip()
        return self.master_key.get_secret_value() if self.master_key else DEVELOPMENT_SECRET
