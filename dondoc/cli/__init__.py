"""The `dondoc` command: one entry point, sub-commands per area, one-line errors."""

from __future__ import annotations

import os
import sys

import typer
from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.exc import OperationalError

from dondoc.cli import directives, directory, notices, reports, service, telegram, web
from dondoc.cli.context import console, err_console, state
from engine.errors import DondocError, StorageUnavailable
from engine.redact import redact
from engine.text import safe_text

app = typer.Typer(
    name="dondoc",
    help="Theo dõi, đôn đốc nhiệm vụ từ thông báo kết luận của UBND tỉnh.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    now: str | None = typer.Option(None, "--now", envvar="DONDOC_NOW",
                                   help="Act as if it were this time (ISO 8601); for simulation and tests."),
) -> None:
    """Global options."""
    state.now_text = now


directives.register(app)
directory.register(app)
reports.register(app)


notices.register(app)
service.register(app)
telegram.register(app)
web.register(app)


def main() -> None:
    """Console entry point: errors become one line on stderr and a non-zero exit (2: storage)."""
    console.reset()
    err_console.reset()
    try:
        app(standalone_mode=False)
    except StorageUnavailable as exc:
        _fail(str(exc), 2)
    except OperationalError as exc:
        _fail(f"cannot reach the database: {exc.orig}", 2)
    except DondocError as exc:
        _fail(str(exc), 1)
    except ValidationError as exc:  # settings: name the variable and the rule, never the value
        _fail(settings_problem(exc), 1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors arrive here with standalone_mode=False
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("DONDOC_DEBUG"):
            raise
        _fail(f"internal error {type(exc).__name__}: {exc} (DONDOC_DEBUG=1 shows the traceback)", 3)


def settings_problem(exc: ValidationError) -> str:
    """'Cấu hình không hợp lệ: …' from a settings ValidationError, without any input value."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = error["msg"].removeprefix("Value error, ")
        field = "DONDOC_" + "_".join(str(part) for part in error["loc"]).upper() if error["loc"] else ""
        problems.append(message if not field or field in message else f"{field}: {message}")
    return "Cấu hình không hợp lệ: " + "; ".join(problems)


def _fail(message: str, code: int) -> None:
    """Print one line (whitespace folded, secrets masked, control characters inert) and exit."""
    err_console.print(f"[red]Lỗi:[/red] {escape(safe_text(' '.join(redact(message).split())))}", highlight=False,
                      soft_wrap=True)
    sys.exit(code)
