"""The reminder policy: a deployment file in config/, overridable per directive."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.calendar import WorkCalendar
from engine.errors import InvalidInput
from engine.timeutil import local_timezone

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "config" / "policy.yaml"


class QuietHours(BaseModel):
    """A nightly window in which nothing is delivered; it may wrap past midnight."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.time = Field(dt.time(21, 0), description="Local time the quiet window begins")
    end: dt.time = Field(dt.time(7, 0), description="Local time the quiet window ends")

    def contains(self, t: dt.time) -> bool:
        """True when a local time of day falls in the window."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


class Policy(BaseModel):
    """When reminders, escalations, nudges and digests fall due, and how delivery retries."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = Field(default_factory=local_timezone, description="Local time zone: DONDOC_TIMEZONE, not the file")
    before_days: tuple[int, ...] = Field((7, 3, 1), description="Working days before the deadline to remind")
    on_the_day: bool = Field(True, description="Remind on the deadline day")
    send_time: dt.time = Field(dt.time(8, 0), description="Local time day-based reminders fall due")
    overdue_every: int = Field(2, ge=1, description="After the deadline, remind every N working days")
    escalate_after: int = Field(5, ge=1, description="Escalate after M overdue working days")
    no_deadline_every: int = Field(10, ge=0, description="Nudge undated ones every K working days; 0: off")
    quiet_hours: QuietHours = Field(default_factory=QuietHours)
    digest_time: dt.time = Field(dt.time(7, 30), description="Local time of the daily digest")
    digest_due_soon_days: int = Field(3, ge=0, description="'Due soon': within this many working days")
    max_attempts: int = Field(8, ge=1, description="Delivery tries before a message is marked failed")
    retry_base_seconds: float = Field(30, gt=0, description="First retry delay; doubles on each try")
    retry_max_seconds: float = Field(3600, gt=0, description="Longest retry delay")
    claim_lease_seconds: float = Field(30, gt=0, description="A claim lasts this long unless renewed while "
                                       "sending; after it, a claimed unsent row is claimable again")
    claim_batch: int = Field(100, ge=1, description="Most rows one delivery claim takes")
    hold_unbound_hours: float = Field(168, ge=0, description="Hold messages to a person without a bound Telegram "
                                      "chat this long, then give up and tell the office")
    extra_days_off: tuple[dt.date, ...] = Field((), description="Announced extra days off")
    extra_working_days: tuple[dt.date, ...] = Field((), description="Announced make-up working days")

    def merged(self, override: dict[str, Any] | None) -> Policy:
        """This policy with a directive's overrides applied (nested quiet_hours merged too)."""
        if not override:
            return self
        data = self.model_dump()
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        try:
            return Policy.model_validate(data)
        except ValidationError as exc:
            raise InvalidInput(f"Cấu hình nhắc việc riêng của nhiệm vụ không hợp lệ {override!r}: {exc}") from exc

    def calendar(self) -> WorkCalendar:
        """The working-day calendar with this policy's announced days."""
        return WorkCalendar(self.extra_days_off, self.extra_working_days)


def load_policy(path: Path | str | None = None, *, timezone: str | None = None) -> Policy:
    """Read a policy YAML file; with no path, the packaged one (or the built-in defaults without it).

    The time zone is the deployment's (DONDOC_TIMEZONE, passed as `timezone`): a file naming another
    one is refused rather than silently half-applied.
    """
    file = Path(path) if path else DEFAULT_POLICY_FILE
    if not file.exists():
        if path:  # a configured file that is not there is a mistake to report, not to paper over
            raise InvalidInput(f"Không có tệp quy định nhắc việc {file} (DONDOC_POLICY_FILE).")
        return Policy(**({"timezone": timezone} if timezone else {}))
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"Không đọc được tệp quy định nhắc việc {file}: {exc}") from exc
    if timezone:
        if data.get("timezone", timezone) != timezone:
            raise InvalidInput(f"{file} đặt múi giờ {data['timezone']} khác DONDOC_TIMEZONE={timezone}: "
                               "múi giờ chỉ đặt bằng DONDOC_TIMEZONE; hãy bỏ dòng timezone trong tệp")
        data["timezone"] = timezone
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(f"Không đọc được tệp quy định nhắc việc {file}: {exc}") from exc


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The deployment's policy (DONDOC_POLICY_FILE, else the packaged file), read once; for callers
    that pass none, so a command and the sweep always plan reminders from the same file."""
    from config.settings import Settings

    settings = Settings()
    return load_policy(settings.policy_file, timezone=settings.timezone)


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """The calendar of the packaged policy."""
    return default_policy().calendar()


def policy_for(directive_policy: dict[str, Any] | None, policy: Policy | None = None) -> Policy:
    """The effective policy for a directive: its override merged over the deployment's."""
    return (policy or default_policy()).merged(directive_policy)
