"""`dondoc extract`, `dondoc ingest` and `dondoc review`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach these commands to the main app."""
