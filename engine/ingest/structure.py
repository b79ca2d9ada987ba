"""Item structure of a notice body: numbered items, dashes and pluses, and the paragraphs under them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.ingest.language import names_body, next_stop

# Marker kinds in the order they usually nest; a kind seen again closes everything nested under it.
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("roman", re.compile(r"^(?P<m>[IVX]{1,4})\s*[.)]\s+(?=\S)")),
    ("decimal", re.compile(r"^(?P<m>\d{1,2}(?:\.\d{1,2})+)\.?\s+(?=[^\d\s])")),
    ("arabic", re.compile(r"^(?P<m>\d{1,2})\s*[.)]\s+(?=[^\d\s/])")),
    ("paren", re.compile(r"^\((?P<m>\d{1,2})\)\s*(?=\S)")),
    ("letter", re.compile(r"^(?P<m>[a-zđ])\s*\)\s+(?=\S)")),
    ("dash", re.compile(r"^[-–—•]\s*(?=\S)")),
    ("plus", re.compile(r"^\+\s*(?=\S)")),
]
_SENTENCE_END = re.compile(r"(?:[.:;!?…)]|\./\.)\s*$")
_LETTERS = "abcdefghiklmnopqrstuvxy"
# A line ending in one of these words continues on the next line: it is no heading.
_CONNECTORS = {
    "của", "và", "với", "các", "số", "ngày", "tại", "về", "cho", "trong", "để", "theo", "giữa", "đối", "những",
    "là", "do", "từ", "đến", "tháng", "năm", "hoặc", "hay", "nhằm", "thuộc", "trên", "dưới", "khi", "sau", "trước",
}


@dataclass
class Block:
    """One paragraph of the body: the first paragraph of an item, or a later one under it."""

    ref: str
    depth: int
    kind: str | None
    lines: list[str] = field(default_factory=list)
    heading: bool = False
    new_paragraph: bool = False

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.lines)).strip()


def _marker(line: str) -> tuple[str, str, str] | None:
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if m:
            return kind, m.groupdict().get("m") or "", line[m.end():]
    return None


def _label(kind: str, mark: str, count: int) -> str:
    if kind == "paren":
        return f"({mark})"
    if kind in ("dash",):
        return _LETTERS[(count - 1) % len(_LETTERS)]
    if kind == "plus":
        return str(count)
    return mark


def build_blocks(lines: list[str]) -> list[Block]:
    """Group body lines into blocks that carry the item reference they fall under."""
    blocks: list[Block] = []
    stack: list[tuple[str, str, int]] = []  # (kind, label, sibling count)
    for line in lines:
        prev = blocks[-1] if blocks else None
        found = _marker(line)
        if (
            prev is not None and prev.kind is not None and len(prev.lines) == 1 and len(prev.lines[0]) < 120
            and not _SENTENCE_END.search(prev.lines[0]) and (found or line[:1].isupper())
            and prev.lines[0].split()[-1].lower() not in _CONNECTORS and _title_like(prev.lines[0])
        ):
            prev.heading = True  # "1. Sở Công Thương" above its dashes or its paragraph
        prev_done = prev is None or bool(_SENTENCE_END.search(prev.lines[-1])) or prev.heading
        if found and prev is not None and not prev_done and found[0] not in {k for k, _, _ in stack}:
            found = None  # a line broken mid-sentence that happens to start like a marker
        if found and (prev_done or found[0] in {k for k, _, _ in stack}):
            kind, mark, rest = found
            kinds = [k for k, _, _ in stack]
            count = 1
            if kind in kinds:
                while stack and stack[-1][0] != kind:
                    stack.pop()
                count = stack.pop()[2] + 1
            stack.append((kind, _label(kind, mark, count), count))
            ref = _ref(stack)
            blocks.append(Block(ref, len(stack), kind, [rest]))
            continue
        if prev is None:
            blocks.append(Block("", 0, None, [line]))
            continue
        starts_upper = line[:1].isupper() or line[:1] in "(“\""
        if starts_upper and (prev.heading or (_SENTENCE_END.search(prev.lines[-1]) and _ends_paragraph(prev))):
            blocks.append(Block(prev.ref, prev.depth, None, [line], new_paragraph=True))
        else:
            prev.lines.append(line)
    return blocks


def _ref(stack: list[tuple[str, str, int]]) -> str:
    """Labels joined; "1.2" under "1." already spells its parent, so the parent is not repeated ("1.2", not "1.1.2")."""
    labels = [label for _, label, _ in stack]
    kept = [
        label for i, label in enumerate(labels)
        if not (i + 1 < len(labels) and stack[i + 1][0] == "decimal" and labels[i + 1].startswith(f"{label}."))
    ]
    return ".".join(kept)


# "2. Về dự thảo Nghị quyết …", "Đối với Dự án …": a topic title, whatever verbs its words contain.
_TOPIC = re.compile(r"^(?:Về|Vấn đề)\s")


def _title_like(text: str) -> bool:
    """A heading names a body ("Sở Công Thương"), is upper case, or is a topic without verbs ("Kiến nghị")."""
    if text.isupper() or _TOPIC.match(text):
        return True
    return names_body(re.sub(r"^(?:Đối với|Nhiệm vụ của|Trách nhiệm của)\s+", "", text)) or next_stop(text) is None


def _ends_paragraph(block: Block) -> bool:
    """A sentence ends at the end of a line: treat the next upper-case line as a new paragraph."""
    last = block.lines[-1].rstrip()
    return last.endswith((".", "./.", ":", "!", "?", ";"))
