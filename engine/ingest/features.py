"""Features of clauses (for the directive classifier) and of their tokens (for the addressee tagger).

Word lists here are features the models weigh, never gates: a clause outside every list is still scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.ingest.language import (
    ACTION_START,
    HEAD,
    NON_DIRECTIVE_VERB,
    TRIGGER_START,
    TRIGGER_WORDS,
    has_verb,
    is_body,
    noun_phrase,
)
from engine.ingest.lexicon import Lexicon, tag_words
from engine.ingest.segments import Clause

# Only the opening of a long clause is read: features and tags stay linear in the input.
MAX_CLAUSE = 600
_TOKEN = re.compile(r"\w+(?:[/&.\-]\w+)*|[^\w\s]")
_INTRO = re.compile(
    r"^(?:Về|Đối với|Để|Nhằm|Trên cơ sở|Căn cứ|Sau khi|Trường hợp|Trong (?:thời gian|quá trình)|Trước mắt|"
    r"Đồng thời|Bên cạnh đó|Ngoài ra|Theo đó|Riêng|Từ nay|Khi|Định kỳ|Hằng|Hàng|Trước ngày|Chậm nhất|Trong tháng|"
    r"Trong quý|Trong năm|Thứ \w+|Một là|Hai là|Ba là)\b[^;:]{0,160}?[,:]\s+", re.I)
_TRIGGER_ANY = re.compile(rf"(?<!\w){TRIGGER_WORDS}\s+(?:cho\s+)?(?=\S)", re.I)
_AUTHORITY = re.compile(
    r"^(?:(?:Phó )?Thủ tướng(?: Chính phủ)?(?: [A-ZĐ]\w+(?: \w+){0,3})?|Chính phủ|"
    r"(?:Phó )?Chủ tịch(?: UBND| Ủy ban nhân dân| Uỷ ban nhân dân)?"
    r"(?: tỉnh| thành phố)?(?: [A-ZĐ][\w ]{0,25})?|UBND tỉnh|Ủy ban nhân dân tỉnh|Uỷ ban nhân dân tỉnh|"
    r"Ủy ban nhân dân thành phố|UBND thành phố)$"
)
# Feature word classes (what the issue calls modal, urgency and evaluative words, and a few more).
_CLASSES: dict[str, re.Pattern[str]] = {name: re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) for name, words in {
    "modal": r"cần|phải|có trách nhiệm|chịu trách nhiệm|yêu cầu|đề nghị|giao",
    "urgent": r"khẩn trương|kịp thời|ngay|sớm|nhanh chóng|quyết liệt|tập trung|tăng cường|chủ động|tiếp tục|"
              r"nghiêm túc|thường xuyên|dứt điểm",
    "evaluative": r"đánh giá cao|ghi nhận|biểu dương|hoan nghênh|nhất trí|thông qua|đồng ý|thống nhất|"
                  r"khen|chia buồn|thăm hỏi|cảm ơn",
    "narrative": r"đã|đang|vừa qua|đạt|tăng|giảm|so với|cùng kỳ|ước|xảy ra|gây|thiệt hại|được",
    "future": r"sẽ|dự kiến",
    "report": r"báo cáo|trình|gửi|tham mưu|đề xuất",
    "deadline": r"trước ngày|chậm nhất|trong tháng|trong quý|trong năm|hoàn thành trong|hoàn thành trước|hằng tháng|"
                r"hằng quý|định kỳ",
    "closing": r"thông báo để|biết,? thực hiện|biết và thực hiện|trân trọng|trên đây là|thông báo đến|xin thông báo",
    "citation": r"theo quy định tại|tại văn bản|tại Tờ trình|tại Công văn|Luật|Nghị định số|Quyết định số|Tờ trình số",
    "plan": r"theo hướng|bao gồm|gồm các|như sau",
    "cooperate": r"phối hợp|chủ trì",
    "number": r"\d+(?:[.,]\d+)*\s*(?:%|tỷ|triệu|ha|km|người|hộ|nhà)",
}.items()}
_SECTION = re.compile(
    r"đánh giá|kết quả|tình hình|nhiệm vụ|giải pháp|kiến nghị|đề xuất|tổ chức thực hiện|ý kiến|kết luận|"
    r"chỉ đạo|phân công|trách nhiệm|hạn chế|tồn tại", re.I)


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """Word and punctuation tokens of (the opening of) a clause, with their offsets."""
    return tuple((m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text[:MAX_CLAUSE]))


@dataclass(frozen=True)
class Subject:
    """The body a clause opens with, read by rules: a feature for the models and a fallback lead."""

    start: int
    end: int
    # "subject" (then a verb of the vocabulary), "subject?" (then some other word), "whole", "topic" ("Đối với X:"),
    # "trigger", "speaker" ("Thủ tướng yêu cầu X"), "intro" (after "Để …,"), "comma" (after any comma)
    how: str


_NARRATIVE = re.compile(r"(?<!\w)(?:nhất trí|thông qua|ghi nhận|kết luận|đã|được|đang|sẽ|thảo luận|có ý kiến|"
                        r"đánh giá|biểu quyết|cho biết|trình bày|thông báo)(?!\w)", re.I)
_TOPIC_BODY = re.compile(r"^(?:Đối với|Riêng|Với|Giao cho|Nhiệm vụ của|Trách nhiệm của)\s+", re.I)
_MODAL_SOON = re.compile(r"^[^.;:]{0,120}?(?<!\w)(?:cần|phải|có trách nhiệm|chịu trách nhiệm)(?!\w)", re.I)
_SPEAKER_TRIGGER = re.compile(rf"\s*(?:đã\s+|có văn bản\s+|có ý kiến\s+)?{TRIGGER_WORDS}\s+(?:cho\s+)?", re.I)


@lru_cache(maxsize=4096)
def subject(text: str) -> Subject | None:
    """Who the clause names as acting: "Sở X …", "Giao Sở X …", "Để …, Sở X …", "Thủ tướng yêu cầu Sở X …"."""
    text = text[:MAX_CLAUSE]
    topic = _TOPIC_BODY.match(text)
    if topic and is_body(text[topic.end():]):  # "Đối với UBND thị xã X, UBND thành phố Y:"
        lead, end = noun_phrase(text, topic.end())
        if lead.strip():
            return Subject(topic.end(), end, "topic")
    if is_body(text) and len(text) < 200 and not has_verb(text) and not _NARRATIVE.search(text) and not (
        text.endswith(":")
    ):
        return Subject(0, len(text.rstrip(" .;")), "whole")  # a heading that only names a body
    intro = _INTRO.match(text)
    starts = {m.end(): "comma" for m in re.finditer(r",\s+", text)}
    if intro:
        starts[intro.end()] = "intro"
    starts[0] = "subject"
    for at, how in sorted(starts.items()):
        rest = text[at:]
        trig = TRIGGER_START.match(rest)
        if trig:
            lead, end = noun_phrase(rest, trig.end())
            if is_body(lead.strip()):
                return Subject(at + trig.end(), at + end, "trigger")
            continue
        if not is_body(rest):
            continue
        lead, end = noun_phrase(rest, 0)
        if not lead.strip():
            continue
        after = rest[end:]
        spoken = _SPEAKER_TRIGGER.match(after)
        if spoken:  # "Sở Công Thương yêu cầu đơn vị nêu trên …": the body after the verb is told to act
            lead2, end2 = noun_phrase(after, spoken.end())
            if is_body(lead2.strip()):
                return Subject(at + end + spoken.end(), at + end + end2, "speaker")
            continue  # "Thủ tướng Chính phủ yêu cầu:" names who speaks, not who acts
        if is_authority(lead):
            continue
        acts = bool(ACTION_START.match(after.lstrip(" ,")) or _MODAL_SOON.match(after))
        if at == 0:
            return Subject(0, end, "subject" if acts or not after.strip(" .;:") else "subject?")
        if acts:
            return Subject(at, at + end, how)
    for m in _TRIGGER_ANY.finditer(text):
        speaker = re.sub(r"^.*,\s*", "", text[:m.start()].strip(" ,"))
        if not speaker or _AUTHORITY.match(speaker) or speaker.lower() in ("đồng thời", "và"):
            lead, end = noun_phrase(text, m.end())
            if is_body(lead.strip()):
                return Subject(m.end(), end, "speaker")
    return None


def pos_tags(words: list[str], lexicon: Lexicon) -> list[str]:
    """Part-of-speech tags of lower-case words, from the lexicon taken from underthesea's POS model."""
    return ["M" if w.isdigit() else t for w, t in zip(words, tag_words(words, lexicon), strict=True)]


def is_authority(text: str) -> bool:
    """The issuer or the leader speaking ("Thủ tướng Chính phủ", "UBND tỉnh"), who gives orders."""
    return bool(_AUTHORITY.match(text.strip()))


def _words(text: str, n: int) -> list[str]:
    out = []
    for t, _, _ in tokens(text[:200]):
        if t[0].isalnum():
            out.append(t.lower())
            if len(out) == n:
                break
    return out


def clause_features(clause: Clause, clauses: list[Clause], first_item_block: int | None,
                    last_item_block: int | None, role: str, lexicon: Lexicon) -> dict[str, float]:
    """What the directive classifier sees of one clause."""
    text = clause.text[:MAX_CLAUSE]
    f: dict[str, float] = {"bias": 1.0}
    words = _words(text, 3)
    if words:
        f[f"w1={words[0]}"] = 1
        f[f"w12={' '.join(words[:2])}"] = 1
    subj = subject(text)
    rest = text
    if subj is not None:
        f[f"subj={'subject' if subj.how == 'intro' else subj.how}"] = 1  # "Để …, Bộ X làm Y" is Bộ X's work too
        lead = text[subj.start:subj.end]
        head = _words(lead, 1)
        if head:
            f[f"subj_head={head[0]}"] = 1
        if is_authority(lead):
            f["subj_authority"] = 1
        if lead.lower().startswith(("các ", "mỗi ", "từng ")):
            f["subj_collective"] = 1
        rest = text[subj.end:]
    else:
        f["no_subj"] = 1
        if TRIGGER_START.match(text):
            f["trigger_no_body"] = 1
    rest = rest.lstrip(" ,:;-–")
    pred = _words(rest, 2)
    tags = pos_tags(_words(rest, 4), lexicon)
    if tags:
        f[f"pos1={tags[0]}"] = 1
        f[f"pos12={'|'.join(tags[:2])}"] = 1
    if pred:
        f[f"p1={pred[0]}"] = 1
        f[f"p12={' '.join(pred)}"] = 1
    if ACTION_START.match(rest):
        f["p_action"] = 1
    elif subj is not None and any(ACTION_START.match(part.lstrip()) for part in rest[:MAX_CLAUSE].split(",")[1:6]):
        f["p_action_later"] = 1  # "Bộ X, theo chức năng, nhiệm vụ được giao, khẩn trương …"
    if NON_DIRECTIVE_VERB.match(rest[:1].lower() + rest[1:]):
        f["p_nondirective"] = 1
    if _TRIGGER_ANY.search(text):
        f["has_trigger"] = 1
    for name, pattern in _CLASSES.items():
        if pattern.search(text):
            f[f"has_{name}"] = 1
    if clause.end == ":":
        f["end_colon"] = 1
        if re.search(r"(?:sau|như sau|cụ thể|gồm)\s*:?$", text):
            f["leadin_sau"] = 1
    if text.rstrip().endswith("./."):
        f["end_final"] = 1
    n = len(text.split())
    f[f"len={'<4' if n < 4 else '<10' if n < 10 else '<25' if n < 25 else '<50' if n < 50 else '50+'}"] = 1
    block = clause.block
    f[f"kind={role}"] = 1
    f[f"family={_FAMILY.get(role, role)}"] = 1
    # One conjunction the linear model cannot form itself: what opens the clause, in what kind of block.
    who = "none" if subj is None else "trigger" if subj.how in ("trigger", "speaker") else "body"
    verb = "action" if f.get("p_action") else "verb" if tags and tags[0] == "V" else "other"
    f[f"shape={_FAMILY.get(role, role) if clause.first_in_block else 'inner'}|{who}|{verb}"] = 1
    if re.search(r"\((?:[^()]*\b(?:Tờ trình|Báo cáo|Công văn|văn bản)\b[^()]*)\)\s*$", text):
        f["ends_citation"] = 1
    if clause.first_in_block:
        f["first_in_block"] = 1
    elif clause.first_in_sentence:
        f["first_in_sentence"] = 1
    else:
        f["mid_sentence"] = 1
    if block.heading:
        f["heading"] = 1
    if text.isupper():
        f["upper"] = 1
    f[f"depth={min(block.depth, 3)}"] = 1
    if first_item_block is None or clause.block_index < first_item_block:
        f["preamble"] = 1
    elif last_item_block is not None and clause.block_index > last_item_block and role == "para":
        f["after_items"] = 1
    if clause.frame:
        f["framed"] = 1
        inner = clauses[clause.frame[-1]]
        inner_subj = subject(inner.text)
        if inner_subj is not None and not is_authority(inner.text[inner_subj.start:inner_subj.end]):
            f["frame_names_body"] = 1
        if inner.end == ":":
            f["frame_colon"] = 1
        if _TRIGGER_ANY.search(inner.text[:MAX_CLAUSE]):
            f["frame_trigger"] = 1
        if inner.block.heading:
            f["frame_heading"] = 1
        if re.search(r"theo hướng|như sau|gồm|bao gồm", inner.text[-60:]):
            f["frame_content"] = 1
        tail = _words(inner.text[-40:], 8)[-2:]
        if tail:
            f[f"frame_end={' '.join(tail)}"] = 1
        for i in clause.frame:
            outer = clauses[i]
            if outer.block.heading or outer.text.isupper():
                for m in _SECTION.finditer(outer.text[:120].lower()):
                    f[f"sec={m.group(0)}"] = 1
    return f


# Marker kinds by family: which style a document numbers with says little about what its items are.
_FAMILY = {"arabic": "numbered", "decimal": "numbered", "roman": "section", "alpha": "section", "article": "numbered",
           "letter": "lettered", "paren": "lettered", "pletter": "lettered", "proman": "lettered",
           "lroman": "lettered", "dash": "bullet", "plus": "bullet", "ordinal": "bullet"}


def block_roles(clauses: list[Clause]) -> dict[int, str]:
    """Each block's kind of marker, "item_body" for the paragraph right under a titled item, else "para"/"text"."""
    roles: dict[int, str] = {}
    for c in clauses:
        if c.block_index in roles:
            continue
        block = c.block
        if block.kind is not None:
            roles[c.block_index] = block.kind
        elif c.index and clauses[c.index - 1].block.heading and clauses[c.index - 1].ref == c.ref:
            roles[c.block_index] = "item_body"  # "4. Công an tỉnh" ↵ "Chỉ đạo các đơn vị …"
        else:
            roles[c.block_index] = "para" if block.new_paragraph else "text"
    return roles


Names = frozenset[tuple[str, ...]]


def name_tokens(name: str) -> tuple[str, ...]:
    """An agency name as the tagger's lower-case tokens ("Sở Tài chính" → ("sở", "tài", "chính"))."""
    return tuple(t.lower() for t, _, _ in tokens(name))


def _directory_marks(lows: list[str], names: Names) -> dict[int, str]:
    """B/I for tokens inside a name of the agency directory (longest name first)."""
    marks: dict[int, str] = {}
    i = 0
    while i < len(lows):
        for size in range(min(10, len(lows) - i), 1, -1):
            if tuple(lows[i:i + size]) in names:
                marks[i] = "B"
                marks.update((k, "I") for k in range(i + 1, i + size))
                i += size
                break
        else:
            i += 1
    return marks


def token_features(text: str, toks: tuple[tuple[str, int, int], ...] | list[tuple[str, int, int]],
                   lexicon: Lexicon, names: Names = frozenset()) -> list[dict[str, float | str]]:
    """What the addressee tagger sees of each token of a clause: words, shapes, tags, rule and directory marks."""
    subj = subject(text)
    heads = {m.start() for m in HEAD.finditer(text[:MAX_CLAUSE])}
    verbs = {m.start() for m in re.finditer(r"(?<!\w)\w", text[:MAX_CLAUSE]) if ACTION_START.match(text, m.start())}
    triggers = {m.end() for m in _TRIGGER_ANY.finditer(text[:MAX_CLAUSE])}
    lows = [t.lower() for t, _, _ in toks]
    words = [i for i, w in enumerate(lows) if w[:1].isalnum()]
    tags = dict(zip(words, pos_tags([lows[i] for i in words], lexicon), strict=True))
    in_directory = _directory_marks(lows, names) if names else {}
    out: list[dict[str, float | str]] = []
    seen_trigger = seen_verb = False
    for i, (tok, start, _end) in enumerate(toks):
        w = lows[i]
        feats: dict[str, float | str] = {
            "bias": 1.0, "w": w, "shape": _shape(tok), "pos": str(min(i, 6)),
            "w-1": lows[i - 1] if i else "<s>", "w+1": lows[i + 1] if i + 1 < len(toks) else "</s>",
            "w-2": lows[i - 2] if i > 1 else "<s>", "w+2": lows[i + 2] if i + 2 < len(toks) else "</s>",
        }
        feats["t"] = tags.get(i, "punct")
        feats["t+1"] = tags.get(i + 1, "punct")
        feats["t-1|t"] = f"{tags.get(i - 1, 'punct')}|{feats['t']}"
        feats["w-1|w"] = f"{feats['w-1']}|{w}"
        feats["w|w+1"] = f"{w}|{feats['w+1']}"
        if start in heads:
            feats["head"] = 1.0
        if i in in_directory:
            feats["directory"] = in_directory[i]
        if start in verbs:
            feats["verb"] = 1.0
            seen_verb = True
        if start in triggers:
            feats["after_trigger_word"] = 1.0
            seen_trigger = True
        if seen_trigger:
            feats["trigger_before"] = 1.0
        if seen_verb:
            feats["verb_before"] = 1.0
        if subj is not None:
            if start == subj.start:
                feats["rule"] = f"B-{subj.how}"
            elif subj.start < start < subj.end:
                feats["rule"] = f"I-{subj.how}"
            elif start >= subj.end and (i == 0 or toks[i - 1][1] < subj.end):
                feats["rule"] = "after"
        if i and toks[i - 1][0] in ",;:":
            feats["after_punct"] = toks[i - 1][0]
        out.append(feats)
    return out


def _shape(tok: str) -> str:
    if not tok[0].isalnum():
        return tok if tok in ",;:.-–()" else "punct"
    if tok.isdigit():
        return "digit"
    if tok.isupper() and len(tok) > 1:
        return "UPPER"
    return "Title" if tok[0].isupper() else "lower"


def document_features(clauses: list[Clause], lexicon: Lexicon) -> list[dict[str, float]]:
    """Classifier features of every clause of a document."""
    items = [c.block_index for c in clauses if c.block.kind is not None]
    first, last = (items[0], max(items)) if items else (None, None)
    framing = {i for c in clauses for i in c.frame}
    roles = block_roles(clauses)
    out = []
    for c in clauses:
        f = clause_features(c, clauses, first, last, roles[c.block_index], lexicon)
        if c.index in framing:
            f["frames_items"] = 1  # the items below inherit from it: a lead-in, perhaps with work of its own
            f[f"frames_content={_content_bucket(c.text)}"] = 1
        out.append(f)
    return out


_QUALIFIER = re.compile(
    r"theo chức năng,? nhiệm vụ(?:,? (?:quyền hạn|thẩm quyền))?(?: được giao)?|trong phạm vi [^,;:]{0,40}|"
    r"(?:chủ trì,? )?phối hợp(?: chặt chẽ)?(?: với)?[^;:]{0,120}?(?=\s(?:tổ chức|thực hiện|triển khai|rà soát)|[:;]|$)|"
    r"(?:thực hiện|triển khai|tập trung|khẩn trương|quyết liệt|nghiêm túc|hiệu quả|đồng bộ|một số|các|những|"
    r"nhiệm vụ|nội dung|giải pháp|công việc|trọng tâm|cụ thể|chủ yếu|sau|như sau|trong đó|và|,)(?!\w)", re.I)


def _content_bucket(text: str) -> str:
    """How much work a lead-in names besides introducing its items: none, some, much."""
    subj = subject(text)
    rest = text[subj.end:] if subj else text
    words = [w for w in _QUALIFIER.sub(" ", rest[:MAX_CLAUSE]).split() if w[:1].isalpha()]
    return "none" if len(words) < 3 else "some" if len(words) < 12 else "much"


def clear_caches() -> None:
    """Forget memoised readings (benchmarks measure extraction from cold)."""
    tokens.cache_clear()
    subject.cache_clear()
