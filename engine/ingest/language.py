"""Vocabulary of Vietnamese administrative writing: bodies, action verbs and the noun phrases naming them."""

from __future__ import annotations

import re

# Words that open the name of a body or a person acting for one.
_HEADS = (
    r"Sở|Ban(?!\s+hành)|Bộ(?!\s+(?:luật|tiêu chí|máy|hồ sơ|phận))|Ủy ban|Uỷ ban|UBND|Chủ tịch|Phó Chủ tịch|Giám đốc|Phó Giám đốc|Thủ trưởng|Lãnh đạo|Văn phòng|"
    r"Chánh Văn phòng|Chánh Thanh tra|Công an|Thanh tra|Cục|Chi cục|Kho bạc|Ngân hàng|Công ty|Tổng công ty|Tập đoàn|"
    r"Trung tâm|Đài|Báo(?!\s+cáo)|Hội(?!\s+nghị)|Liên đoàn|Liên minh|Tỉnh đoàn|Đoàn|Trường(?!\s+hợp)|Bệnh viện|Viện|Bảo hiểm|Bộ Chỉ huy|Đảng ủy|"
    r"Đảng uỷ|Huyện ủy|Huyện uỷ|Thành ủy|Tỉnh ủy|Tỉnh uỷ|Mặt trận|Hội đồng|HĐND|Thường trực|Tòa án|Toà án|Viện kiểm sát|"
    r"BQL|Ban QLDA|Quỹ|Chi nhánh|Chính quyền|Tổ công tác|Phòng(?!,|\s+(?:chống|ngừa|cháy))|UBMTTQ|Cảnh sát|Học viện|Đại học|Chủ đầu tư|Thủ tướng|"
    r"Phó Thủ tướng|Bộ trưởng|Trưởng ban|Trưởng Ban|Chỉ huy trưởng|Bí thư|Phó Bí thư|Người đứng đầu|Tổng Giám đốc|"
    r"Cơ quan|Đơn vị|Địa phương|Doanh nghiệp|SKHĐT|STC|STP|SXD|SCT|SYT|SNV|STNMT|TNMT|SGTVT|SGDĐT|SLĐTBXH|STTTT|SKHCN"
)
_COLLECTIVE = (
    r"cấp|ngành|địa phương|cơ quan|đơn vị|sở|bộ|ban|chủ đầu tư|nhà đầu tư|doanh nghiệp|huyện|xã|phường|thị xã|"
    r"thành phố|tỉnh|tổ chức|hội|đoàn thể|trường|Bộ|Sở|Ban|Tập đoàn|Tổng công ty|Công ty|Ủy ban|Uỷ ban|UBND|"
    r"Chủ tịch|thủ trưởng|Thủ trưởng|đồng chí|Phó Chủ tịch|Ban Quản lý|ngành chức năng|lực lượng"
)
HEAD = re.compile(
    rf"(?:(?:đồng chí|Đồng chí|đ/c)\s+[A-ZĐÀ-Ỹ]|(?:(?:các|Các|mỗi|Mỗi|từng|Từng)\s+(?:{_COLLECTIVE})\b)"
    rf"|(?:thủ trưởng|lãnh đạo|người đứng đầu)\s|(?:{_HEADS})\b|đơn vị\b|Công ty\b|cấp trên\b|cấp có thẩm quyền)"
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
    "tiến hành|thông báo|công bố|trả lời|giao|chỉ định|thu hồi|nghiêm|dừng|tạm dừng|bàn giao|vận hành|đánh giá"
)
_STOP_WORDS = (
    "để|theo|trước|trong|tại|khi|nhằm|ngoài|trên cơ sở|đến nay|đến|cho|kết quả|nội dung|việc|tình hình|nếu|"
    "trường hợp|bằng|ngay|từ|thì|mà|nhưng|do|đã|được|đang|chưa|sẽ|là|về|với|thảo luận|nhất trí|thông qua|ghi nhận|"
    "kết luận|có ý kiến|nhận được|gồm|có(?!\s+thẩm\s+quyền)|biết|làm cơ sở|làm rõ|hồ sơ|dự thảo|văn bản|ý kiến|kế hoạch|phương án"
)
_STOP = re.compile(rf"(?<![\w/])(?:{_VERBS}|{_STOP_WORDS})(?![\w])")
# A verb word that is really the second half of a noun ("công trình", "thành lập", "các tổ chức").
_NOUN_BEFORE = re.compile(
    r"(?:công|chương|quá|tờ|lộ|tiến|quy|thành|thiết|độc|xác|các|những|mọi|Sở|Bộ|tư|ĐTXD|vụ|Đoàn|cơ|Thanh|phòng|"
    r"dự|đầu|chủ|nhà|tác|đăng)\s$"
)
_VERB_NOUN_AFTER = re.compile(r"^(?:thiết|chức\s+chính|tổng\s+hợp|thông\b|dịch\b|lưu\b)")
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
        before = text[max(0, m.start() - 12):m.start()]
        if not (_NOUN_BEFORE.search(before) or _VERB_NOUN_AFTER.match(text[m.end():].lstrip())):
            return m
        pos = m.end()


def noun_phrase(text: str, start: int = 0, *, lists: bool = True) -> tuple[str, int]:
    """The name of a body (or list of bodies) starting at `start`, and where it ends."""
    stop = next_stop(text, start)
    end = stop.start() if stop else len(text)
    hard = re.compile(r"[.:()\[\]“”\"]|;(?!\s*(?:các\s+|Các\s+)?(?:" + _HEADS + r"))|\s[-–]\s(?=[a-zđà-ỹ])")
    h = hard.search(text, start, end)
    if h:
        end = h.start()
    phrase = text[start:end]
    if not lists:
        phrase = re.split(r",|\svà\s", phrase)[0]
    liên_quan = re.search(r"liên quan\b", phrase)
    if liên_quan:
        phrase = phrase[:liên_quan.end()]
    phrase = phrase.rstrip(" ,;-–")
    if len(phrase) > 300:
        phrase = phrase[:300].rsplit(" ", 1)[0]
    return phrase, start + len(phrase)


def is_body(phrase: str) -> bool:
    """True when a phrase opens like the name of a body or a person acting for one."""
    return bool(phrase) and HEAD.match(phrase) is not None


def split_bodies(phrase: str) -> list[str]:
    """'A, B và các đơn vị liên quan' → one entry per body; 'UBND các xã, phường' stays whole."""
    pieces = re.split(r"(\s*(?:,|;|\svà\s)\s*)", phrase)
    out: list[str] = []
    for i in range(0, len(pieces), 2):
        part = pieces[i]
        if not part:
            continue
        if out and not is_body(part):
            out[-1] = f"{out[-1]}{pieces[i - 1]}{part}"
        else:
            out.append(part)
    return out
