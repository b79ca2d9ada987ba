"""One validated Settings object, read from DONDOC_* variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(__file__).resolve().parent
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "dev", "development-secret", "123456:ABC"}


class Settings(BaseSettings):
    """Everything a deployment may change; passed in, never imported as a global."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development, test or production")
    data_dir: Path = Field(Path(".dondoc"), description="Where the SQLite file, Prefect home and uploads live")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite under data_dir")
    timezone: str = Field("Asia/Ho_Chi_Minh", description="Local time for deadlines and display")
    telegram_token: SecretStr | None = Field(None, description="Bot token; without it the console notifier is used")
    telegram_api_url: str = Field("https://api.telegram.org", description="Bot API server root URL")
    telegram_bot_username: str | None = Field(None, description="Bot username for deep links; asked via getMe if unset")
    webhook_secret: SecretStr | None = Field(None, description="Secret token Telegram sends with webhook calls")
    secret: SecretStr = Field(SecretStr("development-secret"), description="Key that signs callback data and codes")
    agencies_file: Path = Field(DATA_DIR / "agencies.yaml", description="Default agency directory")
    policy_file: Path = Field(DATA_DIR / "policy.yaml", description="Reminder and escalation policy")
    office_name: str = Field("Văn phòng UBND tỉnh", description="Name shown for the office")
    web_host: str = Field("127.0.0.1", description="Address the web app binds (dondoc web, dondoc run)")
    web_port: int = Field(8080, description="Port the web app binds; 0 picks a free one")
    web_base_url: str | None = Field(None, description="Public address in login links; default http://HOST:PORT")
    web_enabled: bool = Field(True, description="Serve the web app inside dondoc run")

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret.get_secret_value() in PLACEHOLDER_SECRETS:
                raise ValueError("DONDOC_SECRET must be set to a real secret in production")
            token = self.telegram_token.get_secret_value() if self.telegram_token else None
            if token is not None and (token in PLACEHOLDER_SECRETS or ":" not in token):
                raise ValueError("DONDOC_TELEGRAM_TOKEN looks like a placeholder")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'dondoc.db').resolve()}"

    @property
    def prefect_home(self) -> Path:
        """Prefect's home, kept under the data dir so nothing leaks into ~/.prefect."""
        return (self.data_dir / "prefect").resolve()


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
