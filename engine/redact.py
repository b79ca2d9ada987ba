"""One function, `redact`, removes secrets from any text that leaves the process: errors stored in the
database, CLI output and log records. It masks Telegram bot tokens by their shape (whatever token they
are: a rotated one is still a secret), passwords in database URLs, and every secret the composition
root registered (the signing key, the webhook secret, the configured token)."""

from __future__ import annotations

import logging
import re
import threading

TOKEN_MASK = "<token>"
SECRET_MASK = "<secret>"
# A bot token: the bot's numeric id, a colon (%3A once URL-encoded), then 30+ URL-safe characters.
TOKEN_SHAPE = re.compile(r"(?<![0-9])[0-9]{5,20}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
URL_PASSWORD = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):(?P<password>[^@/\s]+)@")
MIN_SECRET_LENGTH = 8  # shorter values would mask ordinary words; production requires far longer ones

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def remember(*values: str | None) -> None:
    """Register configured secrets; `redact` masks them from now on (a token's secret half too), in log
    records as well: whoever holds a secret first (a notifier built before the app) gets logs scrubbed."""
    with _lock:
        for value in values:
            if not value:
                continue
            for part in (value.strip(), value.strip().partition(":")[2]):
                if len(part) >= MIN_SECRET_LENGTH:
                    _secrets.add(part)
    install_log_redaction()


def redact(text: str) -> str:
    """The text with bot tokens, URL passwords and registered secrets masked."""
    text = TOKEN_SHAPE.sub(TOKEN_MASK, text)
    text = URL_PASSWORD.sub(lambda m: f"{m['scheme']}:{SECRET_MASK}@", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, SECRET_MASK)
    return text


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem, not ours
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        cleaned = redact(text)
        if cleaned != text:
            record.exc_text = cleaned  # formatters print the cached text instead of formatting again


def install_log_redaction() -> None:
    """Scrub every log record created from now on, whichever logger or handler it goes to (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        # A record factory sees the records of every logger (httpx, telegram.*, prefect …) before any
        # handler does; a filter on one logger misses its children, one on a handler misses later handlers.
        logging.setLogRecordFactory(factory)
        _installed = True
