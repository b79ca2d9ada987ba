"""`dondoc stats`, `dondoc export` and `dondoc check`."""

from __future__ import annotations

from pathlib import Path

import typer

from dondoc.cli.context import check_format, emit, format_option, progress, say, state

STATS_COLUMNS = ("done_on_time", "done_late", "open_in_time", "open_overdue", "no_deadline", "due_soon",
                 "no_recipient")


def stats(
    by: str = typer.Option("agency", "--by", help="Thống kê theo: agency (đơn vị chủ trì), leader (lãnh đạo "
                                                  "phụ trách), notice (thông báo) hoặc all (toàn tỉnh)"),
    fmt: str = format_option(),
) -> None:
    """Statistics in the official buckets."""
    from engine.labels import BUCKET_LABELS
    from engine.people import unreached_directives
    from engine.stats import GROUP_LABELS, compute_stats
    from engine.views import lead_name

    check_format(fmt)
    app = state.get_app()
    with app.session() as session:
        rows = compute_stats(session, app.now(), by=by, calendar=app.calendar)
        unreached = [(d.id, d.ref, lead_name(session, d)) for d in unreached_directives(session)]
    columns = [("name", GROUP_LABELS[by]), ("total", "Tổng"), *[(k, BUCKET_LABELS[k]) for k in STATS_COLUMNS]]
    emit([r.as_dict() for r in rows], columns, fmt, title="Tình hình thực hiện nhiệm vụ")
    if unreached and fmt == "table":
        say(f"⚠ {len(unreached)} nhiệm vụ đang mở không có ai trong danh bạ nhận thông báo: "
            + "; ".join(f"#{i} (mục {ref}, {lead})" for i, ref, lead in unreached[:20])
            + (" …" if len(unreached) > 20 else "")
            + ". Thêm lãnh đạo hoặc đầu mối: dondoc people add TÊN --agency MÃ.", style="yellow")


def check() -> None:
    """Rebuild every directive from its events and compare with the stored state."""
    from engine.audit import check_projections
    from engine.labels import FIELD_LABELS, label

    with state.get_app().session() as session:
        checked, differences = check_projections(session)
    if differences:
        for d in differences[:50]:
            say(f"#{d.directive_id} {label(FIELD_LABELS, d.field)}: đang lưu {d.stored!r}, "
                f"dựng lại từ sự kiện {d.replayed!r}")
        say(f"{len(differences)} chỗ khác nhau trong {checked} nhiệm vụ", style="red")
        raise typer.Exit(1)
    say(f"Đúng: đã dựng lại {checked} nhiệm vụ từ lịch sử sự kiện, khớp với dữ liệu đang lưu.")


def export_cmd(path: Path = typer.Argument(..., help="Tệp đích: .xlsx (nhiệm vụ, thống kê, lịch sử) "
                                                     "hoặc .csv (nhiệm vụ)")) -> None:
    """Export directives with their official bucket, statistics per agency and the audit trail."""
    from dondoc.export import export

    app = state.get_app()
    with app.session() as session, progress(f"Đang xuất {path.name}") as step:
        count = export(session, path, app.now(), app.calendar, progress=step)
    say(f"Đã xuất {count} nhiệm vụ ra {path}")


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
    app.command("stats", help="Thống kê tình hình thực hiện theo các nhóm của biểu mẫu báo cáo.")(stats)
    app.command("export", help="Xuất Excel (nhiệm vụ, thống kê theo đơn vị, lịch sử) hoặc CSV.")(export_cmd)
    app.command("check", help="Dựng lại mọi nhiệm vụ từ lịch sử sự kiện và so với dữ liệu đang lưu.")(check)
