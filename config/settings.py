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
    # Limits on one notice file (engine.ingest.limits.Limits mirrors these defaults)
    ingest_max_file_mb: float = Field(20, gt=0, description="Largest notice file accepted, in MB")
    ingest_max_unpacked_mb: float = Field(300, gt=0, description="Decompressed DOCX parts / PDF streams, in MB")
    ingest_max_pages: int = Field(200, gt=0, description="Most pages in a PDF or multi-page image")
    ingest_max_paragraphs: int = Field(20_000, gt=0, description="Most paragraphs in a Word file")
    ingest_max_table_cells: int = Field(50_000, gt=0, description="Most table cells in a Word file")
    ingest_max_chars: int = Field(2_000_000, gt=0, description="Most characters of text in one notice")
    ingest_max_seconds: float = Field(120, gt=0, description="Wall time to read and extract one file, before OCR")
    ingest_ocr_page_seconds: float = Field(10, gt=0, description="More wall time for each page read by OCR")
    ingest_max_memory_mb: int = Field(1024, gt=0, description="Memory of the worker reading one file, in MB")

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
