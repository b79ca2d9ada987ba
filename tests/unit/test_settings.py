"""Settings: DONDOC_* variables, defaults, and refusal of placeholders in production."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import Settings


def test_environment_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DONDOC_TELEGRAM_API_URL", "http://127.0.0.1:8081")
    monkeypatch.delenv("DONDOC_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'dondoc.db').resolve()}"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.timezone == "Asia/Ho_Chi_Minh" and settings.telegram_token is None
    assert settings.prefect_home == (tmp_path / "prefect").resolve()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "DONDOC_SECRET must be set"),
        ({"secret": "s3cr3t-khong-doan-duoc", "telegram_token": "changeme"}, "placeholder"),
    ],
)
def test_production_refuses_placeholders(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(environment="production", **overrides)  # type: ignore[arg-type]


def test_production_accepts_real_values() -> None:
    settings = Settings(environment="production", secret="s3cr3t-khong-doan-duoc",  # type: ignore[arg-type]
                        telegram_token="123456789:AAHxyz-real-looking-token")  # type: ignore[arg-type]
    assert settings.telegram_token is not None
    assert "AAHxyz" not in repr(settings)  # secrets never print
