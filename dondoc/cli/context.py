"""State shared by CLI commands: the app (built lazily, once), the clock, output helpers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dondoc.bootstrap import App, Clock, bootstrap
from engine.errors import InvalidInput
from engine.text import safe_text
from engine.timeutil import now_utc, parse_instant


class _LazyConsole:
    """A rich Console built on first use (rich is slow to import) and afresh for each `main()` call."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)

    def reset(self) -> None:
        self._console = None


console = _LazyConsole(highlight=False)
err_console = _LazyConsole(stderr=True, highlight=False)


@dataclass
class _State:
    now_text: str | None = None
    app: App | None = None

    def get_clock(self) -> Clock:
        """The real clock, or a fixed one when --now / DONDOC_NOW is given (no database needed)."""
        if self.now_text:
            fixed = parse_time(self.now_text)
            return lambda: fixed
        return now_utc

    def get_app(self) -> App:
        """The app, built on first use: database migrated and the default directory loaded once."""
        if self.app is None:
            from config.settings import Settings
            from engine.directory import load_default_directory

            settings = Settings()
            self.app = bootstrap(settings, clock=self.get_clock())
            with self.app.session() as session:
                load_default_directory(session, settings.agencies_file)
        return self.app


state = _State()


def parse_time(text: str) -> dt.datetime:
    """A typed date (the end of that local day) or date-time; InvalidInput naming the problem."""
    return parse_instant(text)


def cell(value: Any) -> str:
    """A value as a person reads it in a table: lists joined, nothing for None, controls made inert."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, bool):
        return "có" if value else "không"
    return safe_text(str(value))


def say(text: str, style: str | None = None) -> None:
    """Print a line that may carry stored text (task, names): markup and control characters made inert."""
    console.print(safe_text(text), style=style, markup=False, soft_wrap=True)


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step while long work runs on a terminal; silent when piped."""
    if not err_console.is_terminal:
        yield lambda message: None
        return
    with err_console.status(f"{title}…") as status:
        yield lambda message: status.update(f"{title}: {message}…")


def emit(rows: Sequence[dict[str, Any]], columns: Iterable[tuple[str, str]], fmt: str, title: str = "") -> None:
    """Print rows as a rich table or as JSON with stable keys."""
    if fmt == "json":
        console.print_json(json.dumps(list(rows), ensure_ascii=False, default=str))
        return
    if fmt != "table":
        raise InvalidInput(f"unknown format '{fmt}' (table or json)")
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False)
    cols = list(columns)
    for _, header in cols:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*[Text(cell(row.get(k))) for k, _ in cols])
    console.print(table)
