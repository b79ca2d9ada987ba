"""`python -m engine.ingest FILE [--format json|table]`: print what a notice file contains."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import yaml

from engine.errors import DondocError
from engine.ingest import AgencyDirectory, extract_file

_DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "config" / "agencies.yaml"


def load_directory(path: Path = _DEFAULT_DIRECTORY) -> AgencyDirectory | None:
    """The agency directory from YAML, or None when the file is absent."""
    if not path.exists():
        return None
    return AgencyDirectory(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; the only place that reads the clock."""
    parser = argparse.ArgumentParser(prog="python -m engine.ingest", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--format", choices=("json", "table"), default="json")
    parser.add_argument("--directory", type=Path, default=_DEFAULT_DIRECTORY, help="agencies.yaml")
    args = parser.parse_args(argv)
    try:
        result = extract_file(args.file, directory=load_directory(args.directory), today=dt.date.today())
    except DondocError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 2
    payload = result.to_json()
    if args.format == "json":
        print(json.dumps(payload, ensure_ascii=False, indent=1))
        return 0
    for d in payload["directives"]:
        print(f"{d['ref']:<10} {str(d['lead'])[:40]:<40} {d['deadline'] or '—':<10} {d['task'][:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
