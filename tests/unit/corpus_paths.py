"""Where the shared development corpus lives (../shared/corpus beside the repository)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
DEV = CORPUS / "dev"
SEED_STEM = "00_seed_bac-giang-2024-04"
AGENCIES_YAML = REPO / "config" / "agencies.yaml"

needs_corpus = pytest.mark.skipif(not DEV.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def gold(stem: str) -> dict:
    """The hand-made annotation of one corpus document."""
    return json.loads((DEV / f"{stem}.gold.json").read_text(encoding="utf-8"))


def seed_text() -> str:
    """Text of the seed notice."""
    return (DEV / f"{SEED_STEM}.txt").read_text(encoding="utf-8")
