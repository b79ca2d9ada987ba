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


STRONG = "Xk3v9-Qm2Lp7_Rt8Wz4Nc6Hd1Yb5Fg0Js"
TOKEN = "7099123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.mark.parametrize("secret", ["", "CHANGEME", " changeme", "a", "secret", "password", "12345678",
                                    "development-secret", "a" * 40, "changeme" * 5, STRONG[:31]])
def test_production_refuses_weak_secrets_without_showing_them(secret: str) -> None:
    with pytest.raises(ValidationError, match="DONDOC_SECRET chưa đủ mạnh") as caught:
        Settings(environment="production", secret=secret)  # type: ignore[arg-type]
    if len(secret.strip()) >= 8:
        assert secret.strip() not in str(caught.value)


@pytest.mark.parametrize("token", ["1:x", "changeme", "123456:ABC", TOKEN[:-10], f"{TOKEN} ", "bot" + TOKEN])
def test_production_refuses_tokens_not_of_telegrams_shape(token: str) -> None:
    with pytest.raises(ValidationError, match="DONDOC_TELEGRAM_TOKEN không đúng dạng") as caught:
        Settings(environment="production", secret=STRONG, telegram_token=token)  # type: ignore[arg-type]
    assert token.strip() not in str(caught.value)


@pytest.mark.parametrize(("given", "meant"), [("Production", "production"), (" PROD ", "production"),
                                              ("dev", "development"), ("Test", "test")])
def test_environment_names_are_case_insensitive(given: str, meant: str) -> None:
    settings = Settings(environment=given, secret=STRONG, telegram_token=TOKEN)  # type: ignore[arg-type]
    assert settings.environment == meant


@pytest.mark.parametrize("name", ["staging", "prd", "", "production2"])
def test_unknown_environment_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="DONDOC_ENVIRONMENT phải là"):
        Settings(environment=name)  # type: ignore[arg-type]


def test_webhook_secret_must_be_strong_in_production_and_of_telegrams_alphabet() -> None:
    with pytest.raises(ValidationError, match="DONDOC_WEBHOOK_SECRET chưa đủ mạnh"):
        Settings(environment="production", secret=STRONG, webhook_secret="hook")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="DONDOC_WEBHOOK_SECRET chỉ được"):
        Settings(webhook_secret="có dấu cách")  # type: ignore[arg-type]


def test_production_accepts_real_values() -> None:
    settings = Settings(environment="production", secret=STRONG, webhook_secret=STRONG[::-1],  # type: ignore[arg-type]
                        telegram_token=TOKEN)  # type: ignore[arg-type]
    assert settings.telegram_token is not None
    assert "AAHdq" not in repr(settings) and STRONG not in repr(settings)  # secrets never print


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
