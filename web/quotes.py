"""Where each directive's words stand in the notice's text, so the page can highlight them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    text: str
    directive_ids: tuple[int, ...] = ()


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    # Words in order, any punctuation, spacing or line breaks between them (layout differs from the task text).
    return re.compile(r"\W+".join(re.escape(w) for w in words), re.IGNORECASE | re.UNICODE)


def locate(text: str, task: str, start: int = 0) -> tuple[int, int] | None:
    """The span of `task` in `text` from `start`: its first words, then its last words after them."""
    words = _WORD.findall(task)
    if not words:
        return None
    head = _pattern(words[:8]).search(text, start) or _pattern(words[:4]).search(text, start)
    if head is None:
        return None
    end = head.end()
    if len(words) > 8:
        tail = _pattern(words[-5:]).search(text, head.end())
        if tail is not None and tail.end() - head.start() < 4 * len(task) + 200:
            end = tail.end()
    return head.start(), end


def segments(text: str, quotes: Sequence[tuple[int, str]]) -> list[Segment]:
    """The text cut into plain and quoted pieces; quotes are (directive id, task), in notice order."""
    spans: list[tuple[int, int, list[int]]] = []
    cursor = 0
    for directive_id, task in quotes:
        found = locate(text, task, cursor) or locate(text, task, 0)
        if found is None:
            continue
        s, e = found
        same = next((sp for sp in spans if sp[0] <= s < sp[1]), None)
        if same is not None:  # drafts split from one sentence share its words
            same[2].append(directive_id)
            continue
        spans.append((s, e, [directive_id]))
        cursor = e
    spans.sort(key=lambda sp: sp[0])
    out, pos = [], 0
    for s, e, ids in spans:
        if s < pos:
            continue
        if s > pos:
            out.append(Segment(text[pos:s]))
        out.append(Segment(text[s:e], tuple(ids)))
        pos = e
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out
