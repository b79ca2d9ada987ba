"""Server-rendered SVG charts: the geometry is computed here, the templates draw it (no script, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.queries import MonthRate
from engine.stats import BUCKET_LABELS, StatsRow

SEGMENTS = (("done_on_time", "#2e7d32"), ("done_late", "#9e9d24"), ("open_in_time", "#1565c0"),
            ("open_overdue", "#c62828"), ("no_deadline", "#9aa5b1"))


@dataclass
class Bar:
    label: str
    key: str
    total: int
    segments: list[tuple[str, str, float, float, int]]  # bucket, colour, x, width, count


def stacked_bars(rows: list[StatsRow], *, width: float = 340, limit: int = 15) -> list[Bar]:
    """One horizontal bar per agency, split into the buckets, scaled to the largest total."""
    shown = [r for r in rows if r.total][:limit]
    biggest = max((r.total for r in shown), default=0) or 1
    bars = []
    for r in shown:
        x, segments = 0.0, []
        for bucket, colour in SEGMENTS:
            count = getattr(r, bucket)
            w = width * count / biggest
            if count:
                segments.append((BUCKET_LABELS[bucket], colour, x, w, count))
            x += w
        bars.append(Bar(r.name, r.key, r.total, segments))
    return bars


@dataclass
class Column:
    label: str
    rate: float | None
    due: int
    on_time: int
    x: float
    height: float


def month_columns(months: list[MonthRate], *, height: float = 140, step: float = 46) -> list[Column]:
    """One column per month: the share of directives due that month that were reported on time."""
    return [Column(f"{m.month:02d}/{m.year % 100:02d}", m.rate, m.due, m.on_time, i * step,
                   height * (m.rate or 0)) for i, m in enumerate(months)]
