"""deploy/ agrees with the code: every variable it names exists, the units run real commands, the
environment example lists every setting, prefect.yaml keeps secrets and machine paths out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.main import get_command

from config.settings import Settings
from dondoc.cli import app as cli_app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
DOCS = ROOT / "docs" / "scaling.md"
ENV_FILES = {"/etc/dondoc/dondoc.env": DEPLOY / "dondoc.env.example",
             "/etc/dondoc/prefect-server.env": DEPLOY / "prefect-server.env.example",
             "/etc/dondoc/bot.env": DEPLOY / "bot.env.example"}
VARIABLE = re.compile(r"\b((?:DONDOC|PREFECT)_[A-Z0-9_]+)\b")


def _unit(path: Path) -> dict[str, list[str]]:
    """key -> values of a systemd unit (keys may repeat, as EnvironmentFile and Environment do)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


def _env(path: Path) -> dict[str, str]:
    """Variables an environment example sets, commented-out defaults included."""
    pairs = re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=(.*)$", path.read_text(encoding="utf-8"), re.M)
    return dict(pairs)


def _prefect_settings() -> set[str]:
    from prefect.settings.legacy import _get_valid_setting_names  # the PREFECT_* names Prefect reads
    from prefect.settings.models.root import Settings as PrefectSettings

    return _get_valid_setting_names(PrefectSettings)


def _named(*paths: Path) -> set[str]:
    return {m for p in paths for m in VARIABLE.findall(p.read_text(encoding="utf-8"))}


def test_every_variable_named_in_deploy_and_the_docs_exists() -> None:
    files = [*DEPLOY.rglob("*"), DOCS]
    named = _named(*(f for f in files if f.is_file()))
    dondoc = {f"DONDOC_{name.upper()}" for name in Settings.model_fields}
    assert {n for n in named if n.startswith("DONDOC_")} <= dondoc
    assert {n for n in named if n.startswith("PREFECT_")} <= _prefect_settings()


def test_the_environment_example_lists_every_setting() -> None:
    listed = _env(ENV_FILES["/etc/dondoc/dondoc.env"])
    assert {f"DONDOC_{name.upper()}" for name in Settings.model_fields} <= set(listed)
    # What workers need to reach and authenticate to the Prefect server, and to be detected when lost.
    assert {"PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"} <= set(listed)
    server = _env(ENV_FILES["/etc/dondoc/prefect-server.env"])
    assert {"PREFECT_API_DATABASE_CONNECTION_URL", "PREFECT_SERVER_API_AUTH_STRING"} <= set(server)
    assert server["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    # The example's values are accepted by the settings (apart from the secrets left to fill in).
    values = {k.removeprefix("DONDOC_").lower(): v for k, v in listed.items() if k.startswith("DONDOC_")}
    Settings.model_validate({**values, "environment": "test"})


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_each_unit_reads_existing_env_files_and_runs_a_real_command(unit: Path) -> None:
    spec = _unit(unit)
    for env_file in spec.get("EnvironmentFile", []):
        assert env_file in ENV_FILES, f"{unit.name}: no example for {env_file}"
    (command,) = spec["ExecStart"]
    program, *args = command.split()
    assert program.startswith("/opt/dondoc/venv/bin/")
    for ref in re.findall(r"\$\{(\w+)\}", command):  # every ${VAR} comes from one of its env files
        assert any(ref in _env(ENV_FILES[f]) for f in spec.get("EnvironmentFile", [])), ref
    if program.endswith("/dondoc"):
        group = get_command(cli_app)
        name, *options = args
        if name not in group.commands and name == "web":  # the web room's command, not merged yet
            return
        params = {opt for p in group.commands[name].params for opt in p.opts}  # type: ignore[attr-defined]
        assert {a for a in options if a.startswith("--")} <= params, command


def test_the_worker_unit_is_templated_and_stops_on_sigint() -> None:
    spec = _unit(DEPLOY / "systemd" / "dondoc-worker@.service")
    assert spec["KillSignal"] == ["SIGINT"]  # prefect worker ignores SIGTERM
    assert "prefect worker start --pool dondoc-process" in spec["ExecStart"][0] and "%i" in spec["ExecStart"][0]
    pools = {d["work_pool"]["name"] for d in yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]}
    assert pools == {"dondoc-process"}


def test_two_bot_replicas_behind_the_proxy() -> None:
    spec = _unit(DEPLOY / "systemd" / "dondoc-bot@.service")
    assert "--port %i" in spec["ExecStart"][0] and "--webhook ${BOT_WEBHOOK_URL}" in spec["ExecStart"][0]
    conf = (DEPLOY / "nginx" / "dondoc.conf").read_text(encoding="utf-8")
    upstream = re.search(r"upstream dondoc_bot \{(.*?)\}", conf, re.S).group(1)  # type: ignore[union-attr]
    assert len(re.findall(r"^\s*server \S+:\d+", upstream, re.M)) == 2
    webhook = _env(ENV_FILES["/etc/dondoc/bot.env"])["BOT_WEBHOOK_URL"]
    assert f"location {re.sub(r'https://[^/]+', '', webhook)}" in conf  # the proxy serves the webhook path
    assert "DONDOC_WEBHOOK_SECRET" in _env(ENV_FILES["/etc/dondoc/dondoc.env"])  # one secret for all replicas


def test_prefect_yaml_has_no_secret_and_no_machine_path() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(spec)
    assert "DONDOC_" not in text and "/work/" not in text and "/home/" not in text
    assert spec["pull"] == [{"dondoc.prefect_server.enter_code_dir": {}}]
    for deployment in spec["deployments"]:
        assert deployment["concurrency_limit"]["collision_strategy"] == "ENQUEUE"
    assert "/work/" not in DOCS.read_text(encoding="utf-8")  # the docs name no path of a dev machine


def test_the_pull_step_finds_the_code_of_this_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dondoc.prefect_server import enter_code_dir

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DONDOC_CODE_DIR", raising=False)
    assert enter_code_dir() == {"directory": str(ROOT)}  # where dondoc is installed (here, editable)
    assert (Path.cwd() / "flows" / "deliver_notifications.py").exists()
    monkeypatch.setenv("DONDOC_CODE_DIR", str(tmp_path))
    assert enter_code_dir() == {"directory": str(tmp_path)}
    monkeypatch.chdir(ROOT)
