"""State shared by CLI commands: the app (built lazily, once), the clock, output helpers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from dondoc.bootstrap import App, Clock, bootstrap
from engine.errors import InvalidInput
from engine.timeutil import now_utc, parse_instant

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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


def emit(rows: Sequence[dict[str, Any]], columns: Iterable[tuple[str, str]], fmt: str, title: str = "") -> None:
    """Print rows as a rich table or as JSON with stable keys."""
    if fmt == "json":
        console.print_json(json.dumps(list(rows), ensure_ascii=False, default=str))
        return
    if fmt != "table":
        raise InvalidInput(f"unknown format '{fmt}' (table or json)")
    table = Table(title=title or None, show_lines=False)
    cols = list(columns)
    for _, header in cols:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*["" if row.get(k) is None else str(row.get(k)) for k, _ in cols])
    console.print(table)
