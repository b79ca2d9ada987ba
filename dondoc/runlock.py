"""One `dondoc run` per data directory: an advisory lock the kernel releases when the process dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from engine.errors import DondocError


class AlreadyRunning(DondocError):
    """Another service already runs on this data directory."""


def hold_run_lock(data_dir: Path) -> IO[str]:
    """Take `data_dir/run.lock` for the life of the process (keep the returned file open), or refuse."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "run.lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "?"
        handle.close()
        raise AlreadyRunning(
            f"dondoc run đang chạy trên thư mục dữ liệu {data_dir.resolve()} (tiến trình {pid}); "
            "dừng tiến trình đó trước, hoặc dùng một DONDOC_DATA_DIR khác."
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
