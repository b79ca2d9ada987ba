"""State shared by CLI commands: the app (built lazily, once), the clock, output helpers.

Nothing heavy is imported here at module level: `dondoc --help` must not pay for the database,
the engine or rich. Commands import what they need when they run.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from dondoc.bootstrap import App, Clock

FORMAT_HELP = "Cách trình bày: table (bảng, nhãn tiếng Việt) hoặc json (mã, cho chương trình khác)"
AS_HELP = "Người thực hiện: mã số hoặc đúng họ tên trong danh bạ"
DATE_HELP = "Ngày dd/mm/yyyy hoặc yyyy-mm-dd (là hết ngày đó), có thể kèm giờ: 30/06/2024 14:30"


def format_option() -> Any:
    """The `--format table|json` option every listing has."""
    return typer.Option("table", "--format", "-f", help=FORMAT_HELP)


class _LazyConsole:
    """A rich Console built on first use (rich is slow to import) and afresh for each `main()` call."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real(), name)

    def real(self) -> Any:
        """The rich Console itself, for rich objects that take one (progress bars, live displays)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

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
        from engine.timeutil import now_utc

        if self.now_text:
            fixed = parse_time(self.now_text)
            return lambda: fixed
        return now_utc

    def get_app(self) -> App:
        """The app, built on first use: database migrated and the default directory loaded once."""
        if self.app is None:
            from config.settings import Settings
            from dondoc.bootstrap import bootstrap
            from engine.directory import load_default_directory

            settings = Settings()
            self.app = bootstrap(settings, clock=self.get_clock())
            with self.app.session() as session:
                load_default_directory(session, settings.agencies_file)
        return self.app


state = _State()


def parse_time(text: str) -> dt.datetime:
    """A typed date (the end of that local day) or date-time; InvalidInput naming the problem."""
    from engine.timeutil import parse_instant

    return parse_instant(text)


def local_time(value: dt.datetime | str | None) -> str:
    """'22/04/2024 09:00' in local time (an aware datetime or an ISO string)."""
    from engine.timeutil import local

    if not value:
        return ""
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(instant).format("DD/MM/YYYY HH:mm")


def local_day(value: dt.datetime | dt.date | str | None) -> str:
    """'22/04/2024': an instant's local day, or a date."""
    from engine.timeutil import local

    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if len(value) > 10 else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return local(value).format("DD/MM/YYYY")
    return value.strftime("%d/%m/%Y")


def cell(value: Any) -> str:
    """A value as a person reads it in a table: lists joined, nothing for None, controls made inert."""
    from engine.text import safe_text

    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, bool):
        return "có" if value else "không"
    return safe_text(str(value))


def say(text: str, style: str | None = None) -> None:
    """Print a line that may carry stored text (task, names): markup and control characters made inert."""
    from engine.text import safe_text

    console.print(safe_text(text), style=style, markup=False, soft_wrap=True)


@contextmanager
def progress(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current step while long work runs on a terminal; silent when piped."""
    if not err_console.is_terminal:
        yield lambda message: None
        return
    with err_console.status(f"{title}…") as status:
        yield lambda message: status.update(f"{title}: {message}…")


def check_format(fmt: str) -> None:
    """InvalidInput unless fmt is table or json (checked before any work is done)."""
    from engine.errors import InvalidInput

    if fmt not in ("table", "json"):
        raise InvalidInput(f"Không có cách trình bày “{fmt}”; chọn table hoặc json.")


def emit(rows: Sequence[Mapping[str, Any]], columns: Iterable[tuple[str, str]], fmt: str, title: str = "",
         table_rows: Sequence[Mapping[str, Any]] | None = None) -> None:
    """Print rows as JSON with stable keys and codes, or as a table (of `table_rows`: labels, local times)."""
    check_format(fmt)
    if fmt == "json":
        print(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False)
    cols = list(columns)
    for _, header in cols:
        table.add_column(header, overflow="fold")
    for row in rows if table_rows is None else table_rows:
        table.add_row(*[Text(cell(row.get(k))) for k, _ in cols])
    console.print(table)
