"""Clauses of a notice body: each block split at sentence ends, ";" and ":", knowing its item and its frame.

A clause is the unit the directive classifier scores. Its frame is what encloses it: the headings and
lead-ins of the items above it, so that a subjectless "Khẩn trương rà soát …" knows who it is addressed to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.ingest.language import TRIGGER_START, UP, is_body, noun_phrase
from engine.ingest.structure import Block

_ABBREV_END = re.compile(r"(?:\b(?:TP|TX|Tp|TS|ThS|PGS|GS|KT|TL|TM|Q|St|Th|Tr|TT|ĐT|đ/c|Đ/c)|\b[A-ZĐ])\.$")
# A sentence ends at ".", "!", "?", "…" before a capital, a quote or a bracket; "./." ends the text.
_SENTENCE = re.compile(rf"(?:\./\.|[.!?…]+)[”\"’)]?\s+(?={UP}|[(“\"\[])")
_CLAUSE = re.compile(r";\s*|:\s+(?=\S)")


@dataclass
class Clause:
    """One clause of a block, with where it sits."""

    index: int
    block_index: int
    block: Block
    text: str
    start: int  # offset of the clause in its block's text
    sentence: int  # sentence number within the block
    end: str  # what closes it: ".", ";", ":" or "" at the end of the block
    first_in_block: bool
    first_in_sentence: bool
    frame: list[int] = field(default_factory=list)  # indexes of enclosing heading / lead-in clauses, outermost first

    @property
    def ref(self) -> str:
        return self.block.ref


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE.finditer(text):
        if _ABBREV_END.search(text[max(start, m.start() - 12):m.start() + 1].rstrip()):
            continue  # "TP. Hồ Chí Minh": the sentence goes on (only the word before the stop is read)
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _bare_names(piece: str) -> bool:
    """A piece that only names bodies ("Giao các Bộ", "Bộ trưởng các Bộ"): its list or its task follows."""
    if len(piece) > 220:  # checked first: pieces that keep growing must not be rescanned whole
        return False
    body = TRIGGER_START.sub("", piece.strip(" ,")).replace(": ", ", ")
    if not body or not is_body(body):
        return False
    return noun_phrase(body)[0].strip(" ,;") == body.strip(" ,;")


def _list_colon(before: str) -> bool:
    """"… nhất là các Bộ: Quốc phòng, Công an": a colon that opens a list of names, not a clause."""
    before = before[-80:]
    at = max(before.rfind("các "), before.rfind("Các "))
    tail = before[at:] if at >= 0 else ""
    return 0 < len(tail) <= 60 and is_body(tail) and noun_phrase(tail)[0].strip(" ,") == tail.strip(" ,")


def split_block(text: str) -> list[tuple[int, int, int, str]]:
    """(start, end, sentence number, closing delimiter) of each clause of a block's text."""
    out: list[tuple[int, int, int, str]] = []
    for number, (s_start, s_end) in enumerate(_sentence_spans(text)):
        cuts = [(m.start(), m.end(), text[m.start()]) for m in _CLAUSE.finditer(text, s_start, s_end)]
        piece_start = s_start
        pending = s_start
        for cut_start, cut_end, mark in cuts:
            before = text[pending:cut_start]
            if not before.strip() or _bare_names(before) or (mark == ":" and _list_colon(before)):
                continue  # keep "Bộ trưởng các Bộ: Quốc phòng, Công an …" together
            out.append((piece_start, cut_start, number, mark))
            piece_start = pending = cut_end
        tail = text[piece_start:s_end].rstrip()
        if tail.strip():
            end = "." if re.search(r"[.!?…]\W*$", tail) else (":" if tail.endswith(":") else "")
            out.append((piece_start, piece_start + len(tail), number, end))
    return out


def clauses_of(blocks: list[Block]) -> list[Clause]:
    """Every clause of the body in document order, each with the indexes of its frame."""
    out: list[Clause] = []
    frames: list[tuple[int, int]] = []  # (depth, clause index) of headings and lead-ins still open
    for bi, block in enumerate(blocks):
        if block.kind is not None:
            while frames and frames[-1][0] >= block.depth:
                frames.pop()
        text = block.text
        pieces = split_block(text)
        for k, (start, end, number, mark) in enumerate(pieces):
            clause = Clause(
                index=len(out), block_index=bi, block=block, text=text[start:end].strip(), start=start,
                sentence=number, end=mark, first_in_block=k == 0,
                first_in_sentence=k == 0 or pieces[k - 1][2] != number, frame=[i for _, i in frames],
            )
            out.append(clause)
        if not pieces:
            continue
        last = out[-1]
        if block.heading or last.end == ":" or (block.kind is not None and _has_children(blocks, bi)):
            while frames and frames[-1][0] > block.depth:
                frames.pop()
            if frames and frames[-1][0] == block.depth and out[frames[-1][1]].block.kind is None:
                frames.pop()  # a later lead-in paragraph at the same level replaces the earlier one
            # A lead-in names its addressee at its end ("… yêu cầu các Bộ:"); an item head at its start.
            head = last if last.end == ":" else out[len(out) - len(pieces)]
            frames.append((block.depth, head.index))
    return out


def _has_children(blocks: list[Block], bi: int) -> bool:
    """The next item is nested under this one."""
    depth = blocks[bi].depth
    for nxt in blocks[bi + 1:]:
        if nxt.kind is None:
            continue
        return nxt.depth > depth
    return False
