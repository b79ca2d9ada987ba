"""Agency resolution against the directory: names, aliases, abbreviations, spelling variants."""

from __future__ import annotations

import pytest
import yaml

from engine.ingest.agencies import AgencyDirectory, normalize_name
from tests.unit.corpus_paths import AGENCIES_YAML

RECORDS = {
    "agencies": [
        {"code": "STC", "name": "Sở Tài chính", "kind": "so", "aliases": ["STC", "Sở TC"], "supervisor": "pct_a"},
        {"code": "SVHTTDL", "name": "Sở Văn hóa, Thể thao và Du lịch", "kind": "so", "aliases": ["SVHTTDL"]},
        {"code": "SKHDT", "name": "Sở Kế hoạch và Đầu tư", "kind": "so", "aliases": ["SKHĐT", "Sở KH&ĐT"]},
        {"code": "VPUBND", "name": "Văn phòng UBND tỉnh", "kind": "office", "aliases": ["VP UBND tỉnh"]},
        {"code": "UBND", "name": "Ủy ban nhân dân tỉnh", "kind": "province", "aliases": ["UBND tỉnh"]},
    ],
    "people": [
        {"key": "pct_a", "name": "Phan Thế Tuấn", "title": "Phó Chủ tịch UBND tỉnh", "role": "supervisor",
         "agency": "UBND"},
    ],
}


@pytest.fixture
def directory() -> AgencyDirectory:
    return AgencyDirectory(RECORDS)


@pytest.mark.parametrize(
    ("written", "code", "via"),
    [
        ("Sở Tài chính", "STC", "name"),
        ("  sở   tài CHÍNH ", "STC", "name"),
        ("STC", "STC", "alias"),
        ("Sở Văn hoá, Thể Thao và Du lịch", "SVHTTDL", "name"),  # old tone placement, capital T
        ("Sở KH&ĐT", "SKHDT", "alias"),
        ("SKHĐT", "SKHDT", "alias"),
        ("Văn phòng Uỷ ban nhân dân tỉnh", "VPUBND", "name"),  # UBND spelled out, uỷ/ủy
        ("Giám đốc Sở Kế hoạch và Đầu tư", "SKHDT", "leader"),
        ("Chánh Văn phòng UBND tỉnh", "VPUBND", "leader"),
        ("đồng chí Phan Thế Tuấn - Phó Chủ tịch UBND tỉnh", "UBND", "person"),
    ],
)
def test_resolves_spelling_variants(directory: AgencyDirectory, written: str, code: str, via: str) -> None:
    match = directory.resolve(written)
    assert match is not None
    assert (match.code, match.via, match.written) == (code, via, written)


@pytest.mark.parametrize("written", ["Sở Du hành Vũ trụ", "", "   ", None, "các cấp, các ngành"])
def test_unknown_names_do_not_resolve(directory: AgencyDirectory, written: str | None) -> None:
    assert directory.resolve(written) is None


def test_person_match_names_the_person(directory: AgencyDirectory) -> None:
    match = directory.resolve("Phó Chủ tịch UBND tỉnh Phan Thế Tuấn")
    assert match is not None and match.person_key == "pct_a"


def test_supervisor_lookup(directory: AgencyDirectory) -> None:
    assert directory.supervisor_of("STC")["name"] == "Phan Thế Tuấn"
    assert directory.supervisor_of("SKHDT") is None


def test_normalize_folds_tone_placement_and_abbreviations() -> None:
    assert normalize_name("UBND tỉnh Thanh Hoá") == normalize_name("Ủy ban nhân dân tỉnh Thanh Hóa")
    assert normalize_name("Uỷ ban") == normalize_name("ủy ban")


def test_default_directory_covers_the_seed_notice() -> None:
    data = yaml.safe_load(AGENCIES_YAML.read_text(encoding="utf-8"))
    codes = [a["code"] for a in data["agencies"]]
    assert len(codes) == len(set(codes)) and all(c.isascii() for c in codes)
    directory = AgencyDirectory(data)
    for name in [
        "Sở Kế hoạch và Đầu tư", "Sở Tài chính", "Ban Dân tộc", "Sở Văn hoá, Thể Thao và Du lịch", "Sở Ngoại vụ",
        "Sở Tài nguyên và Môi trường", "Thanh tra tỉnh", "Sở Tư pháp", "Văn phòng UBND tỉnh", "Thường trực HĐND tỉnh",
        "Ban cán sự đảng UBND tỉnh", "Ban quản lý dự án ĐTXD công trình dân dụng và công nghiệp tỉnh",
        "Ban quản lý dự án ĐTXD các công trình giao thông, nông nghiệp tỉnh", "UBND huyện Lục Nam",
        "SNN&PTNT", "SGDĐT", "SLĐTBXH", "STTTT", "SKHCN", "TNMT", "BQL các KCN", "VP UBND tỉnh", "Công an tỉnh",
    ]:
        assert directory.resolve(name) is not None, name
    people = {p["key"]: p for p in data["people"]}
    supervisors = {p["name"] for p in people.values() if p["role"] == "supervisor"}
    assert supervisors >= {"Mai Sơn", "Phan Thế Tuấn", "Lê Ô Pích"}
    assert sum(p["role"] == "office" and p.get("agency") == "VPUBND" for p in people.values()) >= 2
    for agency in data["agencies"]:
        if agency["kind"] in ("so", "huyen"):
            assert any(p.get("agency") == agency["code"] and p["role"] == "leader" for p in people.values())
        if agency.get("supervisor"):
            assert agency["supervisor"] in people
