from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from synthfoundry.config import DEFAULT_SECRET_KEY, Settings, mask_url_password


def test_nested_settings_come_from_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_SERVER__PORT", "9123")
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", "postgresql://app:pw@db:5432/sf")
    monkeypatch.setenv("SYNTHFOUNDRY_SERVER__CORS_ORIGINS", '["https://ui.example"]')

    settings = Settings()

    assert settings.server.port == 9123
    assert settings.database_url == "postgresql://app:pw@db:5432/sf"
    assert settings.server.cors_origins == ["https://ui.example"]


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SYNTHFOUNDRY_LOGGING__LEVEL=DEBUG\n")
    monkeypatch.chdir(tmp_path)

    assert Settings().logging.level == "DEBUG"


def test_defaults_put_sqlite_and_blobs_under_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    assert settings.database_url == f"sqlite:///{tmp_path / 'synthfoundry.db'}"
    assert settings.storage_url == (tmp_path / "blobs").as_uri()


def test_default_secret_is_refused_outside_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_ENVIRONMENT", "production")

    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings()

    monkeypatch.setenv("SYNTHFOUNDRY_SECURITY__SECRET_KEY", "short")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()

    monkeypatch.setenv("SYNTHFOUNDRY_SECURITY__SECRET_KEY", "x" * 40)
    assert Settings().environment == "production"


def test_public_view_masks_every_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", "postgresql://app:hunter2@db/sf")
    monkeypatch.setenv("SYNTHFOUNDRY_STORAGE__S3_SECRET_ACCESS_KEY", "aws-secret-value")

    view = str(Settings().public_view())

    assert "hunter2" not in view
    assert "aws-secret-value" not in view
    assert DEFAULT_SECRET_KEY not in view
    assert "postgresql://app:***@db/sf" in view


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("sqlite:////tmp/a.db", "sqlite:////tmp/a.db"),
        (
            "postgresql://u:p@h:5432/d?sslmode=require",
            "postgresql://u:***@h:5432/d?sslmode=require",
        ),
        ("redis://:pw@localhost:6379/0", "redis://:***@localhost:6379/0"),
    ],
)
def test_mask_url_password(url: str, masked: str) -> None:
    assert mask_url_password(url) == masked


def test_invalid_settings_never_echo_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHFOUNDRY_ENVIRONMENT", "production")
    monkeypatch.setenv("SYNTHFOUNDRY_DATABASE__URL", "postgresql://app:hunter2@db/sf")

    with pytest.raises(ValidationError) as raised:
        Settings()

    assert "SECRET_KEY must be set" in str(raised.value)
    assert "hunter2" not in str(raised.value)
