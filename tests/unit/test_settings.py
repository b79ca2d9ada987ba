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


def test_an_unknown_timezone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TIMEZONE", "Mars/Base")
    with pytest.raises(ValidationError, match="múi giờ “Mars/Base” không tồn tại"):
        Settings()


def test_the_timezone_setting_is_the_one_source(tmp_path: Path) -> None:
    import datetime as dt

    from dondoc.bootstrap import bootstrap
    from engine.errors import InvalidInput
    from engine.timeutil import LOCAL_TZ, end_of_local_day, set_local_timezone

    settings = Settings(data_dir=tmp_path, timezone="Asia/Tokyo", telegram_token=None)  # type: ignore[arg-type]
    try:
        app = bootstrap(settings, migrate_db=False)
        assert app.policy.timezone == "Asia/Tokyo"  # reminders, quiet hours, digests …
        assert end_of_local_day(dt.date(2024, 6, 30)) == dt.datetime(2024, 6, 30, 14, 59, 59, tzinfo=dt.UTC)
        clash = tmp_path / "policy.yaml"
        clash.write_text("timezone: Asia/Ho_Chi_Minh\n", encoding="utf-8")
        with pytest.raises(InvalidInput, match="DONDOC_TIMEZONE"):
            bootstrap(settings.model_copy(update={"policy_file": clash}), migrate_db=False)
    finally:
        set_local_timezone(LOCAL_TZ)
