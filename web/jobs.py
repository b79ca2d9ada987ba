"""Uploaded notices are read in the background, one at a time; the page polls the job for its progress."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from dondoc.bootstrap import App
from engine.errors import DondocError
from engine.ingest.limits import Limits, check_size
from engine.ingest.readers import IMAGE_SUFFIXES, TEXT_SUFFIXES
from web.core import explain

log = logging.getLogger("dondoc.web.upload")

ALLOWED = (*TEXT_SUFFIXES, ".docx", ".pdf", *IMAGE_SUFFIXES)  # what the readers read
KEEP = 100  # finished jobs remembered, for pages still polling them
_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


@dataclass
class Job:
    """One upload being read: what it is doing, how far, and how it ended."""

    id: str
    person_id: int
    filename: str
    stage: str = "Đang chờ đọc tệp"
    done_pages: int = 0
    total_pages: int = 0
    finished: bool = False
    notice_id: int | None = None
    error: str | None = None
    drafts: int = 0

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(100 * self.done_pages / self.total_pages) if self.total_pages else 0


class UploadJobs:
    """Jobs of this process, kept in memory: an upload's page lives as long as the server does."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dondoc-upload")
        self.limits = Limits.from_settings(app.settings)  # the CLI's and the flow's limits, not a copy

    def start(self, person_id: int, filename: str, data: bytes) -> Job:
        """Store the file and queue its reading; refuses what cannot be a notice before queueing."""
        name = Path(filename or "").name.strip()
        suffix = Path(name).suffix.lower()
        if not name:
            raise DondocError("Vui lòng chọn một tệp thông báo.")
        if suffix not in ALLOWED:
            raise DondocError(f"Tệp “{name}” không được hỗ trợ. Chỉ nhận tệp TXT, DOCX, PDF hoặc ảnh chụp "
                              f"(PNG, JPG, TIF).")
        if not data:
            raise DondocError(f"Tệp “{name}” rỗng.")
        check_size(name, len(data), self.limits)
        digest = hashlib.sha256(data).hexdigest()
        folder = self.app.settings.data_dir / "uploads" / digest
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (_UNSAFE.sub("_", name) or f"thong-bao{suffix}")
        path.write_bytes(data)
        job = Job(id=secrets.token_urlsafe(12), person_id=person_id, filename=name)
        with self.lock:
            self.jobs[job.id] = job
            for old in [j.id for j in self.jobs.values() if j.finished][:-KEEP]:  # oldest first (insertion order)
                del self.jobs[old]
        self.pool.submit(self._run, job, path)
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def _progress(self, job: Job, done: int, total: int, how: str = "text") -> None:
        """The reader's per-page progress (`how` is "text" or "ocr"), shown by the polling page."""
        job.done_pages, job.total_pages = done, total
        verb = "Đang nhận dạng chữ (OCR)" if how == "ocr" else "Đang đọc"
        job.stage = f"{verb} trang {done}/{total}" if total else "Đang đọc tệp"
        if total and done >= total:
            job.stage = "Đang trích xuất nhiệm vụ"

    def _run(self, job: Job, path: Path) -> None:
        from engine.ingest.service import ingest_file

        job.stage = "Đang đọc tệp"
        try:
            with self.app.session() as session:
                report = ingest_file(session, path, self.app.now(), actor_id=job.person_id, limits=self.limits,
                                     progress=lambda done, total, how: self._progress(job, done, total, how))
            if not report.created:
                job.error = (f"Thông báo này đã được nhập trước đó (thông báo #{report.notice_id}); "
                             f"không nhập lại.")
                job.notice_id = report.notice_id
            else:
                job.notice_id, job.drafts = report.notice_id, len(report.drafts)
                job.stage = f"Đã nhập {len(report.drafts)} nhiệm vụ dự thảo"
        except DondocError as exc:
            job.error = explain(exc)
        except Exception:
            log.exception("reading %s failed", path.name)
            job.error = "Không đọc được tệp do lỗi hệ thống. Vui lòng thử lại hoặc báo quản trị viên."
        finally:
            job.finished = True
