"""`dondoc stats` and `dondoc check`."""

from __future__ import annotations

from pathlib import Path

import typer

from dondoc.cli.context import emit, progress, say, state
from engine.audit import check_projections
from engine.stats import BUCKET_LABELS, GROUP_LABELS, compute_stats


def stats(
    by: str = typer.Option("agency", "--by", help="agency, leader, notice or all"),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json"),
) -> None:
    """Statistics in the official buckets."""
    from engine.people import unreached_directives
    from engine.views import lead_name

    app = state.get_app()
    with app.session() as session:
        rows = compute_stats(session, app.now(), by=by, calendar=app.calendar)
        unreached = [(d.id, d.ref, lead_name(session, d)) for d in unreached_directives(session)]
    columns = [("name", GROUP_LABELS[by]), ("total", "Tổng"), *[(k, BUCKET_LABELS[k]) for k in (
        "done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline", "due_soon", "no_recipient")]]
    emit([r.as_dict() for r in rows], columns, fmt, title="Tình hình thực hiện nhiệm vụ")
    if unreached and fmt == "table":
        say(f"⚠ {len(unreached)} nhiệm vụ đang mở không có ai trong danh bạ nhận thông báo: "
                      + "; ".join(f"#{i} (mục {ref}, {lead})" for i, ref, lead in unreached[:20])
                      + (" …" if len(unreached) > 20 else "")
                      + ". Thêm lãnh đạo hoặc đầu mối: dondoc people add TÊN --agency MÃ.", style="yellow")


def check() -> None:
    """Rebuild every directive from its events and compare with the stored state."""
    with state.get_app().session() as session:
        checked, differences = check_projections(session)
    if differences:
        for d in differences[:50]:
            say(f"#{d.directive_id} {d.field}: stored={d.stored!r} replayed={d.replayed!r}")
        say(f"{len(differences)} differences in {checked} directives", style="red")
        raise typer.Exit(1)
    say(f"OK: {checked} directives replayed, projections match their events.")


def export_cmd(path: Path = typer.Argument(..., help="Target file: .xlsx (directives, statistics, history) "
                                                     "or .csv (directives)")) -> None:
    """Export directives with their official bucket, statistics per agency and the audit trail."""
    from dondoc.export import export

    app = state.get_app()
    with app.session() as session, progress(f"Đang xuất {path.name}") as step:
        count = export(session, path, app.now(), app.calendar, progress=step)
    say(f"Đã xuất {count} nhiệm vụ ra {path}")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("stats")(stats)
    app.command("export")(export_cmd)
    app.command("check")(check)
