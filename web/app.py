"""The office's web app: FastAPI + Jinja2 + HTMX, built on the same App (engine, clock, settings) as every driver."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from dondoc.bootstrap import App
from engine.errors import DondocError, NotFound
from web.core import HERE, Forbidden, NeedLogin, check_csrf, explain, is_htmx, render
from web.jobs import UploadJobs
from web.sessions import SessionMiddleware

log = logging.getLogger("dondoc.web")


def create_app(app: App) -> FastAPI:
    """The ASGI app; every page reads through engine queries and every action is an engine command."""
    from web.routes import auth, dashboard, directives, directory, exports, notices

    api = FastAPI(title="dondoc", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(check_csrf)])
    api.state.dondoc = app
    api.state.jobs = UploadJobs(app)
    api.add_middleware(SessionMiddleware, secret=app.settings.secret.get_secret_value(), clock=app.now)
    api.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (auth, dashboard, notices, directives, directory, exports):
        api.include_router(module.router)
    _errors(api)
    return api


def _errors(api: FastAPI) -> None:
    @api.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin) -> Response:
        target = "/dang-nhap"
        if request.method == "GET" and request.url.path != "/":
            target += "?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @api.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", status=403, title="Không được phép", message=str(exc))

    @api.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return render(request, "error.html", status=404, title="Không tìm thấy", message=explain(exc))

    @api.exception_handler(DondocError)
    async def dondoc_error(request: Request, exc: DondocError) -> Response:
        return render(request, "error.html", status=400, title="Không thực hiện được", message=explain(exc))

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Không tìm thấy trang" if exc.status_code == 404 else "Yêu cầu không hợp lệ"
        return render(request, "error.html", status=exc.status_code, title=title,
                      message="Địa chỉ này không tồn tại." if exc.status_code == 404 else "Yêu cầu không hợp lệ.")

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "error.html", status=400, title="Yêu cầu không hợp lệ",
                      message="Địa chỉ hoặc dữ liệu gửi lên không đúng định dạng.")

    @api.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:  # never a bare 500 page
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "error.html", status=500, title="Lỗi hệ thống",
                      message="Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại; nếu vẫn lỗi, báo quản trị viên.")
