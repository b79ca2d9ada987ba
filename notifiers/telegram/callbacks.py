"""Compact, signed callback data for inline buttons (pure; no telegram import).

Format: ``<action>.<directive id, base 36>.<version, base 36>.<signature>``, where the signature is
the first 9 bytes of HMAC-SHA256(secret, the rest) in URL-safe base64 (12 characters, 72 bits).
A typical button is about 25 bytes, far under Telegram's 64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from engine.errors import DondocError

MAX_BYTES = 64
SIG_BYTES = 9
# Short codes keep the data small; the long names are the actions of notifiers.messages buttons.
CODES = {"ack": "k", "report": "r", "extend": "e", "snooze": "z", "approve": "a", "deny": "d",
         "accept": "c", "return": "t", "snooze_1h": "h", "snooze_tomorrow": "m", "view": "v"}
ACTIONS = {code: action for action, code in CODES.items()}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# What we sign, exactly: int() alone would also take " 7", "+7", "7_0" or non-ASCII digits.
_SHAPE = re.compile(r"([a-z])\.([0-9a-z]{1,13})\.([0-9a-z]{1,13})\.([A-Za-z0-9_-]{12})")


class ForgedCallback(DondocError):
    """Callback data that we did not sign, or that does not parse."""


@dataclass(frozen=True)
class Callback:
    """What a button asks for: an action on a directive as it was at `version`."""

    action: str
    directive_id: int
    version: int


def _b36(n: int) -> str:
    if n < 0:
        raise ValueError("negative numbers are not encoded")
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _mac(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()[:SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _key(secret: str | bytes) -> bytes:
    return secret if isinstance(secret, bytes) else secret.encode()


def sign(action: str, directive_id: int, version: int, secret: str | bytes) -> str:
    """Callback data for a button; at most 64 bytes."""
    if action not in CODES:
        raise ValueError(f"unknown button action {action!r}")
    body = f"{CODES[action]}.{_b36(directive_id)}.{_b36(version)}"
    data = f"{body}.{_mac(_key(secret), body)}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError("callback data over 64 bytes")
    return data


def verify(data: object, secret: str | bytes) -> Callback:
    """The Callback that `data` carries; ForgedCallback, and nothing else, unless we signed exactly this."""
    # Checked on the shape first: anything else (a NUL, a lone surrogate, non-ASCII) never reaches a codec.
    match = _SHAPE.fullmatch(data) if isinstance(data, str) and len(data) <= MAX_BYTES else None
    if match is None:
        raise ForgedCallback("malformed callback data")
    code, ident, version, mac = match.groups()
    if not hmac.compare_digest(mac.encode(), _mac(_key(secret), f"{code}.{ident}.{version}").encode()):
        raise ForgedCallback("bad callback signature")
    if code not in ACTIONS:
        raise ForgedCallback("unknown action")
    return Callback(ACTIONS[code], int(ident, 36), int(version, 36))
