"""The pipeline's one error hierarchy.

::

    PipelineError
    ├── RetryableError        transient: retry with backoff, the message is not acknowledged
    │   ├── BrokerUnavailableError
    │   └── StoreUnavailableError
    ├── PermanentError        this input can never succeed: dead-letter topic, reason in headers
    │   └── InvalidMessageError
    └── InfrastructureError   the local broker or store could not be set up or started
        └── MissingToolError

Messages never contain identifying data: they name fields and reasons, never values.
Third-party exceptions are translated into these at the edge (see ``kafka.py`` and ``store.py``).
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""


class RetryableError(PipelineError):
    """A transient failure: the same input may succeed later."""


class BrokerUnavailableError(RetryableError):
    """Kafka could not be reached or did not acknowledge in time."""


class StoreUnavailableError(RetryableError):
    """The document store could not be reached or did not answer in time."""


class PermanentError(PipelineError):
    """The input can never be processed; it goes to the dead-letter topic."""


class InvalidMessageError(PermanentError):
    """A message is not valid JSON or does not match its schema."""


class InfrastructureError(PipelineError):
    """The local infrastructure (broker, store) could not be prepared or started."""


class MissingToolError(InfrastructureError):
    """A program needed to fetch or build the infrastructure is not installed."""

    def __init__(self, tool: str, purpose: str, install_hint: str) -> None:
        self.tool = tool
        super().__init__(f"'{tool}' is required to {purpose} but was not found on PATH. {install_hint}")
