"""Directives of a notice body: who must do what, with whom, for whom, by when.

Multi-lead policy: a sentence that tells several bodies to do the same work ("Yêu cầu A, B và C …") stays ONE
directive whose `lead` is the list as written (the gold annotations' convention), flagged `multi_lead`, with the
bodies split out in `Directive.leads`. Bodies with their own verbs ("A làm X; B làm Y") are separate directives.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from engine.calendar import WorkCalendar
from engine.deadlines import Deadline, parse_deadline
from engine.ingest import clauses
from engine.ingest.language import ACTION_START, NON_DIRECTIVE_VERB, is_body, split_bodies
from engine.ingest.structure import Block

_TRAILING_START = re.compile(
    r"^(?:Yêu cầu|Đề nghị|Báo cáo|Gửi|Hoàn thành|Thời hạn|Thời gian|Kết quả|Trình|Văn bản|Hồ sơ)\b")
_PLURAL = re.compile(r"\bcác\s+(?:cơ quan|đơn vị|sở|địa phương|ngành|Ban|huyện)")
_MAX_SHARED = 30  # a shared closing deadline covers at most this many preceding items
_COLLECTIVE_LEAD = re.compile(r"^(?:các|Các|mỗi|Mỗi|từng)\s")
# Openings of a bullet that reports or sets context rather than ordering work.
_NOT_TASK = re.compile(
    r"^(?:Về|Qua|Trong|Tuy|Theo|Đến|Hiện|Năm|Tháng|Ngày|Kết quả|Tình hình|Thời gian|Nhìn chung|Mặc dù|"
    r"Nhằm|Để|Do|Vì|Bên cạnh|Ngoài ra|Một số|Các|Những|Toàn|Tổng)\b")


@dataclass
class Directive:
    """One instruction: its item, lead, task text and what was read from it."""

    ref: str
    lead: str | None
    task: str
    source: str
    deadline: Deadline | None = None
    coordinators: list[str] = field(default_factory=list)
    report_to: str | None = None
    flags: list[str] = field(default_factory=list)
    leads: tuple[str, ...] = ()
    lead_agency: str | None = None
    resolved_leads: list[tuple[str, Any]] = field(default_factory=list)  # (written, AgencyMatch | None)
    confidence: float = 0.9
    _more: list[str] = field(default_factory=list, repr=False)

    def absorb(self, sentence: str) -> None:
        """Add a following sentence of the same item (joined once at the end: no quadratic copying)."""
        self._more.append(sentence)

    def settle(self) -> None:
        if self._more:
            extra = " ".join(self._more)
            self.source, self.task, self._more = f"{self.source} {extra}", f"{self.task} {extra}", []


class _Context:
    """Leads handed down by headings ("1. Sở Công Thương") and lead-ins ("… các nhiệm vụ sau:")."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str | None]] = []

    def enter_item(self, depth: int) -> None:
        while self.stack and self.stack[-1][0] >= depth:
            self.stack.pop()

    def push(self, depth: int, lead: str | None) -> None:
        self.stack.append((depth, lead))

    @property
    def lead(self) -> str | None:
        return next((lead for _, lead in reversed(self.stack) if lead), None)


def extract_directives(blocks: list[Block], anchor: dt.date, calendar: WorkCalendar | None = None) -> list[Directive]:
    """Every directive of the body blocks, deadlines read against `anchor`."""
    context = _Context()
    out: list[Directive] = []
    item_level: dict[str, Directive] = {}
    item_started: set[str] = set()
    per_item: dict[str, int] = {}
    for block in blocks:
        if block.kind is not None:
            context.enter_item(block.depth)
            if block.heading:
                heading = block.text.rstrip(" :")
                named = clauses.heading_lead(heading)
                context.push(block.depth, named)
                if named or (not ACTION_START.match(heading) and not clauses.find_starts(heading)):
                    continue  # a heading that names the lead, or a topic title; otherwise read it as text
        last: Directive | None = None
        for sentence in clauses.sentences(block.text):
            if sentence.endswith(":"):
                context.push(block.depth, clauses.leadin_lead(sentence))
                continue
            starts = clauses.find_starts(sentence)
            first_of_item = block.ref not in item_started
            item_started.add(block.ref)
            if not starts:
                last = _unowned(sentence, block, context, item_level, out, last, first_of_item, anchor, calendar)
                continue
            if starts[0][0] > 0 and first_of_item:
                head = sentence[:starts[0][0]]
                _unowned(head, block, context, item_level, out, None, True, anchor, calendar)
            for i, (start, task_at, lead, how) in enumerate(starts):
                end = starts[i + 1][0] if i + 1 < len(starts) else len(sentence)
                task = sentence[task_at:end].strip(" ,;.:")
                if clauses.is_generic(task):
                    continue
                same_item = per_item.get(block.ref, 0) + (block.ref in item_level)
                per_item[block.ref] = per_item.get(block.ref, 0) + 1
                suffix = f"-{same_item + 1}" if same_item else ""
                directive = Directive(block.ref + suffix, lead, task, sentence[start:end])
                if how == "subject" and start > 0 and i == 0:
                    directive.flags.append("mid_item_subject")
                out.append(directive)
                last = directive
    for directive in out:
        _finish(directive, anchor, calendar)
    return out


def _unowned(
    sentence: str, block: Block, context: _Context, item_level: dict[str, Directive], out: list[Directive],
    last: Directive | None, first_of_item: bool, anchor: dt.date, calendar: WorkCalendar | None,
) -> Directive | None:
    """A sentence with no subject of its own: an item's task, a trailing deadline, or context."""
    text = clauses.strip_topic(sentence.strip(" ,"))
    existing = item_level.get(block.ref)
    trailing = bool(_TRAILING_START.match(text)) and last is not None and last is not existing
    if existing and not trailing:
        existing.absorb(text)
        return existing
    if first_of_item and block.ref and (ACTION_START.match(text) or (context.lead and _imperative(text))):
        lead = context.lead
        deadline = parse_deadline(text, anchor, calendar)
        if lead or (deadline and deadline.date):
            directive = Directive(block.ref, lead, text, text)
            directive.flags.append("inherited_lead" if lead else "implicit_lead")
            item_level[block.ref] = directive
            out.append(directive)
            return directive
        return None
    if _TRAILING_START.match(text):
        deadline = parse_deadline(text, anchor, calendar)
        recipient = clauses.report_to(text)
        if not (deadline or recipient):
            return last
        targets = [last] if last else []
        if block.new_paragraph and _PLURAL.search(text):
            parent = block.ref.rsplit(".", 1)[0] if "." in block.ref else ""
            targets = []
            for d in reversed(out[-_MAX_SHARED:]):  # the items just listed, nearest first
                if _parent(d.ref) != parent or d.ref.count(".") != block.ref.count("."):
                    break
                targets.append(d)
        elif not targets and out and out[-1].ref.split("-")[0] == block.ref:
            targets = [out[-1]]
        for target in targets:
            target.settle()
            target.source = f"{target.source} {text}"
            if deadline and (target.deadline is None or target.deadline.date is None):
                target.deadline = deadline
                target.flags.append("shared_deadline" if len(targets) > 1 else "trailing_deadline")
            if recipient and not target.report_to:
                target.report_to = recipient
        return last
    if last is not None and ACTION_START.match(text):
        last.absorb(text)
        return last
    return last


def _imperative(text: str) -> bool:
    """A bullet under a named lead that opens with a verb outside the vocabulary ("- Cắm biển cảnh báo …")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return (
        first[:1].isupper() and first.isalpha() and not _NOT_TASK.match(text) and not is_body(text)
        and not NON_DIRECTIVE_VERB.match(text[:1].lower() + text[1:])
    )


def _parent(ref: str) -> str:
    base = ref.split("-")[0]
    return base.rsplit(".", 1)[0] if "." in base else ""


def _finish(d: Directive, anchor: dt.date, calendar: WorkCalendar | None) -> None:
    """Deadline, recipients, coordinators and confidence read from the directive's own text."""
    d.settle()
    if d.deadline is None or d.deadline.date is None:
        own = parse_deadline(d.source, anchor, calendar)
        if own is not None and (d.deadline is None or own.date is not None):
            d.deadline = own
    d.report_to = clauses.report_to(d.source) or d.report_to
    d.coordinators = clauses.coordinators(d.task)
    if d.lead:
        d.leads = tuple(split_bodies(d.lead))
        if len(d.leads) > 1:
            d.flags.append("multi_lead")
        if _COLLECTIVE_LEAD.match(d.lead):
            d.flags.append("collective_lead")
    if d.deadline is not None:
        d.flags.extend(f for f in d.deadline.flags if f not in d.flags)
    penalty = {
        "implicit_lead": 0.4, "inherited_lead": 0.1, "multi_lead": 0.1, "mid_item_subject": 0.05,
        "invalid_date": 0.3, "before_notice_date": 0.2, "needs_date": 0.1, "year_inferred": 0.05,
        "shared_deadline": 0.05, "trailing_deadline": 0.05, "approximate": 0.1,
    }
    d.confidence = round(max(0.1, 0.95 - sum(penalty.get(f, 0) for f in d.flags)), 2)
