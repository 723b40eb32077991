"""The deployment agrees with the code: docker-compose.yml, the Dockerfiles, settings and commands.

A variable compose sets that no settings field reads is silently ignored (the settings classes use
``extra="ignore"``), and a Dockerfile ``CMD`` naming a command that does not exist only fails when
the container starts. These checks catch both before an image is built.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from pso_classify.settings import ClassifySettings
from pso_deidentify.settings import DeidentifySettings
from pso_intake.settings import IntakeSettings
from pso_notify.settings import NotifySettings
from pso_shared.cli import build_cli

pytestmark = pytest.mark.timeout(30)

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"

SETTINGS: dict[str, type[BaseSettings]] = {
    "intake": IntakeSettings,
    "deidentify": DeidentifySettings,
    "classify": ClassifySettings,
    "notify": NotifySettings,
    "notify-api": NotifySettings,
    "notify-signals": NotifySettings,
}
PIPELINE = list(SETTINGS)
# Jaeger is the trace viewer: the official image, with the full Jaeger UI.
INFRASTRUCTURE_IMAGES = {
    "kafka": "apache/kafka:4.3.1",
    "mongo": "mongo:7",
    "jaeger": "jaegertracing/jaeger:2.13.0",
    "prometheus": "prom/prometheus:v3.5.0",
}
ALL_SERVICES = [*INFRASTRUCTURE_IMAGES, *PIPELINE]

# Settings every pipeline service must be given, by field name.
REQUIRED_SETTINGS = {
    "kafka_bootstrap_servers": "kafka:9092",
    "environment": "production",
    # The exporter posts to exactly this URL (it appends no /v1/traces to an endpoint it is given).
    "otlp_traces_endpoint": "http://jaeger:4318/v1/traces",
}
SECRET_NAME_MARKERS = ("KEY", "SECRET", "PASSWORD")
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<operator>:?[-?+])(?P<word>[^}]*))?\}")
REQUIRED_VARIABLE_PLACEHOLDER = "set-by-the-operator"
URI_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/:@]+:(?P<password>[^@]*)@")
PSO_EXECUTABLE = "/app/.venv/bin/pso"
INTERPOLATED = "*"  # what an interpolation is masked to before a URI's password is inspected

Service = Mapping[str, Any]
Environment = dict[str, str | None]


@pytest.fixture(scope="module")
def services() -> dict[str, Service]:
    compose = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(compose, dict)
    return dict(compose["services"])


def environment_of(service: Service) -> Environment:
    """The service's environment, from either of compose's forms (mapping or ``NAME=value`` list)."""
    declared = service.get("environment") or {}
    if isinstance(declared, list):
        pairs = [entry.partition("=") for entry in declared]
        return {name: value if sep else None for name, sep, value in pairs}
    return {name: None if value is None else str(value) for name, value in declared.items()}


def env_prefix(settings: type[BaseSettings]) -> str:
    return str(settings.model_config.get("env_prefix", ""))


def env_key(settings: type[BaseSettings], name: str) -> str:
    """How pydantic-settings compares names: case-insensitively unless the class says otherwise."""
    return name if settings.model_config.get("case_sensitive", False) else name.upper()


def settings_env_names(settings: type[BaseSettings]) -> set[str]:
    return {env_key(settings, env_prefix(settings) + field) for field in settings.model_fields}


def is_read_by(settings: type[BaseSettings], variable: str) -> bool:
    """Whether ``variable`` carries the service's prefix, so that its settings read it."""
    return env_key(settings, variable).startswith(env_key(settings, env_prefix(settings)))


def variables_for(settings: type[BaseSettings], environment: Environment) -> Environment:
    return {env_key(settings, name): value for name, value in environment.items() if is_read_by(settings, name)}


def expand_as_compose(value: str) -> str:
    """``value`` as compose expands it when only the variables it requires (``${NAME:?...}``) are set."""

    def expand(match: re.Match[str]) -> str:
        operator = match["operator"] or ""
        if operator.endswith("?"):
            return REQUIRED_VARIABLE_PLACEHOLDER
        return match["word"] if operator.endswith("-") else ""

    return INTERPOLATION.sub(expand, value)


def is_interpolation(value: str | None) -> bool:
    return value is not None and INTERPOLATION.fullmatch(value) is not None


def has_literal_password(value: str | None) -> bool:
    """Whether ``value`` is a URI whose userinfo password is written out rather than interpolated."""
    masked = INTERPOLATION.sub(INTERPOLATED, value or "")
    userinfo = URI_USERINFO.match(masked)
    return userinfo is not None and userinfo["password"] != INTERPOLATED


def healthy_dependencies(service: Service) -> list[str]:
    """The services this one waits for until their healthcheck passes (the list form waits for none)."""
    depends_on = service.get("depends_on") or {}
    if not isinstance(depends_on, dict):
        return []
    return [name for name, how in depends_on.items() if (how or {}).get("condition") == "service_healthy"]


def dockerfile_of(service: Service) -> Path:
    build = service["build"]
    if isinstance(build, str):
        return ROOT / build / "Dockerfile"
    return ROOT / str(build.get("context", ".")) / str(build.get("dockerfile", "Dockerfile"))


def cmd_of(dockerfile: Path) -> list[str]:
    """The Dockerfile's last ``CMD``, which must be in exec (JSON array) form."""
    lines = [line for line in dockerfile.read_text(encoding="utf-8").splitlines() if line.startswith("CMD ")]
    assert lines, f"{dockerfile} has no CMD"
    command = json.loads(lines[-1].removeprefix("CMD "))
    assert isinstance(command, list), f"{dockerfile}: CMD must be in exec form"
    return [str(arg) for arg in command]


def test_compose_declares_every_service(services: dict[str, Service]) -> None:
    assert set(ALL_SERVICES) <= set(services)


@pytest.mark.parametrize(("name", "image"), INFRASTRUCTURE_IMAGES.items())
def test_infrastructure_uses_official_images(services: dict[str, Service], name: str, image: str) -> None:
    assert services[name]["image"] == image


@pytest.mark.parametrize("name", ["jaeger", "prometheus"])
def test_operations_views_are_published_on_loopback_only(services: dict[str, Service], name: str) -> None:
    # Jaeger's UI and OTLP receiver and Prometheus have no authentication.
    ports = [str(port) for port in services[name].get("ports", [])]
    assert ports
    assert all(port.startswith("127.0.0.1:") for port in ports), ports


def test_prometheus_scrapes_every_pipeline_service_on_its_metrics_port(services: dict[str, Service]) -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in config["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    assert targets == {f"{name}:9464" for name in PIPELINE}
    for name in PIPELINE:
        settings = variables_for(SETTINGS[name], environment_of(services[name]))
        assert settings[env_key(SETTINGS[name], env_prefix(SETTINGS[name]) + "metrics_port")] == "9464", name
        assert "9464" in [str(port) for port in services[name].get("expose", [])], name
        assert "9464" not in " ".join(str(port) for port in services[name].get("ports", [])), "not on the host"


@pytest.mark.parametrize("name", PIPELINE)
def test_pipeline_service_builds_from_an_existing_dockerfile(services: dict[str, Service], name: str) -> None:
    assert dockerfile_of(services[name]).is_file()


@pytest.mark.parametrize("name", PIPELINE)
def test_pipeline_service_is_health_gated(services: dict[str, Service], name: str) -> None:
    service = services[name]
    assert "healthcheck" in service or healthy_dependencies(service)


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_healthy_dependencies_have_a_healthcheck(services: dict[str, Service], name: str) -> None:
    unchecked = [
        dependency for dependency in healthy_dependencies(services[name]) if "healthcheck" not in services[dependency]
    ]
    assert not unchecked, f"{name} waits for the health of services that have no healthcheck: {unchecked}"


@pytest.mark.parametrize("name", PIPELINE)
def test_every_prefixed_variable_is_a_settings_field(services: dict[str, Service], name: str) -> None:
    settings = SETTINGS[name]
    unknown = set(variables_for(settings, environment_of(services[name]))) - settings_env_names(settings)
    assert not unknown, f"{name} sets variables no field of {settings.__name__} reads: {sorted(unknown)}"


@pytest.mark.parametrize("name", PIPELINE)
@pytest.mark.parametrize(("field", "expected"), REQUIRED_SETTINGS.items())
def test_pipeline_service_gets_required_settings(
    services: dict[str, Service], name: str, field: str, expected: str
) -> None:
    settings = SETTINGS[name]
    environment = variables_for(settings, environment_of(services[name]))
    assert environment.get(env_key(settings, env_prefix(settings) + field)) == expected


@pytest.mark.parametrize("name", PIPELINE)
def test_settings_accept_the_compose_environment(
    services: dict[str, Service], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the container gets must validate, including the refusal of development secrets."""
    settings = SETTINGS[name]
    for variable in [variable for variable in os.environ if is_read_by(settings, variable)]:
        monkeypatch.delenv(variable)
    for variable, value in environment_of(services[name]).items():
        if value is not None:  # a variable without a value is passed through, here: left unset
            monkeypatch.setenv(variable, expand_as_compose(value))
    settings()


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_no_literal_secret_in_environment(services: dict[str, Service], name: str) -> None:
    for variable, value in environment_of(services[name]).items():
        if any(marker in variable.upper() for marker in SECRET_NAME_MARKERS):
            assert is_interpolation(value), f"{name}: {variable} must be a ${{...}} interpolation"
        assert not has_literal_password(value), f"{name}: {variable} has a literal password in its URI"


@pytest.mark.parametrize("name", PIPELINE)
def test_dockerfile_runs_an_existing_pso_command(services: dict[str, Service], name: str) -> None:
    command = services[name].get("command") or cmd_of(dockerfile_of(services[name]))
    executable, *arguments = (str(arg) for arg in command)
    assert executable == PSO_EXECUTABLE
    assert arguments[:1] == [name.split("-", maxsplit=1)[0]]  # notify-api and notify-signals are notify's
    result = CliRunner().invoke(build_cli(), [*arguments, "--help"])
    assert result.exit_code == 0, result.output
