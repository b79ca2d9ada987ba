"""Where the development corpus lives: `data/corpus/` inside the repository (copied from the shared corpus)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "corpus"
DEV = CORPUS / "dev"
SEED_STEM = "00_seed_bac-giang-2024-04"
AGENCIES_YAML = REPO / "config" / "agencies.yaml"


def gold(stem: str) -> dict:
    """The hand-made annotation of one corpus document."""
    return json.loads((DEV / f"{stem}.gold.json").read_text(encoding="utf-8"))


def seed_text() -> str:
    """Text of the seed notice."""
    return (DEV / f"{SEED_STEM}.txt").read_text(encoding="utf-8")
