"""The `vtr serve` web app: Starlette, server-rendered Jinja2 pages, one JSON twin each.

Every page `/X` has `/api/X` with the same data as JSON (in the spirit of datasette).
Each request opens the catalog read-only for as long as it reads, then closes it, so an
ingest can run between requests. Assets are served from the package; nothing is fetched
from elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from vtr.errors import (
    CatalogBusy,
    UnknownDataset,
    UnknownEval,
    UnknownItem,
    UnknownVariant,
    VideoDecodeError,
    VtrError,
)
from vtr.serve import pages, params, search_page, timelines
from vtr.serve.thumbs import thumb_file, thumbnail
from vtr.warehouse.catalog import Warehouse, open_warehouse

HERE = Path(__file__).resolve().parent
NOT_FOUND = (UnknownEval, UnknownDataset, UnknownItem, UnknownVariant)
Page = Callable[[Request], tuple[str, dict[str, Any]]]


def create_app(root: str | Path) -> Starlette:
    """The app over the warehouse at `root` (checked now: WarehouseNotFound if it is none)."""
    root = Path(root).resolve()
    open_warehouse(root, read_only=True).close()

    def catalog() -> AbstractContextManager[Warehouse]:
        return open_warehouse(root, read_only=True)

    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["q"] = lambda value: quote(str(value), safe="")
    templates.env.filters["num"] = _number
    templates.env.globals["with_query"] = _with_query

    def home(request: Request):
        with catalog() as wh:
            return "home.html", pages.home(wh)

    def evaluation(request: Request):
        p = request.query_params
        filters = pages.QueryFilters(
            direction=params.choice(p, "direction", pages.DIRECTIONS),
            category_id=params.integer(p, "category", None, 0, 2**31 - 1),
            min_words=params.integer(p, "min_words", None),
            max_words=params.integer(p, "max_words", None),
            min_rank=params.number(p, "min_rank"),
            max_rank=params.number(p, "max_rank"),
            order=params.choice(p, "order", pages.ORDERS),
            limit=params.integer(p, "limit", 20, 1, 200),
            offset=params.integer(p, "offset", 0),
        )
        with catalog() as wh:
            return "eval.html", pages.evaluation(wh, _eval_id(request), filters)

    def compare(request: Request):
        p = request.query_params
        a, b = params.integer(p, "a", None, 1), params.integer(p, "b", None, 1)
        direction = params.choice(p, "direction", pages.DIRECTIONS)
        n = params.integer(p, "n", 10, 1, 100)
        with catalog() as wh:
            if a is None or b is None:
                return "compare.html", {"evals": pages.home(wh)["evals"], "a": None, "b": None}
            return "compare.html", pages.compare(wh, a, b, direction, n)

    def search(request: Request):
        p = request.query_params
        form = {
            "text": params.text(p, "text"),
            "video": params.text(p, "video"),
            "dataset": params.text(p, "dataset"),
            "target": params.choice(p, "target", search_page.TARGETS),
            "k": params.integer(p, "k", 10, 1, 100),
        }
        query = params.text(p, "q")
        return "search.html", search_page.search(catalog, root / "lance", query, form)

    def video(request: Request):
        dataset, video_id = request.path_params["dataset"], request.path_params["video_id"]
        with catalog() as wh:
            return "video.html", pages.video(wh, dataset, video_id)

    def moments(request: Request):
        p = request.query_params
        form = {
            "dataset": params.text(p, "dataset"),
            "pred": params.integer(p, "pred", None, 1),
            "qid": params.integer(p, "qid", None, 0, 2**63 - 1),
            "offset": params.integer(p, "offset", 0),
        }
        with catalog() as wh:
            return "moments.html", timelines.moments(wh, form)

    def steps(request: Request):
        p = request.query_params
        form = {
            "dataset": params.text(p, "dataset"),
            "video_id": params.text(p, "video"),
            "text": params.text(p, "text"),
            "clips": params.text(p, "clips"),
        }
        return "steps.html", timelines.steps(catalog, form)

    def thumb(request: Request) -> Response:
        dataset, video_id = request.path_params["dataset"], request.path_params["video_id"]
        cached = thumb_file(root, dataset, video_id)
        if cached.is_file():  # written only after the catalog named this video's file
            data = cached.read_bytes()
        else:
            with catalog() as wh:
                path = pages.video_path(wh, dataset, video_id)
            data = thumbnail(root, dataset, video_id, path)
        return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    def html_and_json(path: str, page: Page, name: str) -> list[Route]:
        def as_html(request: Request) -> Response:
            template, data = page(request)
            return templates.TemplateResponse(request, template, {"page": data, "nav": name})

        def as_json(request: Request) -> Response:
            _, data = page(request)
            body = json.dumps(pages.clean(data), default=str, allow_nan=False)
            return Response(body, media_type="application/json")

        return [Route(path, as_html, name=name), Route(f"/api{path}", as_json)]

    routes = [
        *html_and_json("/", home, "home"),
        *html_and_json("/evals/{eval_id:int}", evaluation, "eval"),
        *html_and_json("/compare", compare, "compare"),
        *html_and_json("/search", search, "search"),
        *html_and_json("/videos/{dataset}/{video_id:path}", video, "video"),
        *html_and_json("/moments", moments, "moments"),
        *html_and_json("/steps", steps, "steps"),
        Route("/thumbs/{dataset}/{video_id:path}", thumb),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    def error(request: Request, exc: Exception) -> Response:
        status = _status(exc)
        message = str(exc) or type(exc).__name__
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message, "status": status}, status_code=status)
        context = {"page": {"error": message, "status": status}, "nav": None}
        response = templates.TemplateResponse(request, "error.html", context, status_code=status)
        return response if response is not None else HTMLResponse(message, status_code=status)

    return Starlette(routes=routes, exception_handlers={VtrError: error})


def _status(exc: Exception) -> int:
    if isinstance(exc, NOT_FOUND):
        return 404
    if isinstance(exc, CatalogBusy):
        return 503
    if isinstance(exc, VideoDecodeError):
        return 422
    return 400


def _eval_id(request: Request) -> int:
    value = int(request.path_params["eval_id"])
    if value > 2**31 - 1:
        raise UnknownEval(f"no evaluation {value} in this warehouse")
    return value


def _number(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _with_query(request: Request, **changes: Any) -> str:
    """The current page's URL with some query-string values changed (None: removed)."""
    values = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = str(value)
    return f"{request.url.path}?{urlencode(values)}" if values else request.url.path
