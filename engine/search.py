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
    """The folded words of a query; each must occur in the search key."""
    return [t for t in fold(query).split(" ") if t]


def search_key(directive: Any) -> str:
    """What a directive is found by: its item, lead, coordinators, task and report-to, folded."""
    parts = [directive.ref or "", directive.lead or "", " ".join(directive.coordinators or []),
             directive.task or "", directive.report_to or ""]
    return fold(" ".join(p for p in parts if p))
