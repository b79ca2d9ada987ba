"""Diacritic- and case-insensitive search keys: "so tai chinh" finds "Sở Tài chính"."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_SPACE = re.compile(r"\s+")
# đ/Đ are letters of their own, not d with a mark: NFD leaves them alone.
_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case, without diacritics, whitespace collapsed: the form both sides of a search use."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", bare.casefold()).strip()


def terms(query: str) -> list[str]:
    """What must occur in the search key: the folded query as one phrase, or several phrases split by commas.

    Vietnamese words are syllables ("so", "tai", "chinh" occur everywhere), so the words of a phrase must
    stand together: "so tai chinh" finds "Sở Tài chính", not a task that says "tại" and "hoàn chỉnh".
    """
    return [p for p in (fold(part) for part in query.split(",")) if p]


def search_key(directive: Any) -> str:
    """What a directive is found by: its item, lead, coordinators, task and report-to, folded."""
    parts = [directive.ref or "", directive.lead or "", " ".join(directive.coordinators or []),
             directive.task or "", directive.report_to or ""]
    return fold(" ".join(p for p in parts if p))
