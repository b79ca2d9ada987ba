"""Directives of a notice body: who must do what, with whom, for whom, by when.

The pipeline: clauses (segments.py) → the classifier scores each clause as the start of a directive → the
addressee tagger reads the clause's own lead → inheritance, as an explicit step: own subject, else the nearest
lead-in or heading of its frame, else `lead: null` flagged `implicit_lead` (never dropped) → later clauses of the
same item join the directive unless they name another lead → deadlines, coordinators and recipients are read
from the directive's clauses and its follow-up sentences. Clauses scored as possible directives but not taken
are returned as candidates, so that nothing is dropped silently.

Multi-lead policy: a sentence that tells several bodies to do the same work ("Yêu cầu A, B và C …") stays ONE
directive whose `lead` is the list as written, flagged `multi_lead`, with the bodies split out in
`Directive.leads`. Bodies with their own verbs ("A làm X; B làm Y") are separate directives.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from engine.calendar import WorkCalendar
from engine.deadlines import MAX_YEARS, Deadline, parse_deadline
from engine.ingest import clauses as readings
from engine.ingest.agencies import normalize_name
from engine.ingest.features import MAX_CLAUSE, document_features, is_authority, subject
from engine.ingest.language import TRIGGER_START, bodies, has_verb, is_body, noun_phrase
from engine.ingest.model import CANDIDATE_FLOOR, THRESHOLD, Model, shipped
from engine.ingest.segments import Clause

_FOLLOW_UP = re.compile(
    r"^(?:Yêu cầu|Đề nghị|Báo cáo|Gửi|Hoàn thành|Thời hạn|Thời gian|Kết quả|Trình|Văn bản|Hồ sơ|Trường hợp|"
    r"Sau khi|Định kỳ|Chậm nhất)\b", re.I)
_PLURAL = re.compile(r"\bcác\s+(?:cơ quan|đơn vị|sở|địa phương|ngành|Ban|huyện|Bộ)", re.I)
_MAX_SHARED = 30  # a shared closing deadline covers at most this many preceding items
_COLLECTIVE_LEAD = re.compile(r"^(?:các|Các|mỗi|Mỗi|từng|Từng)\s")
_LEAD_TRIM = re.compile(r"[\s,;:\-–]+$|^[\s,;:\-–]+")
_TRIGGER_ENDINGS = ("giao", "yêu cầu", "đề nghị", "phân công", "ủy quyền", "uỷ quyền", "cho")


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
    implicit_lead: str | None = None  # the addressee inferred when no lead is written ("Kính gửi" of one body)
    score: float = 1.0
    clauses: list[int] = field(default_factory=list, repr=False)
    frame_text: str = field(default="", repr=False)  # the lead-in or heading the lead was inherited from
    last_end: str = field(default="", repr=False)  # what closed the last clause taken: ";", ":", "." or ""
    _parts: list[str] = field(default_factory=list, repr=False)
    _follow: list[str] = field(default_factory=list, repr=False)

    def absorb(self, clause: Clause) -> None:
        """Add a later clause of the same item (joined once at the end: no quadratic copying)."""
        self.clauses.append(clause.index)
        self._parts.append(self.last_end if self.last_end in (";", ":") else "")
        self._parts.append(" " + clause.text)
        self.last_end = clause.end

    def follow(self, text: str) -> None:
        """A follow-up sentence that carries this directive's deadline or recipient."""
        self._follow.append(text)

    def settle(self) -> None:
        if self._parts:
            extra = "".join(self._parts)
            self.task, self.source, self._parts = f"{self.task}{extra}", f"{self.source}{extra}", []
        if self._follow:
            self.source = f"{self.source} {' '.join(self._follow)}"
            self._follow = []


@dataclass
class Candidate:
    """A clause that may be a directive but was not taken: shown to the office in review."""

    ref: str
    text: str
    score: float


@dataclass
class _Reading:
    """What the models say about one clause."""

    clause: Clause
    score: float


def extract_directives(
    clauses: list[Clause], anchor: dt.date, calendar: WorkCalendar | None = None, *,
    model: Model | None = None, addressees: list[str] | None = None, anchor_known: bool = True,
) -> tuple[list[Directive], list[Candidate]]:
    """Every directive of the body's clauses, deadlines read against `anchor`, and the candidates not taken."""
    model = model or shipped()
    readings_ = [_Reading(c, model.probability(f))
                 for c, f in zip(clauses, document_features(clauses, model.lexicon), strict=True)]
    spans: dict[tuple[int, bool], tuple[int, int] | None] = {}

    def addressee(i: int, framing: bool = False) -> str | None:
        """The lead a clause names: the tagger's span, else the rule reading (any, when it frames others)."""
        key = (i, framing)
        if key not in spans:
            spans[key] = _addressee_span(model, clauses[i].text, framing)
        span = spans[key]
        return (_LEAD_TRIM.sub("", clauses[i].text[span[0]:span[1]]) or None) if span else None

    out: list[Directive] = []
    candidates: list[tuple[int, Candidate]] = []
    used_frames: set[int] = set()
    per_ref: dict[str, int] = {}
    current: Directive | None = None
    current_block = -1
    for r in readings_:
        c = r.clause
        if c.block.kind is not None and c.first_in_block:
            current = None  # a new item closes the directive of the previous one
        # "Đề nghị Bộ A …; đề nghị Bộ B …": a clause that hands the item's work on to another body by name opens a
        # directive of its own, whatever its score alone says.
        hands_on = (
            current is not None and r.score >= CANDIDATE_FLOOR and c.block_index == current_block
            and not c.first_in_sentence and _hands_on(c.text)
            and not _same_body(addressee(c.index), current.lead) and addressee(c.index) is not None
        )
        if current is not None and c.block_index == current_block and _plan_content(c, clauses):
            current.absorb(c)  # "… theo hướng: Bộ A thẩm định, Bộ B thẩm tra": what the plan says, not who acts
            continue
        if r.score >= THRESHOLD or hands_on:
            own = addressee(c.index)
            # A later clause of the item joins its directive unless it names another lead, or opens a sentence
            # with "Giao/Yêu cầu X" (one directive per such sentence, as the annotators count them).
            if current is not None and current.ref.split("-")[0] == c.ref and (
                own is None or _same_body(own, current.lead)
            ) and not (own is not None and c.first_in_sentence and TRIGGER_START.match(c.text)):
                current.absorb(c)
                current_block = c.block_index
                continue
            lead, how, frame_at = own, "own", None
            if lead is None:
                lead, frame_at = _inherit(c, clauses, addressee)
                how = "inherited" if lead else "implicit"
            if frame_at is not None:
                used_frames.add(frame_at)
            count = per_ref.get(c.ref, 0)
            per_ref[c.ref] = count + 1
            directive = Directive(
                ref=c.ref + (f"-{count + 1}" if count else ""), lead=lead,
                task=_task(c.text, spans.get((c.index, False)) if own else None),
                source=c.text[:MAX_CLAUSE * 4], score=r.score, clauses=[c.index], last_end=c.end,
            )
            if how == "inherited" and frame_at is not None:
                directive.flags.append("inherited_lead")
                directive.frame_text = clauses[frame_at].text[:MAX_CLAUSE]
            elif how == "implicit":
                directive.flags.append("implicit_lead")
                directive.implicit_lead = addressees[0] if addressees and len(addressees) == 1 else None
            if count or not c.first_in_block:
                directive.flags.append("mid_item_subject")
            if c.block.gap:
                directive.flags.append("numbering_gap")
            out.append(directive)
            current, current_block = directive, c.block_index
            continue
        if current is not None and c.block_index == current_block:
            current.absorb(c)  # the rest of the paragraph that opened the directive
            continue
        if _follow_up(c, current, out, anchor):
            continue
        if r.score >= CANDIDATE_FLOOR and not c.block.heading:
            candidates.append((c.index, Candidate(c.ref, c.text[:MAX_CLAUSE], round(r.score, 2))))
    # A lead-in whose items became directives ("Bộ Tài chính chủ trì:") has been read: it is no candidate.
    frames = used_frames | {i for d in out for k in d.clauses for i in clauses[k].frame}
    for directive in out:
        _finish(directive, anchor, calendar, None if not anchor_known else MAX_YEARS)
    return out, [candidate for i, candidate in candidates if i not in frames]


def read_clause(text: str, ref: str, anchor: dt.date, calendar: WorkCalendar | None = None, *,
                model: Model | None = None) -> Directive:
    """One clause read as a directive on the office's word (a candidate it promotes): lead, task, deadline."""
    model = model or shipped()
    text = " ".join(text.split())[:MAX_CLAUSE * 4]
    span = _addressee_span(model, text, False)
    lead = (_LEAD_TRIM.sub("", text[span[0]:span[1]]) or None) if span else None
    directive = Directive(ref, lead, _task(text, span), text, score=THRESHOLD, flags=["from_candidate"])
    if lead is None:
        directive.flags.append("implicit_lead")
    _finish(directive, anchor, calendar, MAX_YEARS)
    return directive


_PLAN = re.compile(r"(?:theo hướng|như sau|theo phương án|bao gồm|gồm|cụ thể là|với nội dung|trong đó)\s*$", re.I)


def _plan_content(clause: Clause, clauses: list[Clause]) -> bool:
    """The clause follows "… theo hướng:" in its paragraph: content of the plan being ordered."""
    for prev in reversed(clauses[max(0, clause.index - 4):clause.index]):
        if prev.block_index != clause.block_index:
            return False
        if prev.end == ":":
            return bool(_PLAN.search(prev.text[-40:]))
    return False


def _hands_on(text: str) -> bool:
    rule = subject(text)
    return rule is not None and rule.how == "trigger"


def _addressee_span(model: Model, text: str, framing: bool) -> tuple[int, int] | None:
    """Who a clause addresses: the tagger's span unless it is the speaker, else the rule reading.

    A clause's own lead takes the rule reading only where it is unambiguous (the clause opens with the body or
    with "Giao/Yêu cầu …"); a heading or lead-in that frames other items takes any reading.
    """
    span = model.addressee(text)
    if span is not None:
        before = text[:span[0]].rstrip().lower()
        if not (is_authority(text[span[0]:span[1]]) and not before.endswith(_TRIGGER_ENDINGS)):
            return _name_only(text, span)
    rule = subject(text)
    if rule is None or (rule.how == "comma" and not framing) or (rule.how == "subject?" and framing):
        return None  # a lead-in "Văn phòng X truyền đạt ý kiến …:" names who speaks, not who acts
    if rule.how not in ("trigger", "speaker") and is_authority(text[rule.start:rule.end]):
        return None
    return rule.start, rule.end


def _name_only(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The tagged span cut where the name of a body ends, should the tagger run on into a verb or a list of
    figures it has never seen ("Sở Tài chính chủ trì … 1105 1106")."""
    words = text[span[0]:span[1]]
    if not is_body(words):
        return span
    name = noun_phrase(words)[0].rstrip(" ,;:")
    return (span[0], span[0] + len(name)) if len(name) >= 3 else span


def _inherit(clause: Clause, clauses: list[Clause], addressee: Any) -> tuple[str | None, int | None]:
    """The lead a subjectless clause inherits: an in-paragraph "X:" before it, else its frame, innermost first."""
    for prev in reversed(clauses[max(0, clause.index - 3):clause.index]):
        if prev.block_index != clause.block_index:
            break
        if prev.end == ":":
            lead = addressee(prev.index, True)
            if lead:
                return lead, prev.index
    for i in reversed(clause.frame):
        lead = _heading_lead(clauses[i]) or addressee(i, True)
        if lead:
            return lead, i
    return None, None


def _heading_lead(clause: Clause) -> str | None:
    """A heading that is only a name ("5. Các chủ rừng là tổ chức (…)", "Giao Sở X:") hands on all of it."""
    if not clause.block.heading or clause.text != clause.block.text:
        return None
    text = TRIGGER_START.sub("", re.sub(r"^(?:Đối với|Nhiệm vụ của|Trách nhiệm của)\s+", "", clause.text))
    text = text.rstrip(" :.;")
    return text if is_body(text) and not has_verb(re.sub(r"\([^)]*\)", "", text)) else None


def _task(text: str, span: tuple[int, int] | None) -> str:
    """A clause's words after its own lead (the whole clause when the lead is inherited)."""
    text = text[:MAX_CLAUSE * 4]
    whole = text
    if span:
        rest = text[span[1]:].lstrip(" ,:;-–")
        if len(rest) >= 8:
            text = rest
    return readings.strip_topic(text).strip(" ,;:") or whole[:MAX_CLAUSE]


def _same_body(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    x, y = set(normalize_name(a).split()), set(normalize_name(b).split())
    # "Ban QLDA … số 1" and "Ban QLDA … giao thông tỉnh" share most words and are two bodies: each must name
    # nothing the other lacks, short of a word or two ("Bộ trưởng các Bộ …" restated as "Các Bộ trưởng …").
    return bool(x and y) and (len(x - y) <= 1 or len(y - x) <= 1) and len(x & y) / min(len(x), len(y)) >= 0.8


def _follow_up(clause: Clause, current: Directive | None, out: list[Directive], anchor: dt.date) -> bool:
    """A trailing sentence that carries the deadline or recipient of the directive(s) just above it."""
    text = clause.text[:MAX_CLAUSE]
    if not out or not (_FOLLOW_UP.match(text) or _PLURAL.match(text) or subject(text) is None):
        return False
    deadline = parse_deadline(text, anchor, max_years=None)
    recipient = readings.report_to(text)
    if not (deadline and deadline.kind != "none") and not recipient:
        return False
    last = out[-1]
    if clause.block.new_paragraph and _PLURAL.search(text):
        base = last.ref.split("-")[0]
        parent, depth = _parent(base), base.count(".")
        targets = []
        for d in reversed(out[-_MAX_SHARED:]):  # the items just listed, nearest first
            ref = d.ref.split("-")[0]
            if _parent(ref) != parent or ref.count(".") != depth:
                break
            targets.append(d)
    elif current is not None or last.ref.split("-")[0] == clause.ref:
        targets = [current or last]
    else:
        return False
    for target in targets:
        target.follow(text)
        target.flags.append("shared_deadline" if len(targets) > 1 else "follow_up")
    return True


def _parent(ref: str) -> str:
    return ref.rsplit(".", 1)[0] if "." in ref else ""


def _finish(d: Directive, anchor: dt.date, calendar: WorkCalendar | None, max_years: int | None) -> None:
    """Deadline, recipients, coordinators and confidence read from the directive's own text."""
    d.settle()
    d.deadline = parse_deadline(d.source, anchor, calendar, max_years=max_years)
    d.report_to = readings.report_to(d.source)
    # "1. Bộ Tài chính chủ trì, phối hợp với các Bộ …:" hands its coordinators down with its lead.
    d.coordinators = readings.coordinators(d.task) or readings.coordinators(d.frame_text)
    if d.lead:
        d.leads = tuple(bodies(d.lead))
        if len(d.leads) > 1:
            d.flags.append("multi_lead")
        if _COLLECTIVE_LEAD.match(d.lead):
            d.flags.append("collective_lead")
    if d.deadline is not None:
        d.flags.extend(f for f in d.deadline.flags if f not in d.flags)
    for flag in ("shared_deadline", "follow_up"):
        if d.flags.count(flag) > 1:
            d.flags = [f for f in d.flags if f != flag] + [flag]
    penalty = {
        "implicit_lead": 0.4, "inherited_lead": 0.1, "multi_lead": 0.1, "mid_item_subject": 0.05,
        "invalid_date": 0.3, "before_notice_date": 0.2, "needs_date": 0.1, "year_inferred": 0.05,
        "shared_deadline": 0.05, "follow_up": 0.05, "approximate": 0.1, "numbering_gap": 0.05,
    }
    base = 0.5 + 0.45 * min(1.0, max(0.0, (d.score - THRESHOLD) / (1 - THRESHOLD)))
    d.confidence = round(max(0.1, min(0.95, base) - sum(penalty.get(f, 0) for f in d.flags)), 2)
