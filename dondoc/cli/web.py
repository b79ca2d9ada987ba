"""`dondoc web` (serve the office's web app) and `dondoc web login-link PERSON`."""

from __future__ import annotations

import asyncio
import signal

import typer

from dondoc.cli.context import console, state

web = typer.Typer(help="Trang web của Văn phòng: chạy máy chủ web, hoặc in đường liên kết đăng nhập.",
                  invoke_without_command=True)


def _base_url(host: str, port: int) -> str:
    settings = state.get_app().settings
    return settings.web_base_url or f"http://{host}:{port}"


@web.callback()
def serve_cmd(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Địa chỉ lắng nghe (mặc định DONDOC_WEB_HOST, 127.0.0.1)"),
    port: int | None = typer.Option(None, "--port", help="Cổng lắng nghe (mặc định DONDOC_WEB_PORT, 8080)"),
) -> None:
    """Serve the web app until Ctrl-C (loopback by default)."""
    if ctx.invoked_subcommand is not None:
        return
    from dondoc.runtime import configure_logging
    from web.server import serve

    configure_logging()
    app = state.get_app()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, stop, host=host, port=port,
                    on_ready=lambda url: console.print(f"Trang web đang chạy tại {url} — Ctrl-C để dừng."))

    asyncio.run(main())


@web.command("login-link", help="In đường liên kết đăng nhập dùng một lần (15 phút) cho một người.")
def login_link(person: str = typer.Argument(..., help="Mã số hoặc đúng họ tên trong danh bạ")) -> None:
    """Print a one-time login link (15 minutes) for the person."""
    from engine.login import TTL, create_login_token, login_url
    from engine.people import find_person

    app = state.get_app()
    with app.session() as session:
        who = find_person(session, person)
        token = create_login_token(session, who.id, app.now())  # type: ignore[arg-type]
    url = login_url(_base_url(app.settings.web_host, app.settings.web_port), token)
    minutes = int(TTL.total_seconds() // 60)
    console.print(f"Đường liên kết đăng nhập cho {who.name} (dùng một lần, hiệu lực {minutes} phút):")
    print(url, flush=True)


def register(app: typer.Typer) -> None:
    """Attach `web` to the main app."""
    app.add_typer(web, name="web")
