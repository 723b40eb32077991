"""Settings come from the environment; development secrets are refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pso_deidentify.settings import DeidentifySettings
from pso_intake.settings import IntakeSettings
from pso_shared.settings import DEVELOPMENT_SECRET

pytestmark = pytest.mark.timeout(30)


def test_environment_prefix_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSO_INTAKE_KAFKA_BOOTSTRAP_SERVERS", "broker:19092")
    monkeypatch.setenv("PSO_DEIDENTIFY_KAFKA_BOOTSTRAP_SERVERS", "other:9092")
    assert IntakeSettings().kafka_bootstrap_servers == "broker:19092"
    assert DeidentifySettings().kafka_bootstrap_servers == "other:9092"


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSO_DEIDENTIFY_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="pseudonym_key"):
        DeidentifySettings()
    monkeypatch.setenv("PSO_DEIDENTIFY_PSEUDONYM_KEY", "a-real-secret-from-the-vault")
    with pytest.raises(ValidationError, match="master_key"):
        DeidentifySettings()
    monkeypatch.setenv("PSO_DEIDENTIFY_MASTER_KEY", "another-real-secret-from-the-vault")
    settings = DeidentifySettings()
    assert settings.pseudonym_key.get_secret_value() != DEVELOPMENT_SECRET
    assert settings.master_key_secret() == "another-real-secret-from-the-vault"


def test_the_master_key_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "master.key"
    secret_file.write_text("from-a-mounted-secret\n")
    monkeypatch.setenv("PSO_INTAKE_ENVIRONMENT", "production")
    monkeypatch.setenv("PSO_INTAKE_MASTER_KEY_FILE", str(secret_file))
    assert IntakeSettings().master_key_secret() == "from-a-mounted-secret"


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PSO_DEIDENTIFY_PSEUDONYM_KEY", "a-real-secret-from-the-vault")
    assert "a-real-secret" not in repr(DeidentifySettings())
