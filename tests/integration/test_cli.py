"""The `dondoc` command: every engine command from the shell, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import CLI


@pytest.fixture
def cli(tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> CLI:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.delenv("DONDOC_TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T09:00:00+07:00")
    return CLI(capsys, monkeypatch)


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
    bad = tmp_path / "bad.yaml"
    bad.write_text("agencies:\n  - name: Thiếu mã\n", encoding="utf-8")
    result = cli("agencies", "import", str(bad))
    assert result.code == 1 and "'code' and 'name' are required" in result.err


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
    assert cli("ingest", str(notice)).out.startswith("Thông báo này đã được nhập")
    assert cli("ack", did, "--as", "Nguyễn Văn Tài").code == 0
    refused = cli("accept", did, "--as", "Nguyễn Văn Tài")
    assert refused.code == 1 and "Lỗi:" in refused.err and "ReportAccepted is not allowed" in refused.err
    assert cli("extend", did, "--as", "Nguyễn Văn Tài", "--to", "2024-06-30", "--reason", "Chờ thẩm định").code == 0
    assert cli("extend", did, "--as", "Lê Thị Thu", "--approve").code == 0
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
    ("args", "message"),
    [
        (("directive", "show", "999"), "no directive with id 999"),
        (("ack", "1", "--as", "Không Có Ai"), "no person named 'Không Có Ai'"),
        (("directives", "list", "--state", "xong"), "unknown state 'xong'"),
        (("directives", "list", "--agency", "Sở Không Tồn Tại"), "no agency 'Sở Không Tồn Tại'"),
        (("directives", "list", "--bucket", "late"), "unknown bucket 'late'"),
        (("people", "add", "Ai Đó", "--role", "boss"), "unknown role 'boss'"),
        (("agencies", "import", "/nonexistent/a.yaml"), "file not found"),
        (("extract", "/nonexistent/tb.txt"), "tb.txt: không có tệp này"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(cli: CLI, args: tuple[str, ...], message: str) -> None:
    result = cli(*args)
    assert result.code != 0
    assert message in result.err
    assert "Traceback" not in result.err + result.out
    assert len(result.err.strip().splitlines()) == 1


def test_a_date_that_does_not_exist(cli: CLI) -> None:
    people = _setup(cli)
    result = cli("extend", "1", "--as", str(people["Lê Thị Thu"]), "--to", "2024-02-30")
    assert result.code == 1 and "2024-02-30" in result.err and "Traceback" not in result.err


def test_unreachable_database(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    result = cli("stats")
    assert result.code == 2 and "cannot reach the database" in result.err
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
    assert refused.code == 1 and "no resolved lead" in refused.err
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


def test_demo_tells_the_whole_story(cli: CLI, tmp_path: Path) -> None:
    result = cli("demo", "--days", "12", "--data-dir", str(tmp_path / "demo"))
    assert result.code == 0, result.err
    out = result.out
    assert "Nhập thông báo mẫu" in out and "📌 Nhiệm vụ mới" in out  # ingested, assigned, alerted
    for event in ("Assigned", "Acknowledged", "ReportSubmitted", "ReportAccepted"):
        assert f" {event} (" in out
    assert "Kết quả sau 12 ngày" in out and "Toàn tỉnh:" in out


def test_export_to_excel_and_csv(cli: CLI, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _setup(cli)
    notice = _notice(tmp_path / "tb5.txt", 94,
                     "1. Giao Sở Tài chính rà soát dự toán, hoàn thành trước ngày 25/4/2024.\n"
                     "2. Giao Sở Tư pháp thẩm định dự thảo Quyết định, hoàn thành trong tháng 6/2024.")
    assert cli("ingest", str(notice), "--assign", "--as", "Lê Thị Thu").code == 0
    assert cli("sweep", "--now", "2024-04-26T09:00:00+07:00").code == 0
    book_path = tmp_path / "bao-cao.xlsx"
    result = cli("--now", "2024-04-26T09:00:00+07:00", "export", str(book_path))
    assert result.code == 0 and "2 nhiệm vụ" in result.out
    book = load_workbook(book_path)
    assert book.sheetnames == ["Nhiệm vụ", "Thống kê", "Lịch sử"]
    rows = list(book["Nhiệm vụ"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    by_lead = {r[header.index("Chủ trì")]: r for r in body}
    assert by_lead["Sở Tài chính"][header.index("Tình hình thực hiện")] == "Chưa hoàn thành, quá hạn"
    assert by_lead["Sở Tư pháp"][header.index("Tình hình thực hiện")] == "Chưa hoàn thành, trong hạn"
    assert by_lead["Sở Tài chính"][header.index("Thời hạn")] == "25/04/2024"
    history = [r[2] for r in book["Lịch sử"].iter_rows(min_row=2, values_only=True)]
    assert history.count("Assigned") == 2 and "DeadlinePassed" in history
    csv_path = tmp_path / "bao-cao.csv"
    assert cli("export", str(csv_path)).code == 0
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0].startswith("ID,Số thông báo,Mục")
    refused = cli("export", str(tmp_path / "bao-cao.pdf"))
    assert refused.code == 1 and ".xlsx or .csv" in refused.err
