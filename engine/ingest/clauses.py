"""Readings of a directive's text by grammar: its coordinators, who the result is reported to, its topic prefix.

Rules, not models: which clauses are directives and who leads them is learned (model.py); once a directive is
known, "phối hợp với X" names its coordinators and "báo cáo X" its recipient in every genre of the corpus.
"""

from __future__ import annotations

import re

from engine.ingest.language import bodies, is_body, noun_before, noun_phrase

# "phối hợp với X", "phối hợp chặt chẽ với X", "phối hợp, hướng dẫn X", "trao đổi, thống nhất với X"
_COORD = re.compile(
    r"(?<![\w])(?:phối hợp(?:\s+chặt chẽ)?(?:\s+với|,\s*(?:hướng dẫn|hỗ trợ|tạo điều kiện cho))?|"
    r"trao đổi,?\s+thống nhất với|thống nhất với|làm việc với|liên hệ, làm việc với)\s+", re.I)
# "quy chế phối hợp", "công tác phối hợp với …": the noun, not the duty
_COORD_NOUN = re.compile(r"(?:quy chế|cơ chế|công tác|sự|việc|chương trình|kế hoạch|văn bản|tổ)\s*$", re.I)
_REPORT = re.compile(
    r"(?<![\w])(báo cáo|trình|gửi(?:\s+(?:báo cáo|văn bản|hồ sơ|kết quả))?(?:\s+(?:về|đến|tới|cho))?|đề xuất|"
    r"tham mưu(?:\s+cho)?|phản ánh(?:\s+về)?)(?:\s*,\s*(?:đề xuất|báo cáo|trình))?\s+", re.I)
# "báo cáo kết quả về Sở X", "gửi hồ sơ đến Sở Y", "chế độ báo cáo về Ban Z": the recipient after về/đến/tới/lên.
_REPORT_VIA = re.compile(r"(?<![\w])(báo cáo|gửi)\s+(?:[^,;.:()]{1,50}?\s)?(?:về|đến|tới|lên)\s+", re.I)
_REPORT_RANK = {"báo cáo": 2, "trình": 2, "gửi": 1, "phản ánh": 1}
# "… để tổng hợp, báo cáo Thủ tướng": what the recipient does next, not this directive's recipient
_PURPOSE = re.compile(r"(?<![\w])để\s+(?:[^.;]{0,40}?)$", re.I)
_VAGUE = re.compile(r"^(?:các cấp|cấp trên)\b", re.I)


def coordinators(task: str) -> list[str]:
    """Bodies named after "phối hợp (với)", "thống nhất với", "làm việc với", shared-prefix lists expanded."""
    found: list[str] = []
    for m in _COORD.finditer(task):
        if _COORD_NOUN.search(task[max(0, m.start() - 20):m.start()]):
            continue
        phrase, _ = noun_phrase(task, m.end())
        if is_body(phrase):
            found.extend(b for b in bodies(phrase) if b not in found)
    return found


def report_to(text: str) -> str | None:
    """The recipient of the result: the first one named, unless only a purpose clause ("để …, báo cáo X") names it;
    "báo cáo/trình X" wins over "gửi X", which wins over "đề xuất/tham mưu X", at the same place."""
    found: list[tuple[bool, bool, int, int, str]] = []  # (in a purpose clause, vague, -rank, position, name)
    for m in _REPORT_VIA.finditer(text):
        phrase, _ = noun_phrase(text, m.end(), lists=False)
        if is_body(phrase) and not noun_before(text, m.start(), m.group(1).lower()):
            found.append(_entry(text, m.start(), _REPORT_RANK[m.group(1).lower()], phrase))
    for m in _REPORT.finditer(text):
        verb = m.group(1).lower()
        verb = "báo cáo" if verb.startswith("báo cáo") else "phản ánh" if verb.startswith("phản ánh") else \
            verb.split()[0]
        if noun_before(text, m.start(), verb):
            continue
        phrase, _ = noun_phrase(text, m.end(), lists=False)
        if is_body(phrase):
            found.append(_entry(text, m.start(), _REPORT_RANK.get(verb, 0), phrase))
    if not found:
        return None
    return min(found, key=lambda e: (e[0], e[1], e[2], e[3]))[4]


def _entry(text: str, at: int, rank: int, phrase: str) -> tuple[bool, bool, int, int, str]:
    purpose = bool(_PURPOSE.search(text[max(0, at - 60):at]))
    return purpose, bool(_VAGUE.match(phrase)), -rank, at, phrase


def strip_topic(sentence: str) -> str:
    """Drop a topic prefix ("Về kho VLNCN: …", "Đồng thời, …") in front of the first verb."""
    return re.sub(r"^(?:Về\s[^:]{1,80}:\s*|Đồng thời,\s*|Bên cạnh đó,\s*|Trước mắt,\s*)", "", sentence)
