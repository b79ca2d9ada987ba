"""What people type and what is shown back: names checked on the way in, texts made harmless on the way out."""

from __future__ import annotations

import re
import unicodedata

from engine.errors import InvalidInput

# Embeddings, overrides and isolates reorder what follows them ("\u202e" shows "fdp.exe" as "exe.pdf").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_NAME = 200
# Letters only Vietnamese writes: a message with none of them was not written for the people who read ours.
_VIETNAMESE = frozenset("ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _is_control(ch: str) -> bool:
    return (unicodedata.category(ch) == "Cc" and ch != "\t") or ch in BIDI_CONTROLS  # a tab is only spacing


def clean_name(value: object, what: str, *, max_len: int = MAX_NAME, required: bool = True) -> str:
    """A name or code as stored: NFC, single spaces; InvalidInput for control characters, bidi overrides,
    emptiness or a length beyond `max_len` (names are matched and shown everywhere)."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    if any(_is_control(ch) for ch in text):
        raise InvalidInput(f"{what} chứa ký tự điều khiển hoặc ký tự đảo chiều văn bản; hãy gõ lại.")
    text = " ".join(text.split())
    if required and not text:
        raise InvalidInput(f"{what} không được để trống.")
    if len(text) > max_len:
        raise InvalidInput(f"{what} dài {len(text)} ký tự, quá {max_len} ký tự cho phép.")
    return text


def safe_text(text: str) -> str:
    """Text fit for a terminal, a chat or a spreadsheet: control characters (ANSI escapes included) and
    bidi overrides become U+FFFD, so they are visible and inert; line breaks and tabs stay."""
    return _UNSAFE.sub("\ufffd", text)


def name_key(text: str) -> str:
    """The form two names are compared in: NFC, case-folded, single spaces (exact otherwise: no wildcards)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def looks_vietnamese(text: str) -> bool:
    """Whether a message (an engine error, say) is Vietnamese and may be shown to a user as it is."""
    return any(ch in _VIETNAMESE for ch in text.lower())
