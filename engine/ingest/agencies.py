"""Resolve agency names as written in notices against the directory (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Old-style tone placement (hoá, thuỷ) and new-style (hóa, thủy) spell the same word.
_TONE_PAIRS = {
    "oá": "óa", "oà": "òa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oé": "óe", "oè": "òe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uý": "úy", "uỳ": "ùy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_ABBREVIATIONS = {
    "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân", "vp": "văn phòng", "bql": "ban quản lý",
    "qlda": "quản lý dự án", "đtxd": "đầu tư xây dựng", "kcn": "khu công nghiệp", "ccn": "cụm công nghiệp",
    "pct": "phó chủ tịch", "ct": "chủ tịch", "tt": "thường trực", "ubmttq": "ủy ban mặt trận tổ quốc",
    "kh&đt": "kế hoạch và đầu tư", "tn&mt": "tài nguyên và môi trường",
    "nn&ptnt": "nông nghiệp và phát triển nông thôn",
    "gd&đt": "giáo dục và đào tạo", "lđtb&xh": "lao động thương binh và xã hội", "tt&tt": "thông tin và truyền thông",
    "kh&cn": "khoa học và công nghệ", "vh,tt&dl": "văn hóa thể thao và du lịch", "ttg": "thủ tướng",
}
# Honorifics and leadership titles in front of a body's name ("đồng chí", "Giám đốc Sở …").
_LEADER_PREFIX = re.compile(
    r"^(?:đồng chí\s+)?(?:giám đốc|phó giám đốc|chủ tịch|phó chủ tịch|chánh|trưởng ban|trưởng|thủ trưởng|"
    r"lãnh đạo|chỉ huy trưởng|chánh thanh tra)\s+(?=\S)"
)
_TRAILING_PLACE = re.compile(r"\s+(?:tỉnh|thành phố)(?:\s+[\wÀ-ỹ ]+)?$")


def normalize_name(text: str) -> str:
    """Lower-case NFC name with one tone style, abbreviations expanded, punctuation and spacing folded."""
    text = unicodedata.normalize("NFC", text or "").lower()
    for old, new in _TONE_PAIRS.items():
        text = text.replace(old, new)
    text = re.sub(r"[\"“”'().,;:\-–]", " ", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in text.split())


@dataclass(frozen=True)
class AgencyMatch:
    """A name resolved to a directory entry; `via` says how (name, alias, leader, person)."""

    code: str
    name: str
    written: str
    via: str
    person_key: str | None = None


class AgencyDirectory:
    """Agencies and people of one deployment, looked up by any spelling of their names."""

    def __init__(self, records: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> None:
        if isinstance(records, Mapping):
            agencies, people = records.get("agencies") or [], records.get("people") or []
        else:
            agencies, people = list(records), []
        self.agencies = {a["code"]: a for a in agencies}
        self.people = {p["key"]: p for p in people}
        self._index: dict[str, tuple[str, str]] = {}
        for agency in agencies:
            for spelling in [agency["name"], agency["code"], *(agency.get("aliases") or [])]:
                self._index.setdefault(normalize_name(spelling), (agency["code"], "alias"))
            self._index[normalize_name(agency["name"])] = (agency["code"], "name")
        self._people = {normalize_name(p["name"]): p for p in people}

    def resolve(self, name: str | None) -> AgencyMatch | None:
        """The directory entry a written name refers to, or None when there is none."""
        if not name or not name.strip():
            return None
        key = normalize_name(name)
        hit = self._lookup(key)
        if hit:
            return AgencyMatch(hit[0], self.agencies[hit[0]]["name"], name, hit[1])
        person = self._person(key, name)
        if person:
            return person if person.code else None
        stripped = _LEADER_PREFIX.sub("", key)
        if stripped != key:
            hit = self._lookup(stripped)
            if hit:
                return AgencyMatch(hit[0], self.agencies[hit[0]]["name"], name, "leader")
        return None

    def _lookup(self, key: str) -> tuple[str, str] | None:
        bare = _TRAILING_PLACE.sub("", key)
        for candidate in (key, bare, key + " tỉnh", bare + " tỉnh"):
            if candidate in self._index:
                return self._index[candidate]
        return None

    def _person(self, key: str, written: str) -> AgencyMatch | None:
        # A personal name anywhere in the text ("đồng chí Phan Thế Tuấn - Phó Chủ tịch …"); a placeholder
        # name that is only a title ("Giám đốc Sở Tài chính") must match the whole text.
        for person_name, person in self._people.items():
            titled = bool(_LEADER_PREFIX.match(person_name))
            if titled and person_name != key:
                continue
            if person_name and re.search(rf"(?:^|\s){re.escape(person_name)}(?:\s|$)", key):
                code = person.get("agency") or ""
                name = self.agencies.get(code, {}).get("name", person["name"])
                return AgencyMatch(code, name, written, "person", person["key"])
        return None

    def supervisor_of(self, code: str) -> Mapping[str, Any] | None:
        """The supervising leader's record of an agency, if configured."""
        key = self.agencies.get(code, {}).get("supervisor")
        return self.people.get(key) if key else None
