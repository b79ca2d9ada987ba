"""The command line's own words in Vietnamese: help page headings, and one line for each usage mistake.

Typer (with the click it vendors) writes these in English; they are replaced here, at the edges,
without touching how commands are declared.
"""

from __future__ import annotations

import re
from typing import Any

_HEADINGS = {
    "ARGUMENTS_PANEL_TITLE": "Tham số",
    "OPTIONS_PANEL_TITLE": "Tùy chọn",
    "COMMANDS_PANEL_TITLE": "Lệnh",
    "ERRORS_PANEL_TITLE": "Lỗi",
    "ABORTED_TEXT": "Đã dừng.",
    "DEFAULT_STRING": "[mặc định: {}]",
    "ENVVAR_STRING": "[biến môi trường: {}]",
    "REQUIRED_LONG_STRING": "[bắt buộc]",
    "DEPRECATED_STRING": "(không dùng nữa) ",
    "RICH_HELP": "Xem '{command_path} {help_option}' để biết cách dùng.",
}
HELP_OPTION_TEXT = "Hiện hướng dẫn này rồi thoát."
USAGE_PREFIX = "Cách dùng: "
_TYPES = {"integer": "số nguyên", "float": "số", "boolean": "có/không", "text": "chữ", "path": "đường dẫn"}


def install_vietnamese_help() -> None:
    """Make every help page Vietnamese; costs nothing until a help page is actually formatted."""
    import typer.core

    for cls in (typer.core.TyperCommand, typer.core.TyperGroup):
        original = cls.format_help
        if getattr(original, "_vietnamese", False):
            continue

        def format_help(self: Any, ctx: Any, formatter: Any, _original: Any = original) -> None:
            _apply_headings()
            return _original(self, ctx, formatter)

        format_help._vietnamese = True  # type: ignore[attr-defined]
        cls.format_help = format_help  # type: ignore[method-assign]
    _patch_help_option()
    _patch_usage_prefix()


def _apply_headings() -> None:
    from typer import rich_utils

    for name, text in _HEADINGS.items():
        setattr(rich_utils, name, text)
    # The usage line is highlighted by its English prefix; teach the highlighter the Vietnamese one.
    highlights = rich_utils.OptionHighlighter.highlights
    if r"(?P<usage>Cách dùng: )" not in highlights:
        rich_utils.OptionHighlighter.highlights = [*highlights, r"(?P<usage>Cách dùng: )"]


def _patch_help_option() -> None:
    from typer._click import core

    original = core.Command.get_help_option
    if getattr(original, "_vietnamese", False):
        return

    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    get_help_option._vietnamese = True  # type: ignore[attr-defined]
    core.Command.get_help_option = get_help_option  # type: ignore[method-assign]


def _patch_usage_prefix() -> None:
    from typer._click import formatting

    original = formatting.HelpFormatter.write_usage
    if getattr(original, "_vietnamese", False):
        return

    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[TÙY_CHỌN]").replace("COMMAND [ARGS]...", "LỆNH [THAM_SỐ]...")
        return original(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    write_usage._vietnamese = True  # type: ignore[attr-defined]
    formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


def is_usage_error(exc: BaseException) -> bool:
    """True for the parser's own exceptions (typer's vendored click, or click itself)."""
    return any(c.__name__ in ("UsageError", "ClickException") and c.__module__.split(".")[0] in ("typer", "click")
               for c in type(exc).__mro__)


def describe_usage_error(exc: Any) -> str:
    """One Vietnamese line for a usage mistake, with where to look for the right form."""
    name = type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    where = f" Xem: {ctx.command_path} --help" if ctx is not None else ""
    if name == "MissingParameter":
        param = getattr(exc, "param", None)
        kind = "tùy chọn" if getattr(param, "param_type_name", "") == "option" else "tham số"
        hint = _param_hint(exc, param)
        return f"Thiếu {kind} {hint}.{where}"
    if name == "NoSuchOption":
        option = getattr(exc, "option_name", "")
        possible = list(getattr(exc, "possibilities", None) or [])
        guess = f" Có phải ý là {possible[0]}?" if len(possible) == 1 else ""
        return f"Không có tùy chọn {option}.{guess}{where}"
    if name == "BadParameter":
        hint = _param_hint(exc, getattr(exc, "param", None))
        return f"Giá trị của {hint} không hợp lệ: {_value_problem(str(exc.message))}.{where}"
    message = str(getattr(exc, "message", exc))
    if match := re.match(r"No such command '(.+?)'\.(?: Did you mean '(.+)'\?)?", message):
        guess = f" Có phải ý là “{match.group(2)}”?" if match.group(2) else ""
        return f"Không có lệnh “{match.group(1)}”.{guess}{where}"
    if match := re.match(r"Got unexpected extra arguments? \((.+)\)$", message):
        return f"Thừa tham số: {match.group(1)}.{where}"
    if match := re.match(r"Option '(.+)' requires an argument\.?$", message):
        return f"Tùy chọn {match.group(1)} cần một giá trị.{where}"
    if match := re.match(r"Option '(.+)' does not take a value\.?$", message):
        return f"Tùy chọn {match.group(1)} không nhận giá trị.{where}"
    if message.startswith("Missing command"):
        return f"Thiếu lệnh.{where}"
    return f"Cách gọi lệnh không đúng: {message}.{where}"


def _param_hint(exc: Any, param: Any) -> str:
    """'--as' for an option; an argument by what its help calls it ('mã số nhiệm vụ'), else its NAME."""
    hint = getattr(exc, "param_hint", None)
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    if hint:
        return str(hint).strip("'")
    if param is None:
        return "tham số"
    opts = getattr(param, "opts", None) or []
    if opts and opts[0].startswith("-"):
        return opts[0]
    described = (getattr(param, "help", None) or "").split(" (")[0].strip()
    return described.lower() if described else str(getattr(param, "name", "") or "tham số").upper()


_PROBLEMS = {
    "Input should be a valid integer": "phải là một số nguyên",
    "Input should be a valid number": "phải là một số",
    "Input should be a valid boolean": "phải là có hoặc không",
}


def _value_problem(message: str) -> str:
    """'abc' is not a valid integer. → “abc” không phải số nguyên; pydantic's wording likewise."""
    for english, vietnamese in _PROBLEMS.items():
        if message.startswith(english):
            return vietnamese
    if match := re.match(r"'(.*)' is not a valid (\w+)\.?$", message):
        value, kind = match.groups()
        return f"“{value}” không phải {_TYPES.get(kind, kind)}"
    if match := re.match(r"'(.*)' is not one of (.+)\.?$", message):
        return f"“{match.group(1)}” không phải một trong {match.group(2)}"
    return message.rstrip(".")
