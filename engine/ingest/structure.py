"""Item structure of a notice body: a marker grammar for every numbering style, and the paragraphs under items.

Markers recognised at the start of a line (and inline after ":" or ";" for lists run into one paragraph):
roman "I." "II -", upper letters "A.", arabic "1." "1)" up to three digits, decimal "1.1" "2.3.1" "100.1",
parenthesised "(1)" "(a)" "(i)", letters "a)" "đ)" "a.", lower roman "ii)", ordinals "Thứ nhất," "Hai là,",
articles "Điều 3.", dashes and bullets "- – • ·", pluses "+". A kind seen again closes everything nested under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.ingest.language import UP, names_body, next_stop

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50}
_ORDINALS = {"nhất": 1, "một": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8,
             "chín": 9, "mười": 10}
_ORDINAL_WORDS = "|".join(w for w in _ORDINALS if w != "một")

# (kind, pattern); the group "m" is the label as written.
_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("roman", re.compile(r"^(?P<m>[IVX]{1,5})\s*(?:[.)]|\s[-–])\s*(?=\S)")),
    ("alpha", re.compile(rf"^(?P<m>[A-H])\.\s+(?={UP})")),
    ("decimal", re.compile(r"^(?P<m>\d{1,3}(?:\.\d{1,3})+)(?<!\.\d{3})\.?\s+(?=[^\d\s%])")),
    ("arabic", re.compile(r"^(?P<m>\d{1,3})\s*[.)]\s*(?=[^\W\d_]|[(“\"])")),
    ("paren", re.compile(r"^\((?P<m>\d{1,3}|[a-zđ]|[ivx]{1,5})\)\s*(?=\S)")),
    ("letter", re.compile(rf"^(?P<m>[a-zđ])\s*\)\s*(?=\S)|^(?P<d>[a-zđ])\.\s+(?={UP}|[“\"(])")),
    ("lroman", re.compile(r"^(?P<m>ii|iii|iv|vi|vii|viii|ix)\)\s*(?=\S)")),
    ("ordinal", re.compile(
        rf"^(?P<m>Thứ\s+(?:{_ORDINAL_WORDS})|(?:Một|Hai|Ba|Bốn|Năm|Sáu|Bảy|Tám|Chín|Mười)\s+là)\s*[,:.]\s*(?=\S)")),
    ("article", re.compile(r"^Điều\s+(?P<m>\d{1,3})\s*[.:]\s*(?=\S)")),
    ("dash", re.compile(r"^[-–—•·∙◦▪●○■□➢➤►✓*]\s*(?=[^\s\d-])")),
    ("plus", re.compile(r"^\+\s*(?=\S)")),
]
# Kinds whose labels run a, b, c (or 1, 2, 3) by count rather than as written.
_COUNTED = {"dash": "letters", "plus": "numbers", "ordinal": "numbers"}
_SENTENCE_END = re.compile(r"(?:[.:;!?…]|\./\.)\s*$")
_LETTERS = "abcdefghiklmnopqrstuvxy"
# A line ending in one of these words continues on the next line: it is no heading.
_CONNECTORS = {
    "của", "và", "với", "các", "số", "ngày", "tại", "về", "cho", "trong", "để", "theo", "giữa", "đối", "những",
    "là", "do", "từ", "đến", "tháng", "năm", "hoặc", "hay", "nhằm", "thuộc", "trên", "dưới", "khi", "sau", "trước",
}
# Inline list markers inside one paragraph: "… như sau: (i) …; (ii) …", "…: a) …; b) …", "… Sở Tài chính a) …".
_INLINE = re.compile(r"(?:(?<=[:;.])|(?<=[:;.][”\"]))\s+(?=(?:\((?:\d{1,2}|[a-zđ]|[ivx]{1,4})\)|[a-zđ]\))\s*\S)")
_GLUED_FIRST = re.compile(rf"(?<=[^\W\d_])\s+(?=(?:a\)|\(a\)|\(1\)|\(i\))\s*{UP})")


@dataclass
class Block:
    """One paragraph of the body: the first paragraph of an item, or a later one under it."""

    ref: str
    depth: int
    kind: str | None
    lines: list[str] = field(default_factory=list)
    heading: bool = False
    new_paragraph: bool = False
    gap: bool = False  # the item's number skips one ("(4)" then "(6)") or repeats: the office should look

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.lines)).strip()


def _marker(line: str, open_kinds: list[tuple[str, str, int]]) -> tuple[str, str, str] | None:
    """(kind, label as written, rest of line) of a line that opens an item."""
    for kind, pattern in _MARKERS:
        m = pattern.match(line)
        if not m:
            continue
        label = m.groupdict().get("m") or m.groupdict().get("d") or ""
        if kind == "paren":
            kind = _paren_kind(label, open_kinds)
        elif kind == "letter" and label in ("i", "v", "x") and any(k == "lroman" for k, _, _ in open_kinds):
            kind = "lroman"
        elif kind == "roman" and label in ("V", "X") and not any(k == "roman" for k, _, _ in open_kinds):
            continue  # "V." or "X." alone is no section number unless sections are being counted
        return kind, label, line[m.end():]
    return None


def _paren_kind(label: str, open_kinds: list[tuple[str, str, int]]) -> str:
    """'(1)' numbers, '(a)' letters, '(i)' lower roman unless it continues '(h)'."""
    if label.isdigit():
        return "paren"
    if not set(label) <= set("ivx"):
        return "pletter"
    if any(k == "proman" for k, _, _ in open_kinds):
        return "proman"
    letters = [lab.strip("()") for k, lab, _ in open_kinds if k == "pletter"]
    if letters and _next_letter(letters[-1]) == label:
        return "pletter"
    return "proman" if label == "i" or len(label) > 1 else "pletter"


def _next_letter(label: str) -> str:
    i = _LETTERS.find(label)
    return _LETTERS[i + 1] if 0 <= i < len(_LETTERS) - 1 else ""


def _roman(text: str) -> int:
    total, prev = 0, 0
    for ch in reversed(text.lower()):
        value = _ROMAN_VALUES.get(ch, 0)
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total


def _ordinal(kind: str, label: str) -> int | None:
    """The number a written label stands for, to check that siblings follow each other."""
    text = label.strip("()").lower()
    if kind in ("arabic", "paren", "article"):
        return int(text)
    if kind == "decimal":
        return int(text.rsplit(".", 1)[1])
    if kind in ("roman", "proman", "lroman"):
        return _roman(text)
    if kind in ("letter", "pletter", "alpha"):
        return _LETTERS.find(text) + 1 if text in _LETTERS else None
    return None


def _first_label(kind: str, label: str) -> bool:
    """"a)", "1.", "(i)": the first item of a list, which may follow an item head with no colon."""
    if kind in ("dash", "plus"):
        return True
    return _ordinal(kind, label) == 1 or (kind == "ordinal" and label.lower().startswith(("thứ nhất", "một")))


def _label(kind: str, mark: str, count: int) -> str:
    if kind in ("paren", "pletter", "proman"):
        return f"({mark})"
    if kind == "ordinal" or _COUNTED.get(kind) == "numbers":
        return str(count)
    if _COUNTED.get(kind) == "letters":
        return _LETTERS[(count - 1) % len(_LETTERS)]
    return mark


def split_inline(line: str) -> list[str]:
    """A paragraph that runs its list together ("… sau: (i) …; (ii) …") as one line per item."""
    if not re.search(r"\((?:\d|[a-zđ]|[ivx]+)\)|[a-zđ]\)", line):
        return [line]
    pieces = _INLINE.split(line)
    if len(pieces) < 3:  # one inline marker is as likely a reference "(1)" as a list
        glued = _GLUED_FIRST.split(line, maxsplit=1)
        head = _strip_marker(glued[0]) if len(glued) == 2 else ""
        if head and _title_like(head) and not _SENTENCE_END.search(head):
            return glued  # "1. Sở Tài chính a) Chủ trì …": a first "a)" glued onto an unpunctuated title
        return [line]
    return [p for p in pieces if p.strip()]


def _strip_marker(line: str) -> str:
    found = _marker(line, [])
    return found[2] if found else line


def build_blocks(lines: list[str]) -> list[Block]:
    """Group body lines into blocks that carry the item reference they fall under."""
    blocks: list[Block] = []
    stack: list[tuple[str, str, int]] = []  # (kind, label, sibling count)
    expanded = [piece for line in lines for piece in split_inline(line)]
    for line in expanded:
        prev = blocks[-1] if blocks else None
        found = _marker(line, stack)
        if (
            prev is not None and prev.kind is not None and len(prev.lines) == 1 and found
            and len(prev.lines[0]) <= 80 and not _SENTENCE_END.search(prev.lines[0])
            and prev.lines[0].split()[-1].lower() not in _CONNECTORS and not prev.lines[0][:1].islower()
        ):
            prev.heading = True  # "2. Kiến nghị" right above its own list
        elif (
            prev is not None and prev.kind is not None and len(prev.lines) == 1 and len(prev.lines[0]) < 160
            and not _SENTENCE_END.search(prev.lines[0]) and (found or line[:1].isupper())
            and prev.lines[0].split()[-1].lower() not in _CONNECTORS and _title_like(prev.lines[0])
        ):
            prev.heading = True  # "1. Sở Công Thương" above its dashes or its paragraph
        prev_done = prev is None or bool(_SENTENCE_END.search(prev.lines[-1])) or prev.heading
        open_kinds = {k for k, _, _ in stack}
        after_head = prev is not None and prev.kind is not None and len(prev.lines) == 1
        if found and not (prev_done or found[0] in open_kinds or (after_head and _first_label(found[0], found[1]))):
            found = None  # a line broken mid-sentence that happens to start like a marker
        if found:
            kind, mark, rest = found
            count, gap = 1, False
            if kind in open_kinds:
                while stack and stack[-1][0] != kind:
                    stack.pop()
                _, prev_label, prev_count = stack.pop()
                count = prev_count + 1
                before, now = _ordinal(kind, prev_label), _ordinal(kind, mark or prev_label)
                gap = before is not None and now is not None and now != before + 1
            stack.append((kind, _label(kind, mark, count), count))
            blocks.append(Block(_ref(stack), len(stack), kind, [rest], gap=gap))
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
