"""Read and extract one notice file in a worker process bounded in wall time and memory.

Every driver (CLI `extract`/`ingest`, the `ingest_notice` flow, the web upload) calls `read_and_extract`.
The limits of `engine.ingest.limits` refuse most hostile files cheaply before the expensive work; whatever
gets past them still runs in a fresh worker process (`python -m engine.ingest.budget`, ~0.3 s to start)
with a data-segment limit (`RLIMIT_DATA`) and a CPU-time limit, watched by the caller for wall time and
resident memory and killed, with its OCR processes (its own session), when it goes over. The caller gets
one Vietnamese line, "quá thời gian/bộ nhớ cho phép", and goes on.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import pickle
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from engine.calendar import WorkCalendar
from engine.errors import DondocError, ExtractionError
from engine.ingest import AgencyDirectory, Extraction, extract_file
from engine.ingest.limits import MB, LimitExceeded, Limits
from engine.ingest.readers import OcrMode, Progress

log = logging.getLogger(__name__)
OVER_BUDGET = "quá thời gian/bộ nhớ cho phép"
_POLL = 0.05


@dataclass
class Outcome:
    """What the worker returned, and what it cost."""

    extraction: Extraction | None
    error: DondocError | None
    seconds: float
    peak_rss_mb: float


def read_and_extract(
    path: str | Path,
    *,
    directory: AgencyDirectory | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    ocr: OcrMode = "auto",
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Extraction:
    """Read a notice file and extract it within the time and memory budget; ExtractionError when refused.

    `progress(done, total, how)` is called in the caller's thread after each page ("text" or "ocr").
    """
    outcome = run(path, directory=directory, today=today, calendar=calendar, ocr=ocr, progress=progress,
                  limits=limits)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.extraction is not None
    return outcome.extraction


def run(
    path: str | Path,
    *,
    directory: AgencyDirectory | None = None,
    today: dt.date | None = None,
    calendar: WorkCalendar | None = None,
    ocr: OcrMode = "auto",
    progress: Progress | None = None,
    limits: Limits | None = None,
) -> Outcome:
    """`read_and_extract`, reporting the refusal and the cost instead of raising."""
    path = Path(path)
    limits = limits or Limits()
    request = pickle.dumps((str(path), {"directory": directory, "today": today, "calendar": calendar, "ocr": ocr},
                            limits))
    read_fd, write_fd = os.pipe()
    env = {**os.environ, "OMP_THREAD_LIMIT": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        try:
            # a fresh interpreter, not a fork: the caller may run threads (the bot, the web server, Prefect)
            worker = subprocess.Popen([sys.executable, "-m", "engine.ingest.budget"], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=stderr, pass_fds=(write_fd,), env=env,
                                      start_new_session=True)
        finally:
            os.close(write_fd)
        receiver = Connection(read_fd, writable=False)
        try:
            assert worker.stdin is not None
            worker.stdin.write(struct.pack("!i", write_fd) + request)
            worker.stdin.close()
            outcome = _watch(worker, receiver, path, limits, started, progress)
        finally:
            receiver.close()
            _stop(worker)
        if worker.returncode not in (0, -signal.SIGKILL):  # a crash in a C library, or the CPU limit
            stderr.seek(0)
            log.warning("the worker reading %s exited with %s:\n%s", path.name, worker.returncode,
                        stderr.read()[-4000:].decode("utf-8", "replace"))
    return outcome


_ROOT = Path(__file__).resolve().parents[2]


def _watch(worker: subprocess.Popen[bytes], receiver: Connection, path: Path, limits: Limits, started: float,
           progress: Progress | None) -> Outcome:
    """Relay progress and wait for the answer, killing the worker when it goes over time or memory."""
    deadline = started + limits.seconds
    peak_mb = 0.0
    while True:
        if receiver.poll(_POLL):
            try:
                message = receiver.recv()
            except EOFError:  # the worker died without a word: killed by the kernel or a C library
                return _over(path, limits, started, peak_mb, "tiến trình đọc bị dừng")
            if message[0] == "progress":
                _, done, total, how = message
                if how == "ocr":
                    deadline += limits.ocr_page_seconds
                if progress is not None:
                    progress(done, total, how)
                continue
            kind, payload, worker_peak_mb = message
            peak_mb = max(peak_mb, worker_peak_mb)
            seconds = time.monotonic() - started
            if kind == "done":
                return Outcome(payload, None, seconds, peak_mb)
            if kind == "memory":
                return _over(path, limits, started, peak_mb, f"cần hơn {limits.memory_mb:.0f} MB bộ nhớ")
            if kind == "crash":
                log.warning("reading %s failed in the worker:\n%s", path.name, payload)
                return Outcome(None, ExtractionError(f"{path.name}: lỗi khi đọc tệp (đã ghi nhật ký)"), seconds,
                               peak_mb)
            return Outcome(None, payload, seconds, peak_mb)
        peak_mb = max(peak_mb, _rss_mb(worker.pid))
        if peak_mb > limits.memory_mb:
            return _over(path, limits, started, peak_mb, f"cần hơn {limits.memory_mb:.0f} MB bộ nhớ")
        if time.monotonic() > deadline:
            return _over(path, limits, started, peak_mb, f"quá {deadline - started:.0f} giây")
        if worker.poll() is not None and not receiver.poll():
            return _over(path, limits, started, peak_mb, "tiến trình đọc bị dừng")


def _over(path: Path, limits: Limits, started: float, peak_mb: float, detail: str) -> Outcome:
    error = LimitExceeded(path.name, "budget", f"{OVER_BUDGET} ({detail})")
    return Outcome(None, error, time.monotonic() - started, peak_mb)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """Kill the worker's process group (the worker and any Tesseract it started) and reap the worker."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def _rss_mb(pid: int | str, field: str = "VmRSS") -> float:
    """Resident memory of a live process (VmRSS, or its peak VmHWM) from /proc, in MB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def _own_peak_mb() -> float:
    """The worker's peak resident memory, and that of the largest OCR process it ran.

    Not getrusage(RUSAGE_SELF): a process started by fork and exec inherits the caller's high-water mark.
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
    return max(_rss_mb("self", "VmHWM"), children)


def _serve() -> None:
    """The worker: read the request from stdin, limit itself, do the work, answer on the inherited pipe."""
    raw = sys.stdin.buffer.read()
    (fd,) = struct.unpack("!i", raw[:4])
    path, options, limits = pickle.loads(raw[4:])
    sender = Connection(fd, readable=False)
    _limit_resources(limits)

    def progress(done: int, total: int, how: str) -> None:
        sender.send(("progress", done, total, how))

    try:
        result: tuple[str, Any] = ("done", extract_file(path, progress=progress, limits=limits, **options))
    except MemoryError:
        result = ("memory", None)
    except RecursionError:
        result = ("error", ExtractionError(f"{Path(path).name}: cấu trúc tệp lồng nhau quá sâu"))
    except DondocError as exc:
        result = ("error", exc)
    except Exception:  # a bug or a library's unexpected failure: logged by the caller, one line to the user
        result = ("crash", traceback.format_exc(limit=20))
    try:
        sender.send((*result, _own_peak_mb()))
    except MemoryError:
        sender.send(("memory", None, _own_peak_mb()))
    sender.close()


def _limit_resources(limits: Limits) -> None:
    """Memory and CPU ceilings, inherited by the OCR processes; they hold even if the caller dies."""
    memory = int(limits.memory_mb * MB)
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    cpu = int(limits.seconds + limits.pages * limits.ocr_page_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))


if __name__ == "__main__":
    _serve()
