"""Keep the bot token out of logs and error texts: PTB and httpx log request URLs that contain it."""

from __future__ import annotations

import logging
import threading

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_INSTALLED = False
MASK = "<token>"


def redact(text: str) -> str:
    """The text with every registered secret replaced by a mask."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
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
            record.exc_text = cleaned  # formatters use the cached text instead of re-formatting


def install_redaction(token: str) -> None:
    """Register the token (and its secret half) and scrub every log record created from now on."""
    global _INSTALLED
    with _LOCK:
        _SECRETS.add(token)
        secret_half = token.partition(":")[2]
        if len(secret_half) >= 16:
            _SECRETS.add(secret_half)
        if _INSTALLED:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _SECRETS:
                _scrub(record)
            return record

        # A record factory sees records of every logger (httpx, telegram.*, apscheduler …), unlike a
        # filter on one logger, which misses its children, or on a handler, which misses later handlers.
        logging.setLogRecordFactory(factory)
        _INSTALLED = True
