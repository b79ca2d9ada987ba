"""Xuất báo cáo: the XLSX/CSV export of `dondoc export`, for the filters in force."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session
from starlette.background import BackgroundTask

from dondoc.export import export
from engine.errors import InvalidInput
from engine.models import Person
from engine.queries import conditions
from web.core import current_person, db, dondoc, explain, is_office, render
from web.forms import directive_filter, filter_query
from web.routes.dashboard import filter_choices

router = APIRouter()
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


@router.get("/xuat-bao-cao")
def export_page(request: Request, session: Session = Depends(db), person: Person = Depends(current_person)) -> Response:
    return render(request, "export.html", nav="export", person=person, params=request.query_params,
                  query=filter_query(request.query_params), **filter_choices(session))


@router.get("/xuat-bao-cao/tai-ve")
def download(request: Request, session: Session = Depends(db), person: Person = Depends(current_person)) -> Response:
    app = dondoc(request)
    fmt = request.query_params.get("format", "xlsx")
    try:
        if fmt not in MEDIA:
            raise InvalidInput("Chỉ xuất được định dạng Excel (xlsx) hoặc CSV.")
        f = directive_filter(request.query_params)
        if not is_office(person):
            f = f.scoped_to(person)
        where = conditions(f, app.now(), app.calendar)
    except InvalidInput as exc:
        return render(request, "export.html", status=400, nav="export", person=person, params=request.query_params,
                      query=filter_query(request.query_params), error=explain(exc), **filter_choices(session))
    folder = Path(tempfile.mkdtemp(prefix="dondoc-export-"))
    name = f"dondoc-nhiem-vu-{app.now().strftime('%Y%m%d-%H%M')}.{fmt}"
    path = folder / name
    export(session, path, app.now(), app.calendar, conditions=where)
    return FileResponse(path, media_type=MEDIA[fmt], filename=name,
                        background=BackgroundTask(_cleanup, folder))


def _cleanup(folder: Path) -> None:
    for child in folder.iterdir():
        child.unlink(missing_ok=True)
    folder.rmdir()
