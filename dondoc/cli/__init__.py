"""The `dondoc` command: one entry point, sub-commands per area, one-line errors."""

from __future__ import annotations

import os
import sys

import typer
from sqlalchemy.exc import OperationalError

from dondoc.cli import directives, directory, notices, reports, service, telegram
from dondoc.cli.context import err_console, state
from engine.errors import DondocError

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


def main() -> None:
    """Console entry point: run the app; DondocErrors become one line and exit code 1."""
    try:
        app(standalone_mode=False)
    except DondocError as exc:
        err_console.print(f"[red]Lỗi:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        err_console.print(f"[red]Lỗi:[/red] cannot reach the database: {reason}", highlight=False, soft_wrap=True)
        sys.exit(2)
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
        err_console.print(f"[red]Lỗi nội bộ:[/red] {type(exc).__name__}: {exc} (DONDOC_DEBUG=1 shows the traceback)",
                          highlight=False, soft_wrap=True)
        sys.exit(3)
