"""One validated Settings object, read from DONDOC_* variables and an optional .env file."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(__file__).resolve().parent
PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "change_me", "changeit", "dev", "development-secret", "secret",
                       "password", "passwd", "12345678", "123456789", "1234567890", "test", "test-secret",
                       "123456:abc", "xxx", "todo", "your-secret", "your-secret-here", "replace-me", "example"}
# Accepted spellings of DONDOC_ENVIRONMENT (case and surrounding spaces ignored); anything else is refused,
# so a typo never silently runs production as development.
ENVIRONMENTS = {"production": "production", "prod": "production", "development": "development",
                "dev": "development", "test": "test"}
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10  # "aaaa…" or "changemechangeme…" are long, not strong
TELEGRAM_TOKEN = re.compile(r"[0-9]{5,20}:[A-Za-z0-9_-]{30,64}")
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


def weak_secret(value: str) -> bool:
    """A placeholder, or too short or too uniform to sign anything in production."""
    text = value.strip()
    return (text.lower() in PLACEHOLDER_SECRETS or len(text) < MIN_SECRET_LENGTH
            or len(set(text)) < MIN_SECRET_DISTINCT)


class Settings(BaseSettings):
    """Everything a deployment may change; passed in, never imported as a global."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore",
                                      hide_input_in_errors=True)  # a validation error never shows a secret

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
    code_dir: Path | None = Field(None, description="Where a Prefect worker runs the flows from; default: "
                                  "where dondoc is installed (see dondoc.prefect_server.enter_code_dir)")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from engine.timeutil import valid_timezone

        return valid_timezone(value)

    @field_validator("environment", mode="before")
    @classmethod
    def _known_environment(cls, value: object) -> str:
        name = ENVIRONMENTS.get(str(value).strip().lower())
        if name is None:
            raise ValueError("DONDOC_ENVIRONMENT phải là production (hoặc prod), development (hoặc dev) "
                             "hay test")
        return name

    # Messages name the setting, never its value (model_config hides input values from errors too).
    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        webhook = self.webhook_secret.get_secret_value() if self.webhook_secret else None
        if webhook is not None and not WEBHOOK_SECRET.fullmatch(webhook):
            raise ValueError("DONDOC_WEBHOOK_SECRET chỉ được gồm chữ cái Latin, chữ số, '_' và '-' "
                             "(tối đa 256 ký tự)")
        if self.environment == "production":
            if weak_secret(self.secret.get_secret_value()):
                raise ValueError(f"DONDOC_SECRET chưa đủ mạnh cho môi trường production: cần ít nhất "
                                 f"{MIN_SECRET_LENGTH} ký tự ngẫu nhiên, không phải giá trị mẫu")
            if webhook is not None and weak_secret(webhook):
                raise ValueError(f"DONDOC_WEBHOOK_SECRET chưa đủ mạnh cho môi trường production: cần ít nhất "
                                 f"{MIN_SECRET_LENGTH} ký tự ngẫu nhiên, không phải giá trị mẫu")
            token = self.telegram_token.get_secret_value() if self.telegram_token else None
            if token is not None and not TELEGRAM_TOKEN.fullmatch(token):
                raise ValueError("DONDOC_TELEGRAM_TOKEN không đúng dạng token Telegram "
                                 "(<mã số bot>:<chuỗi bí mật>, do @BotFather cấp)")
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
