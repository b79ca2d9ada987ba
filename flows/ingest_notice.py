"""Flow: ingest one notice file into draft (or assigned) directives (engine.ingest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import anyio
from prefect import flow, get_run_logger
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from engine.errors import InvalidInput, PermissionDenied
from engine.ingest.limits import Limits
from engine.ingest.service import ingest_file
from engine.models import Person
from engine.people import OFFICE_ROLES
from flows import get_app, resolve_now, summarize


class IngestParams(BaseModel):
    """Parameters of ingest_notice."""

    path: Path = Field(description="The notice file (PDF, DOCX or text) on the machine running the flow")
    assign: bool = Field(False, description="Assign the directives whose lead resolved, skipping review")
    actor_id: int | None = Field(None, description="The office person recorded as assigning them")
    now: AwareDatetime | None = Field(None, description="Record as of this time; default: the clock")
    ocr: Literal["auto", "always", "never"] = Field("auto", description="OCR of scanned pages: auto, always, never")

    @model_validator(mode="after")
    def _assigning_needs_an_actor(self) -> IngestParams:
        if self.assign and self.actor_id is None:
            raise ValueError("assign: true needs actor_id, the office member recorded as assigning")
        return self


@flow(name="ingest_notice", log_prints=False)
async def ingest_notice(params: IngestParams) -> dict[str, Any]:
    """Extract and store a notice; ingesting the same file twice adds nothing."""
    app = get_app()
    now = resolve_now(app, params.now)

    logger = get_run_logger()

    def progress(done: int, total: int, how: str) -> None:
        if how == "ocr":
            logger.info("ingest_notice: %s page %d/%d read by OCR", params.path.name, done, total)

    def work() -> Any:
        with app.session() as session:
            _check_actor(session, params)  # before the notice is read or stored
            return ingest_file(session, params.path, now, assign_all=params.assign, actor_id=params.actor_id,
                               ocr=params.ocr, limits=Limits.from_settings(app.settings), progress=progress)

    summary = {"path": str(params.path), **summarize(await anyio.to_thread.run_sync(work))}
    logger.info("ingest_notice: %s", summary)
    return summary


def _check_actor(session: Any, params: IngestParams) -> None:
    """The assigning actor must exist and belong to the office; checked before any work."""
    if not params.assign:
        return
    person = session.get(Person, params.actor_id)
    if person is None:
        raise InvalidInput(f"actor_id {params.actor_id}: no such person")
    if person.role not in OFFICE_ROLES:
        raise PermissionDenied(f"{person.name} is not an office member and cannot assign directives")
