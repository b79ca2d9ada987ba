"""The `dondoc` command: one entry point, sub-commands per area, one-line errors.

Each command group lives in its own module and imports the engine only inside its commands, so
`dondoc --help` and the quick commands pay for nothing they do not use (see benchmarks/bench_cli.py).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import typer

from dondoc.cli import directives, directory, notices, reports, service, telegram, web
from dondoc.cli.context import console, err_console, state
from dondoc.cli.usage import describe_usage_error, install_vietnamese_help, is_usage_error

if TYPE_CHECKING:
    from pydantic import ValidationError

app = typer.Typer(
    name="dondoc",
    help="Theo dõi, đôn đốc nhiệm vụ từ thông báo kết luận của UBND tỉnh.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _global(
    now: str | None = typer.Option(None, "--now", envvar="DONDOC_NOW",
                                   help="Làm như thể lúc này là thời điểm đó (ngày giờ, như 22/04/2024 09:00); "
                                        "để mô phỏng và kiểm thử."),
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
    """Console entry point: every mistake becomes one Vietnamese line on stderr and a non-zero exit.

    Exit codes: 1 bad input or a refused action, 2 a usage mistake or an unreachable database,
    3 an internal error (a bug: DONDOC_DEBUG=1 shows the traceback), 130 interrupted.
    """
    console.reset()
    err_console.reset()
    install_vietnamese_help()
    try:
        result = app(standalone_mode=False, prog_name="dondoc")
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        message, code = _explain(exc)
        if code == 3 and os.environ.get("DONDOC_DEBUG"):
            raise
        _fail(message, code)
    if isinstance(result, int) and result:  # typer returns the code of an Exit raised by a command
        sys.exit(result)


def _explain(exc: Exception) -> tuple[str, int]:
    """The line to show and the exit code for an exception that reached the top."""
    from engine.errors import DondocError, StorageUnavailable

    if isinstance(exc, StorageUnavailable):
        return str(exc), 2
    if isinstance(exc, DondocError):
        return str(exc), 1
    if is_usage_error(exc):
        if type(exc).__name__ == "NoArgsIsHelpError":  # `dondoc people` alone: the group's help
            console.print(exc.format_message(), markup=False, highlight=False)  # type: ignore[attr-defined]
            sys.exit(0)
        return describe_usage_error(exc), 2
    known = _library_error(exc)
    if known is not None:
        return known
    if isinstance(exc, OSError) and exc.filename:
        return f"Không đọc hoặc ghi được {exc.filename}: {exc.strerror or exc}", 1
    return f"Lỗi hệ thống ({type(exc).__name__}): {exc} — đặt DONDOC_DEBUG=1 để xem chi tiết", 3


def _library_error(exc: Exception) -> tuple[str, int] | None:
    """Errors of the libraries underneath, told as what the user can do (only loaded modules are asked)."""
    pydantic, sqlalchemy_exc = sys.modules.get("pydantic"), sys.modules.get("sqlalchemy.exc")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        return settings_problem(exc), 1  # settings: name the variable and the rule, never the value
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.OperationalError):
        return f"Không kết nối được cơ sở dữ liệu (DONDOC_DATABASE_URL): {exc.orig}", 2
    if sqlalchemy_exc is not None and isinstance(exc, sqlalchemy_exc.ArgumentError | sqlalchemy_exc.NoSuchModuleError):
        return ("DONDOC_DATABASE_URL không hợp lệ: dùng sqlite:///đường/dẫn.db hoặc "
                "postgresql+psycopg://người_dùng@máy/tên_csdl"), 2
    module = type(exc).__module__.split(".")[0]
    if module in ("telegram", "httpx", "httpcore") and any(
            c.__name__ in ("NetworkError", "TimedOut", "TransportError", "ConnectError") for c in type(exc).__mro__):
        return ("Không kết nối được máy chủ Telegram (DONDOC_TELEGRAM_API_URL); kiểm tra mạng "
                "hoặc địa chỉ rồi thử lại"), 1
    return None


def settings_problem(exc: ValidationError) -> str:
    """'Cấu hình không hợp lệ: …' from a settings ValidationError, without any input value."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        message = error["msg"].removeprefix("Value error, ")
        field = "DONDOC_" + "_".join(str(part) for part in error["loc"]).upper() if error["loc"] else ""
        problems.append(message if not field or field in message else f"{field}: {message}")
    return "Cấu hình không hợp lệ: " + "; ".join(problems)


def _fail(message: str, code: int) -> Any:
    """Print one line (whitespace folded, secrets masked, control characters inert) and exit."""
    from rich.text import Text

    from engine.redact import redact
    from engine.text import safe_text

    line = Text.assemble(("Lỗi:", "bold red"), " ", safe_text(" ".join(redact(message).split())))
    err_console.print(line, highlight=False, soft_wrap=True)
    sys.exit(code)
