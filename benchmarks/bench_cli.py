"""How long the `dondoc` command takes, as a person at a terminal feels it.

Each command runs as a fresh process (`python -m dondoc.cli …`) against a throw-away data
directory holding the sample notice (ingested and assigned). Prints, per command, the median wall
time and the median CPU time (user + system, which depends little on how loaded the machine is) over
`--runs` runs, against the targets: `--help` under 0.3 s, a list or a show under 0.7 s.

    .venv/bin/python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "config" / "samples" / "tb-ket-luan-bac-giang-2024-04.txt"
COMMANDS: list[tuple[str, list[str], float]] = [
    ("dondoc --help", ["--help"], 0.3),
    ("dondoc directives list", ["directives", "list"], 0.7),
    ("dondoc directive show 1", ["directive", "show", "1"], 0.7),
    ("dondoc notices list", ["notices", "list"], 0.7),
    ("dondoc review", ["review"], 0.7),
    ("dondoc stats", ["stats"], 0.7),
]


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh `dondoc` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dondoc.cli", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="dondoc-bench-cli-") as tmp:
        env = {**os.environ, "DONDOC_DATA_DIR": tmp, "COLUMNS": "160"}
        env.pop("DONDOC_DATABASE_URL", None)
        env.pop("DONDOC_TELEGRAM_TOKEN", None)
        office = "Lê Tuấn Phú"  # Chánh Văn phòng in the default directory
        subprocess.run([sys.executable, "-m", "dondoc.cli", "ingest", str(SAMPLE), "--assign", "--as", office],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        load = os.getloadavg()[0]
        print(f"{runs} runs each, load average {load:.1f} on {os.cpu_count()} CPUs; "
              f"data: the sample notice ingested and assigned")
        print(f"{'command':28} {'wall (median)':>14} {'CPU (median)':>13} {'target':>7}  met (CPU)")
        for label, args, target in COMMANDS:
            _run(args, env)  # warm the OS file cache
            samples = [_run(args, env) for _ in range(runs)]
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            print(f"{label:28} {wall:>12.3f} s {cpu:>11.3f} s {target:>5.1f} s  {'yes' if cpu < target else 'NO'}")


if __name__ == "__main__":
    main()
