"""Clause-level readings: sentences, who is told to act, coordinators, recipients, generic closings."""

from __future__ import annotations

import re

from engine.ingest.language import (
    ACTION_START,
    NON_DIRECTIVE_VERB,
    bodies,
    is_body,
    names_body,
    next_stop,
    noun_before,
    noun_phrase,
)

_ABBREV_END = re.compile(r"\b(?:TP|TX|Tp|TS|ThS|PGS|GS|KT|TL|TM|Q|St|Th)\.$")
TRIGGER = re.compile(
    r"(?<![\w])(?:Đồng ý giao|Thống nhất giao|Giao cho|Giao|giao cho|giao|Yêu cầu|yêu cầu|Đề nghị|đề nghị|"
    r"Ủy quyền|Uỷ quyền|ủy quyền|Phân công|phân công)\s+(?:cho\s+)?"
)
_AUTHORITY = re.compile(r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+(?:tỉnh|thành phố)(?:\s+[A-ZĐ][\wÀ-ỹ ]*)?$")
_PREFIX_OK = re.compile(r"(?:thông báo và|thống nhất|đồng ý|tiếp tục|đồng thời|có ý kiến|kiên quyết|trân trọng)\s*$")
_LEADIN_FOLLOW = re.compile(
    r"^\s*,?\s*(?:ngoài|cần|phải|tập trung|thực hiện|triển khai|tiếp tục|chủ động|khẩn trương|có trách nhiệm|quan tâm)"
)
# "Các Bộ, … đến nay chưa có báo cáo …, khẩn trương gửi …": a relative clause between lead and verb.
# "Trên cơ sở kết quả rà soát, Sở Tài chính tham mưu …": the subject follows an introductory phrase.
_AFTER_INTRO = re.compile(
    r"(?:^|;\s*)(?:Trên cơ sở|trên cơ sở|Căn cứ|căn cứ|Đối với|đối với|Trước mắt|trước mắt|Đồng thời|đồng thời|"
    r"Sau khi|sau khi|Trường hợp|trường hợp|Ngay sau khi|Trong quá trình|trong quá trình)\b[^;:]{0,150}?,\s*"
)
_RELATIVE = re.compile(r"^(?:đến nay\s+)?chưa\b")
_GENERIC_WORDS = frozenset({
    "biết", "nghiêm", "túc", "khẩn", "trương", "tổ", "chức", "triển", "khai", "thực", "hiện", "và", "được", "để",
    "các", "nội", "dung", "trên", "này", "kết", "luận", "thông", "báo", "chỉ", "đạo", "sau", "theo", "dõi", "quy",
    "định", "đúng", "đầy", "đủ",
})
_REPORT = re.compile(
    r"(?<![\w])(báo cáo|trình|gửi(?:\s+(?:báo cáo|văn bản|hồ sơ|kết quả))?(?:\s+(?:về|đến|tới|cho))?|đề xuất|"
    r"tham mưu(?:\s+cho)?)(?:\s*,\s*(?:đề xuất|báo cáo|trình))?\s+"
)
# "báo cáo kết quả về Sở X", "gửi hồ sơ đến Sở Y": the recipient after a short object and về/đến/tới/lên.
_REPORT_VIA = re.compile(r"(?<![\w])(báo cáo|gửi)\s+[^,;.:()]{1,50}?\s(?:về|đến|tới|lên)\s+")
_REPORT_RANK = {"báo cáo": 2, "trình": 2, "gửi": 1}
_COORD = re.compile(
    r"(?<![\w])(?:phối hợp(?:\s+chặt chẽ)?(?:\s+với)?|trao đổi,?\s+thống nhất với|thống nhất với|làm việc với)\s+"
)


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences at a full stop followed by a capital letter."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ(“\"])", text)
    out: list[str] = []
    for part in parts:
        if out and _ABBREV_END.search(out[-1]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [p.strip() for p in out if p.strip()]


def is_authority(phrase: str) -> bool:
    """The issuing People's Committee itself, which gives orders but is not told to act."""
    return bool(_AUTHORITY.match(phrase.strip()))


def find_starts(sentence: str) -> list[tuple[int, int, str, str]]:
    """Directive starts in a sentence: (start, task start, lead, how) for each Giao/Yêu cầu or acting subject."""
    starts: list[tuple[int, int, str, str]] = []
    covered = 0
    clause_starts = [0] + [m.end() for m in re.finditer(r";\s*", sentence)]
    clause_starts += [m.end() for m in _AFTER_INTRO.finditer(sentence)]
    clause_starts.sort()
    for m in TRIGGER.finditer(sentence):
        if m.start() < covered:
            continue
        cut = max(sentence.rfind(sep, 0, m.start()) for sep in (";", ":", ", ", ". "))
        prefix = sentence[cut + 1 if cut >= 0 else 0:m.start()].strip(" ,")
        if prefix and not (is_body(prefix) and (next_stop(prefix) is None or _PREFIX_OK.search(prefix))):
            continue
        lead, end = noun_phrase(sentence, m.end())
        if not is_body(lead):
            continue
        starts.append((m.start(), end, lead, "trigger"))
        covered = end
    for cs in clause_starts:
        if cs < covered or any(s <= cs < e for s, e, _, _ in starts):
            continue
        lead, end = noun_phrase(sentence, cs)
        if not is_body(lead) or is_authority(lead):
            continue
        rest = sentence[end:].lstrip(" ,:")  # "Sở Tài chính: Chủ trì …" names the lead before a colon
        if NON_DIRECTIVE_VERB.match(rest) and not _RELATIVE.match(rest):
            continue
        if _RELATIVE.match(rest):
            later = re.search(r",\s*(?=\S)", rest)
            if not later or not ACTION_START.match(rest[later.end():]):
                continue
        elif not ACTION_START.match(rest):
            continue
        starts.append((cs, end, lead, "subject"))
        covered = end
    return sorted(starts)


# Words in front of a lead heading: "Giao Sở X:", "Đối với UBND huyện Y:", "Nhiệm vụ của Sở Z".
_HEADING_PREFIX = re.compile(r"^(?:Giao|Đề nghị|Yêu cầu|Đối với|Nhiệm vụ của|Trách nhiệm của)\s+")


def heading_lead(text: str) -> str | None:
    """The body a heading line hands its items to ("1. Sở Công Thương", "2. Đối với UBND huyện X"), if any."""
    whole = _HEADING_PREFIX.sub("", text.strip().rstrip(" :"))
    return whole if names_body(whole) else None


def leadin_lead(sentence: str) -> str | None:
    """The body a lead-in ("… thực hiện các nhiệm vụ sau:", "c) UBND huyện X:") hands the following items to."""
    whole = _HEADING_PREFIX.sub("", sentence.rstrip(" :"))
    if is_body(whole) and noun_phrase(whole)[0] == whole:
        return whole
    for start, _end, lead, how in find_starts(sentence):
        if how == "trigger" or start == 0:
            return lead
    for m in re.finditer(r"(?:^|,\s+)(?=\S)", sentence):
        lead, end = noun_phrase(sentence, m.end())
        if is_body(lead) and not is_authority(lead) and _LEADIN_FOLLOW.match(sentence[end:]):
            return lead
    return None


def coordinators(task: str) -> list[str]:
    """Bodies named after "phối hợp (với)", "thống nhất với", "làm việc với" at the head of a clause."""
    found: list[str] = []
    for m in _COORD.finditer(task):
        before = task[:m.start()].rstrip()
        if before and not re.search(r"(?:chủ trì|[,;:])$", before) and not re.search(r"^\W*$", before):
            continue
        phrase, _ = noun_phrase(task, m.end())
        if is_body(phrase):  # "các Bộ: Tài chính, Tư pháp" → Bộ Tài chính, Bộ Tư pháp
            found.extend(b for b in bodies(phrase) if b not in found)
    return found


def report_to(text: str) -> str | None:
    """The recipient of the result: "báo cáo/trình X" before "gửi X" before "đề xuất/tham mưu X"."""
    best: tuple[int, int, str] | None = None
    for m in _REPORT_VIA.finditer(text):
        phrase, _ = noun_phrase(text, m.end(), lists=False)
        if is_body(phrase) and not noun_before(text, m.start(), m.group(1)):
            best = (_REPORT_RANK[m.group(1)], m.start(), phrase)
            break
    for m in _REPORT.finditer(text):
        verb = "báo cáo" if m.group(1).startswith("báo cáo") else m.group(1).split()[0]
        if noun_before(text, m.start(), verb):
            continue
        phrase, _ = noun_phrase(text, m.end(), lists=False)
        if not is_body(phrase):
            continue
        rank = next((r for verb, r in _REPORT_RANK.items() if m.group(1).startswith(verb)), 0)
        if best is None or rank > best[0]:
            best = (rank, m.start(), phrase)
    return best[2] if best else None


def is_generic(task: str) -> bool:
    """A closing formula ("… biết, tổ chức thực hiện") that assigns nothing concrete."""
    text = task
    for m in list(_COORD.finditer(task))[::-1]:
        _phrase, end = noun_phrase(task, m.end())
        text = text[:m.start()] + text[end:]
    words = re.findall(r"[^\W\d_]+", text.lower())
    return all(w in _GENERIC_WORDS for w in words)


def strip_topic(sentence: str) -> str:
    """Drop a topic prefix ("Về kho VLNCN: …", "Đồng thời, …") in front of the first verb."""
    return re.sub(r"^(?:Về\s[^:]{1,80}:\s*|Đồng thời,\s*|Bên cạnh đó,\s*|Trước mắt,\s*)", "", sentence)
