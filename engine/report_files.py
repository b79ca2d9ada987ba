"""Files attached to reports, stored in the database by content (SHA-256), so that every bot replica,
the CLI and the web app read the same files whatever host received them."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.db import begin_write
from engine.models import ReportFile


def store_report_file(session: Session, content: bytes, *, name: str | None, mime_type: str | None,
                      now: dt.datetime) -> dict[str, Any]:
    """Keep `content` (once, however often it is sent) and return the attachment for the report event."""
    digest = hashlib.sha256(content).hexdigest()
    if session.exec(select(ReportFile.sha256).where(col(ReportFile.sha256) == digest)).first() is None:
        begin_write(session)
        try:
            session.add(ReportFile(sha256=digest, size=len(content), content=content, created_at=now))
            session.commit()
        except IntegrityError:  # the same file stored by someone else a moment ago
            session.rollback()
        except BaseException:
            session.rollback()
            raise
    return {"name": name or digest[:12], "sha256": digest, "size": len(content), "mime_type": mime_type}


def report_file(session: Session, sha256: str) -> bytes | None:
    """The content of a stored report file, or None."""
    row = session.get(ReportFile, sha256)
    return None if row is None else row.content
