"""Web server time over 100k directives: the dashboard and filtered lists, through the ASGI app.

Usage: python benchmarks/bench_web.py [--size 100000] [--pg URL] [--repeat 7]
(PostgreSQL also runs when DONDOC_TEST_DATABASE_URL is set.) Prints the median and worst time per page;
the target is < 300 ms for each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text, update
from sqlmodel import select
from starlette.testclient import TestClient

from config.settings import Settings
from dondoc.bootstrap import bootstrap
from engine.db import make_engine
from engine.login import create_login_token
from engine.models import Directive, Person, Role, State
from engine.timeutil import end_of_local_day
from tests.support.bulk import T_ASSIGNED, populate_open
from tests.support.fakes import FixedClock, RecordingNotifier
from web.app import create_app

NOW = dt.datetime(2024, 9, 16, 2, 0, tzinfo=dt.UTC)
PAGES = [
    ("Tổng quan, toàn tỉnh", "/"),
    ("Tổng quan, một cơ quan", "/?agency=7"),
    ("Tổng quan, một giai đoạn", "/?assigned_from=01/04/2024&assigned_to=30/04/2024"),
    ("Nhiệm vụ, cơ quan + quá hạn", "/nhiem-vu?agency=7&bucket=open_overdue"),
    ("Nhiệm vụ, theo hạn (trang 1)", "/nhiem-vu"),
    ("Nhiệm vụ, trang 1.000", "/nhiem-vu?page=1000"),
    ("Nhiệm vụ, tìm 'nhiem vu 4242'", "/nhiem-vu?q=nhiem+vu+4242"),
    ("Nhiệm vụ, trạng thái + hạn", "/nhiem-vu?state=overdue&from=01/07/2024&to=31/08/2024"),
]


def populate(url: str, size: int) -> None:
    """`size` directives over 100 agencies, deadlines spread over a year; a mix of states as a year brings."""
    populate_open(url, size, agencies=100,
                  deadline=lambda i: end_of_local_day(dt.date(2024, 5, 1) + dt.timedelta(days=i % 365)),
                  next_check=lambda i: T_ASSIGNED)
    engine = make_engine(url)
    with engine.begin() as conn:  # a fifth done, a tenth overdue, a tenth reported, some with no deadline
        d = Directive.__table__.c
        conn.execute(update(Directive).where(d.id % 5 == 0).values(state=State.done.name, done_at=NOW,
                                                                   reported_at=d.deadline))
        conn.execute(update(Directive).where(d.id % 10 == 1).values(state=State.overdue.name, overdue_at=d.deadline))
        conn.execute(update(Directive).where(d.id % 10 == 3).values(state=State.reported.name, reported_at=NOW))
        conn.execute(update(Directive).where(d.id % 17 == 0).values(deadline=None))
        conn.execute(text("INSERT INTO person (name, title, role, reachable, active) "
                          "VALUES ('Chuyên viên', '', 'office', true, true)"))
    engine.dispose()


def measure(url: str, size: int, repeat: int, data_dir: Path) -> list[tuple[str, float, float]]:
    populate(url, size)
    settings = Settings(data_dir=data_dir, database_url=url, environment="test", telegram_token=None)  # type: ignore[arg-type]
    app = bootstrap(settings, notifier=RecordingNotifier(), clock=FixedClock(NOW))
    with app.session() as s:
        office = s.exec(select(Person).where(Person.role == Role.office)).one()
        token = create_login_token(s, office.id, NOW)  # type: ignore[arg-type]
    results = []
    with TestClient(create_app(app)) as client:
        client.get(f"/dang-nhap/{token}")
        csrf = client.cookies  # the confirm form's token
        page = client.get(f"/dang-nhap/{token}").text
        value = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(f"/dang-nhap/{token}", data={"csrf_token": value}, follow_redirects=False)
        del csrf
        for label, path in PAGES:
            client.get(path)  # warm
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code)
            results.append((label, statistics.median(times) * 1000, max(times) * 1000))
    app.engine.dispose()
    return results


def report(name: str, size: int, rows: list[tuple[str, float, float]]) -> None:
    print(f"\n{name}, {size:,} directives (median / worst of the runs, ms):")
    for label, median, worst in rows:
        flag = "" if median < 300 else "  ← over 300 ms"
        print(f"  {label:<34} {median:7.1f} / {worst:7.1f}{flag}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", default=os.environ.get("DONDOC_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(f"sqlite:///{Path(tmp) / 'bench.db'}", args.size, args.repeat, Path(tmp))
        report("SQLite", args.size, rows)
    if args.pg:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in args.pg else "?"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                rows = measure(f"{args.pg}{sep}options=-csearch_path%3D{schema}", args.size, args.repeat, Path(tmp))
            report("PostgreSQL", args.size, rows)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
