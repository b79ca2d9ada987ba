"""Document metadata: number, place and date, issuer, title, meeting date and chair, signer."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from engine.ingest.clean import CleanText, is_person_name, is_signature_title

_NUMBER = re.compile(r"Số\s*:\s*(\d+)\s*/\s*([A-ZĐ][A-ZĐ0-9\-]*(?:/[A-ZĐ0-9\-]+)?)")
_NUMBER_IN_TEXT = re.compile(
    r"(?:Theo|ban\s*h?\s*hành|banh)\s+(?:Công văn|Thông báo|Văn bản|Kết luận)\s+(?:số\s+)?"
    r"(\d+)\s*/\s*([A-ZĐ][A-ZĐ0-9\-]*)"
    r"(?:\s+ngày\s+(\d{1,2})/(\d{1,2})/(\d{4}))?"
)
_PLACE_DATE = re.compile(
    r"([A-ZĐÀ-Ỹ][\wÀ-ỹ .'-]{1,30}),\s*ngày\s+(\d{1,2})?\s*tháng\s+(\d{1,2})\s+năm\s+(\d{4})"
)
_MEETING = re.compile(
    r"(?:^|[.:]\s+)(?:Sáng|Chiều|Tối)?\s*(?:ngày|Ngày)\s+(\d{1,2})(?:\s*/\s*(\d{1,2})\s*/\s*(\d{4})|\s+tháng\s+(\d{1,2})"
    r"\s+năm\s+(\d{4}))[^.]{0,200}?(?:họp|hội nghị|làm việc)"
)
_CHAIR = re.compile(
    r"\bdo\s+(.{5,120}?)\s+chủ trì|(đồng chí\s[^:.]{5,150}?)\s+(?:kết luận\s*:|chủ trì\s+(?:cuộc|phiên|buổi))")


@dataclass(frozen=True)
class DocumentInfo:
    """What the notice says about itself."""

    number: str | None = None
    date: dt.date | None = None
    date_partial: str | None = None
    issuer: str | None = None
    title: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    meeting_date: dt.date | None = None
    chair: str | None = None


def _date(d: str | int, m: str | int, y: str | int) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _issuer(header: list[str], body: str) -> str | None:
    caps = [s for s in header if s.isupper() and not re.match(r"CỘNG|ĐỘC LẬP|SỐ", s) and len(s) < 60]
    if caps:
        if len(caps) >= 2 and re.match(r"(?:ỦY|UỶ) BAN NHÂN DÂN$", caps[0]):
            caps = [f"UBND {caps[1]}", *caps[2:]]
        parent = _title_case(caps[0])
        if len(caps) == 1:
            return parent
        child = _title_case(caps[1])
        return f"{child} {parent.removeprefix('UBND ') if child.startswith('Sở') else parent}"
    places = Counter(re.findall(r"tỉnh ([A-ZĐ][\wÀ-ỹ]+(?: [A-ZĐ][\wÀ-ỹ]+)?)", body))
    if re.search(r"\bUBND tỉnh|Ủy ban nhân dân tỉnh", body) and places:
        return f"UBND tỉnh {places.most_common(1)[0][0]}"
    return None


def _title_case(caps: str) -> str:
    """'UBND TỈNH LÀO CAI' → 'UBND tỉnh Lào Cai'; 'SỞ CÔNG THƯƠNG' → 'Sở Công Thương'."""
    words, place = [], False
    for w in caps.split():
        if w in ("UBND", "HĐND"):
            words.append(w)
        elif place:
            words.append(w.capitalize())
        else:
            words.append(w.lower())
        place = place or w.lower() in ("tỉnh", "huyện", "xã", "phường", "phố", "quận")
    text = " ".join(words).replace("công thương", "Công Thương").replace("chính phủ", "Chính phủ")
    return text[:1].upper() + text[1:]


def read_metadata(doc: CleanText) -> DocumentInfo:
    """Metadata from the header, title, first paragraphs and signature block of a cleaned notice."""
    header = " ".join(doc.header)
    body = " ".join(doc.body)
    number = date = partial = None
    m = _NUMBER.search(header)
    if m:
        number = f"{m.group(1)}/{m.group(2)}"
    pd = _PLACE_DATE.search(header) or _PLACE_DATE.search(" ".join(doc.body[:3]))
    if pd:
        date = _date(pd.group(2), pd.group(3), pd.group(4)) if pd.group(2) else None
        partial = None if date else f"{pd.group(4)}-{int(pd.group(3)):02d}"
    if number is None:
        t = _NUMBER_IN_TEXT.search(body + " " + " ".join(doc.tail))
        if t:
            number = f"{t.group(1)}/{t.group(2)}"
            if date is None and t.group(3):
                date = _date(t.group(3), t.group(4), t.group(5))
    meeting = chair = None
    mm = _MEETING.search(body[:3000])
    if mm:
        meeting = _date(mm.group(1), mm.group(2) or mm.group(4), mm.group(3) or mm.group(5))
    ch = _CHAIR.search(body[:3000])
    if ch:
        chair = (ch.group(1) or ch.group(2)).strip()
    else:
        led = re.search(r"([^,.;:]{5,120}?)\s+(?:đã\s+)?chủ trì\s+(?:cuộc|phiên|buổi|hội nghị)", body[:3000])
        chair = led.group(1).strip() if led else None
    titles = [s for s in doc.tail if is_signature_title(s) and not s.startswith(("-", "NƠI"))]
    names = [s for s in doc.tail if is_person_name(s)]
    title = " ".join(doc.title) or next((s for s in doc.header if s.startswith(("V/v", "Về việc"))), None)
    return DocumentInfo(
        number=number, date=date, date_partial=partial, issuer=_issuer(doc.header, body), title=title,
        signer=names[-1] if names else None, signer_title=", ".join(titles) or None,
        meeting_date=meeting, chair=chair,
    )


_ADDRESSEE_OPENER = re.compile(r"^(?:Kính\s+gửi|[A-ZĐ].{2,80}?\s+điện)\s*:\s*", re.I)


def addressees(doc: CleanText) -> list[str]:
    """The bodies a letter is addressed to ("Kính gửi: - Bộ X; - Bộ Y."), as written."""
    out: list[str] = []
    inside = False
    for line in doc.header:
        opener = _ADDRESSEE_OPENER.match(line)
        if opener:
            if line.lower().startswith("đồng kính gửi"):
                break
            inside = True
            line = line[opener.end():]
        elif not inside:
            continue
        elif not line.startswith(("-", "+", "•")):
            break
        name = re.sub(r"^[-+•]\s*", "", line).strip(" ;.,|")
        if name and not name.lower().startswith("đồng kính gửi"):
            out.append(name)
    return out
