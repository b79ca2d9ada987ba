"""`dondoc web login-link PERSON` prints a link the web app accepts once."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from config.settings import Settings
from dondoc.bootstrap import bootstrap
from tests.support.cli import CLI
from tests.support.fakes import RecordingNotifier
from web.app import create_app


def test_login_link_from_the_command_line_logs_in_once(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.setenv("DONDOC_WEB_BASE_URL", "https://dondoc.example.gov.vn")
    cli = CLI(capsys, monkeypatch)
    printed = cli("web", "login-link", "Lê Tuấn Phú")
    assert printed.code == 0 and "hiệu lực 15 phút" in printed.out
    link = next(line for line in printed.out.splitlines() if line.startswith("https://"))
    assert link.startswith("https://dondoc.example.gov.vn/dang-nhap/")
    assert cli("web", "login-link", "Không Có Ai").code == 1
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url, environment="test")  # type: ignore[arg-type]
    app = bootstrap(settings, notifier=RecordingNotifier())
    path = link.removeprefix("https://dondoc.example.gov.vn")
    with TestClient(create_app(app)) as client:
        page = client.get(path)
        assert "Lê Tuấn Phú" in page.text
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        assert client.post(path, data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
        assert "Tổng quan" in client.get("/").text
    app.engine.dispose()


def test_directives_list_searches_like_the_web(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from engine.search import fold

    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DONDOC_DATABASE_URL", db_url)
    monkeypatch.setenv("DONDOC_NOW", "2024-04-22T09:00:00+07:00")
    cli = CLI(capsys, monkeypatch)
    seed = Path(__file__).resolve().parents[2] / "data" / "corpus" / "dev" / "00_seed_bac-giang-2024-04.txt"
    assert cli("ingest", str(seed)).code == 0
    rows = json.loads(cli("directives", "list", "--search", "SO TAI CHINH", "--format", "json").out)
    def words(r: dict) -> str:
        return fold(" ".join([r["lead"] or "", r["task"], r["report_to"] or "", *r["coordinators"]]))

    assert rows and all("so tai chinh" in words(r) for r in rows)
    everything = json.loads(cli("directives", "list", "--format", "json").out)
    assert len(everything) > len(rows)
