"""Run the real `dondoc` entry point in-process, as a user would from a shell."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import pytest

from dondoc.cli import main
from dondoc.cli.context import state


@dataclass
class Result:
    code: int
    out: str
    err: str


class CLI:
    """Calls dondoc.cli.main with argv; each call builds the app afresh like a new process."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        self.monkeypatch.setattr(sys, "argv", ["dondoc", *args])
        if state.app is not None:
            state.app.engine.dispose()
        state.app, state.now_text = None, None
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)
