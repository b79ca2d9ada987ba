"""Vocabulary of Vietnamese administrative writing: bodies, action verbs and the noun phrases naming them."""

from __future__ import annotations

import re

_VIET_LOWER = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệfghiìíỉĩịjklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvwxyỳýỷỹỵz"
# Vietnamese capitals for regex classes ("[À-Ỹ]" would also take the small letters that lie in that range).
UPPER = "".join(ch.upper() for ch in _VIET_LOWER)
UP = f"[{UPPER}]"

# Words that open the name of a body or a person acting for one.
_HEADS = (
    r"Sở|Ban(?!\s+hành)|Bộ(?!\s+(?:luật|tiêu chí|máy|hồ sơ|phận))|Ủy ban|Uỷ ban|UBND|Chủ tịch|Phó Chủ tịch|"
    r"Giám đốc|Phó Giám đốc|Thủ trưởng|Lãnh đạo|Văn phòng|"
    r"Chánh Văn phòng|Chánh Thanh tra|Công an|Thanh tra|Cục|Chi cục|Kho bạc|Ngân hàng|Công ty|Tổng công ty|Tập đoàn|"
    r"Trung tâm|Đài|Báo(?!\s+cáo)|Hội(?!\s+nghị)|Liên đoàn|Liên minh|Tỉnh đoàn|Đoàn|Trường(?!\s+hợp)|Bệnh viện|"
    r"Viện|Bảo hiểm|Bộ Chỉ huy|Đảng ủy|"
    r"Đảng uỷ|Huyện ủy|Huyện uỷ|Thành ủy|Tỉnh ủy|Tỉnh uỷ|Mặt trận|Hội đồng|HĐND|Thường trực|Tòa án|Toà án|"
    r"Viện kiểm sát|"
    r"BQL|Ban QLDA|Quỹ|Chi nhánh|Chính quyền|Tổ công tác|Phòng(?!,|\s+(?:chống|ngừa|cháy))|UBMTTQ|Cảnh sát|"
    r"Học viện|Đại học|Chủ đầu tư|Thủ tướng|Chính phủ|Quốc hội|"
    r"Phó Thủ tướng|Bộ trưởng|Trưởng ban|Trưởng Ban|Chỉ huy trưởng|Bí thư|Phó Bí thư|Người đứng đầu|Tổng Giám đốc|"
    r"Cơ quan|Đơn vị|Địa phương|Doanh nghiệp|Thống đốc|Tổng cục|Thứ trưởng|Chủ nhiệm|Chánh án|Viện trưởng|"
    r"Tổng Thanh tra|Kiểm toán|Thông tấn xã|Hiệp hội|Nhà đầu tư|Quân khu|Bộ Tư lệnh|Bộ đội|Khu Quản lý|Ban Chỉ đạo|"
    r"Ban chỉ đạo|Đảng bộ|Chi bộ|Cấp ủy|Cấp uỷ|Ban Thường vụ|Ban Cán sự|Ban cán sự|Nhà thầu|"
    r"(?:tỉnh|Tỉnh|thành phố|Thành phố|huyện|Huyện|xã|Xã|phường|Phường|thị xã|Thị xã)\s(?=[A-ZĐ])|"
    r"SKHĐT|STC|STP|SXD|SCT|SYT|SNV|STNMT|TNMT|SGTVT|SGDĐT|SLĐTBXH|STTTT|SKHCN"
)
_COLLECTIVE = (
    r"cấp|ngành|địa phương|cơ quan|đơn vị|sở|bộ|ban|chủ đầu tư|nhà đầu tư|doanh nghiệp|huyện|xã|phường|thị xã|"
    r"thành phố|tỉnh|tổ chức|hội|đoàn thể|trường(?!\s+hợp)|Bộ|Sở|Ban|Tập đoàn|Tổng công ty|Công ty|Ủy ban|Uỷ ban|UBND|"
    r"Chủ tịch|thủ trưởng|Thủ trưởng|đồng chí|Phó Chủ tịch|Ban Quản lý|ngành chức năng|lực lượng|chủ rừng|"
    r"tổ chức|cá nhân|hộ gia đình|Bộ trưởng|cơ sở|nhà thầu|chủ dự án|ngân hàng|tổ chức tín dụng|cơ quan truyền thông|"
    r"cơ quan báo chí|bệnh viện|Cục|cục|Vụ|đài|Đài|Báo|báo"
)
HEAD = re.compile(
    rf"(?:(?:đồng chí|Đồng chí|đ/c)\s+[A-ZĐÀ-Ỹ]|(?:(?:các|Các|mỗi|Mỗi|từng|Từng)\s+(?:{_COLLECTIVE})\b)"
    rf"|(?:thủ trưởng|lãnh đạo|người đứng đầu)\s|(?:{_HEADS})\b|đơn vị\b|Công ty\b|cấp trên\b|cấp có thẩm quyền|"
    rf"(?:cơ quan|chính quyền|lực lượng|ngành|địa phương)(?=\s|$|,))"
)
# Lower-case verbs and words that end the name of a body ("Sở Tài chính | chủ trì …").
_VERBS = (
    "chủ trì|phối hợp|tập trung|tiếp tục|khẩn trương|chỉ đạo|rà soát|báo cáo|gửi|tham mưu|nghiên cứu|tiếp thu|"
    "hoàn thiện|hoàn chỉnh|hoàn thành|xây dựng|triển khai|thực hiện|tổ chức|kiểm tra|đẩy nhanh|đẩy mạnh|theo dõi|"
    "đôn đốc|hướng dẫn|xem xét|giải quyết|xử lý|lập|trình|đề xuất|tăng cường|nâng cao|chủ động|quan tâm|cần|phải|"
    "có trách nhiệm|nêu cao|bố trí|cân đối|ưu tiên|làm việc|tổng hợp|chấp hành|thẩm định|kịp thời|sớm|nghiêm túc|"
    "cung cấp|mời|khảo sát|bảo đảm|đảm bảo|quyết liệt|huy động|chuẩn bị|phân tích|ban hành|sửa đổi|bổ sung|"
    "thống nhất|trao đổi|tuyên truyền|vận động|giám sát|duy trì|cập nhật|điều chỉnh|phê duyệt|thẩm tra|tập huấn|"
    "ký|kiểm soát|nắm|bám sát|thúc đẩy|tháo gỡ|khắc phục|tiếp nhận|nhanh chóng|chịu trách nhiệm|căn cứ|quyết định|"
    "tiến hành|thông báo|công bố|trả lời|giao|chỉ định|thu hồi|nghiêm|dừng|tạm dừng|bàn giao|vận hành|đánh giá|"
    "phân bổ|cho ý kiến|hỗ trợ|xác định|lựa chọn|bồi thường|cưỡng chế|điều tra|thanh toán|giải ngân|cấp phép|"
    "kêu gọi|sơ tán|ứng phó|khôi phục"
)
_STOP_WORDS = (
    "để|theo|trước|trong|tại|khi|nhằm|ngoài|trên cơ sở|đến nay|đến|cho|kết quả|nội dung|việc|tình hình|nếu|"
    "trường hợp|bằng|ngay|từ|thì|mà|nhưng|do|đã|được|đang|chưa|sẽ|là|về|với|thảo luận|nhất trí|thông qua|ghi nhận|"
    r"kết luận|có ý kiến|nhận được|gồm|có(?!\s+thẩm\s+quyền)|biết|làm cơ sở|làm rõ|hồ sơ|dự thảo|văn bản|ý kiến|"
    r"kế hoạch|phương án|"
    # time words end a recipient's name: "báo cáo UBND tỉnh chậm nhất ngày …", "… vào chiều thứ Sáu hằng tuần"
    r"chậm nhất|vào|hằng|định kỳ|"
    # words that hand work on end the name of who hands it: "Bộ Xây dựng | yêu cầu các cơ quan"
    r"yêu cầu|đề nghị|phân công|ủy quyền|uỷ quyền|"
    # a time ends a recipient's name: "báo cáo Bộ Xây dựng | 16 giờ ngày 30/12"
    r"\d{1,2}\s*giờ|\d{1,2}h(?:\d{2})?"
)
_STOP = re.compile(rf"(?<![\w/])(?:{_VERBS}|{_STOP_WORDS})(?![\w])")
_VERB_ONLY = re.compile(rf"(?<![\w/])(?:{_VERBS})(?![\w])")
# A verb word that is really the second half of a noun ("công trình", "thành lập", "các tổ chức").
_NOUN_PAIRS = {
    "trình": ("công", "chương", "quá", "tờ", "lộ", "tiến", "quy"),
    "lập": ("thành", "thiết", "độc", "xác"),
    "xây dựng": ("Sở", "Bộ", "tư", "ĐTXD", "tầng"),
    "chỉ đạo": ("Ban", "ban"),
    "tổ chức": ("là", "cá nhân,"),
    "phối hợp": ("Ban", "Hội đồng"),
    "giám sát": ("Ban", "Đoàn"),
    "tổng hợp": ("vụ", "Phòng"),
    "kiểm tra": ("Đoàn",),
    "ký": ("đăng",),
    "báo cáo": ("Tờ", "tờ"),
}
_ANY_NOUN_BEFORE = ("các", "những", "mọi")
# …or the first half of one ("cần thiết", "giao thông", "tổ chức chính trị").
_NOUN_AFTER = {"cần": ("thiết",), "giao": ("thông", "dịch", "lưu", "đất"), "tổ chức": ("chính", "xã", "đoàn")}
ACTION_START = re.compile(
    rf"^(?:{_VERBS}|nghiêm chỉnh|định kỳ|hằng|hàng|thường xuyên|chú trọng|phấn đấu|quán triệt|tích cực|lưu ý|"
    rf"hoàn thành|xác định|rà soát|làm rõ|kiên quyết|nghiêm cấm|không để|tiếp tục|tăng cường|chấn chỉnh|"
    rf"bảo đảm|đảm bảo|phát huy|đề nghị|yêu cầu)\b",
    re.I,
)
NON_DIRECTIVE_VERB = re.compile(
    r"^(?:thảo luận|nhất trí|thông qua|thông báo|ghi nhận|đánh giá|kết luận|có ý kiến|đã|được|đang|là|nhận được|"
    r"dự|gồm|có|cho biết|báo cáo tại|trình bày|tổ chức (?:phiên|cuộc) họp|chủ trì (?:phiên|cuộc) họp|biểu quyết)\b"
)


def next_stop(text: str, start: int = 0) -> re.Match[str] | None:
    """The first verb or function word at or after `start` that is not part of a noun."""
    pos = start
    while True:
        m = _STOP.search(text, pos)
        if m is None:
            return None
        following = re.match(r"\s*(\w+)", text[m.end():m.end() + 12])
        noun_after = bool(following) and following.group(1) in _NOUN_AFTER.get(m.group(0), ())
        if not (noun_before(text, m.start(), m.group(0)) or noun_after):
            return m
        pos = m.end()


def noun_before(text: str, start: int, verb: str) -> bool:
    """True when the word before `verb` makes it part of a noun ("công trình", "các tổ chức")."""
    words = text[max(0, start - 12):start].split()
    if not words or not text[start - 1:start].isspace():
        return False
    return words[-1].lower() in _ANY_NOUN_BEFORE or words[-1] in _NOUN_PAIRS.get(verb, ())


_HARD_STOP = re.compile(r"[.:()\[\]“”\"]|;(?!\s*(?:các\s+|Các\s+)?(?:" + _HEADS + r"))|\s[-–]\s(?=[a-zđà-ỹ])")
# "các Bộ: Quốc phòng, Công an", "các tỉnh, thành phố: Đà Nẵng, Huế": a colon that lists the names.
_LIST_HEAD = re.compile(
    r"\b[Cc]ác\s+(?P<head>Bộ|bộ|Sở|sở|Cục|cục|Tổng cục|Vụ|Ban|tỉnh|Tỉnh|thành phố|huyện|quận|xã|phường|Tập đoàn|"
    r"Tổng công ty|Đài|Báo|Ủy ban|Uỷ ban)(?:\s*,\s*(?:thành phố|thị xã|quận|phường|ngành|cơ quan)[^,:;]{0,30})*\s*$")


def noun_phrase(text: str, start: int = 0, *, lists: bool = True) -> tuple[str, int]:
    """The name of a body (or list of bodies) starting at `start`, and where it ends."""
    stop = next_stop(text, start)
    end = stop.start() if stop else len(text)
    h = _HARD_STOP.search(text, start, end)
    while h and h.group(0) == ":" and _LIST_HEAD.search(text, max(start, h.start() - 80), h.start()) and \
            text[h.end():h.end() + 2].strip()[:1].isupper():
        h = _HARD_STOP.search(text, h.end(), end)  # "Giao các Bộ: Xây dựng, Tài chính …" names two ministries
    if h:
        end = h.start()
    phrase = text[start:end]
    if not lists:  # the first body only; "Sở Nông nghiệp và Môi trường" is one name, "Sở A và Sở B" two
        phrase = split_bodies(phrase)[0] if phrase.strip() else phrase
    liên_quan = re.search(r"liên quan\b", phrase)
    if liên_quan:
        phrase = phrase[:liên_quan.end()]
    phrase = phrase.rstrip(" ,;-–")
    if len(phrase) > 300:
        phrase = phrase[:300].rsplit(" ", 1)[0]
    return phrase, start + len(phrase)


def bodies(phrase: str) -> list[str]:
    """One entry per body, shared-prefix lists expanded: "Bộ trưởng các Bộ: Quốc phòng, Công an" → two ministers."""
    out: list[str] = []
    for group in re.split(r"\s*;\s*", phrase):
        colon = group.find(":")
        listed = _LIST_HEAD.search(group, 0, colon) if colon > 0 else None
        if listed is None:
            out.extend(split_bodies(group) if group.strip() else [])
            continue
        head = listed.group("head")
        if head not in ("tỉnh", "thành phố", "huyện", "quận", "xã", "phường"):
            head = head[:1].upper() + head[1:]
        prefix = group[:listed.start()]
        out.extend(f"{prefix}{head} {name}".strip() for name in split_list(group[colon + 1:].strip(" .")) if name)
    return out


def names_body(text: str) -> bool:
    """True when a whole line only names a body ("Ủy ban nhân dân các xã có cụm công nghiệp"): a lead heading."""
    text = text.strip()
    if not is_body(text) or len(text) > 150:
        return False
    return all(noun_before(text, m.start(), m.group(0)) for m in _VERB_ONLY.finditer(text))


def has_verb(text: str) -> bool:
    """True when the text holds a verb of the vocabulary that is not half of a noun ("công trình")."""
    return any(not noun_before(text, m.start(), m.group(0)) for m in _VERB_ONLY.finditer(text))


def is_body(phrase: str) -> bool:
    """True when a phrase opens like the name of a body or a person acting for one."""
    return bool(phrase) and HEAD.match(phrase) is not None


_COMPOUND_NAMES = re.compile(
    r"(?:kế hoạch|tài nguyên|nông nghiệp|giáo dục|thông tin|khoa học|thương binh|thể thao|văn hóa|văn hoá|y tế)"
    r"\s+và\s+\w", re.I)


def split_list(names: str) -> list[str]:
    """'Tài chính, Kế hoạch và Đầu tư và Xây dựng' → names, keeping 'X và Y' ministry names whole."""
    out: list[str] = []
    for part in re.split(r"\s*,\s*", names):
        if out and re.fullmatch(r"Văn h(?:oá|óa|oa)", out[-1], re.I) and part.lower().startswith("thể thao"):
            out[-1] = f"{out[-1]}, {part}"
            continue
        pieces = re.split(r"\s+và\s+", part)
        merged: list[str] = []
        for piece in pieces:
            if merged and _COMPOUND_NAMES.fullmatch(merged[-1].split(" và ")[-1] + " và " + piece[:1]):
                merged[-1] = f"{merged[-1]} và {piece}"
            else:
                merged.append(piece)
        out.extend(p for p in merged if p)
    return out


# A bare class noun after "các X," shares its "các": "các cơ quan, đơn vị có liên quan" is one collective.
_BARE_CLASS = re.compile(r"^(?:đơn vị|cơ quan|địa phương|ngành|sở|ban|tổ chức|cá nhân|doanh nghiệp|lực lượng|"
                         r"phường|xã|thị xã|thành phố|huyện|quận|đặc khu)(?:\s+(?:có\s+)?liên quan|\s+trực thuộc)?$")


def split_bodies(phrase: str) -> list[str]:
    """'A, B và các đơn vị liên quan' → one entry per body; 'UBND các xã, phường' stays whole."""
    pieces = re.split(r"(\s*(?:,|;|\svà\s)\s*)", phrase)
    out: list[str] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i]
        if not part:
            continue
        if out and (not is_body(part) or (_BARE_CLASS.match(part) and re.search(r"\b[Cc]ác\s", out[-1]))):
            out[-1] = f"{out[-1]}{pieces[i - 1]}{part}"
        else:
            out.append(part)
    return out


# Words that hand work to the body named next ("Giao Sở X …", "Đề nghị Bộ Y …").
TRIGGER_WORDS = r"(?:đồng ý giao|thống nhất giao|giao cho|giao|yêu cầu|đề nghị|ủy quyền|uỷ quyền|phân công)"
TRIGGER_START = re.compile(rf"^{TRIGGER_WORDS}\s+(?:cho\s+)?", re.I)
