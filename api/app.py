"""The HTTP app: ``create_app(settings)``. Routers: documents, events, ask, operations
(health, readiness, metrics), the login and the web page. Settings, the event hub, the
in-process work and the login codes live on ``app.state``; nothing is global, so a test
builds as many apps as it likes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import text

from docintel.api import (
    documents,
    editing,
    events,
    finding,
    mail_web,
    metrics,
    organise_web,
    organising,
    people,
    schemas,
    web,
    workspace,
)
from docintel.api.auth import COOKIE, Logins, caller, writer
from docintel.api.work import Work
from docintel.config import Settings
from docintel.models.runtime import Engine
from docintel.store.db import session_scope

if TYPE_CHECKING:
    from docintel.worker.local import LocalQueues

HERE = Path(__file__).parent
operations = APIRouter(tags=["operations"])


@operations.get("/healthz", response_model=schemas.Health)
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@operations.get(
    "/readyz",
    response_model=schemas.Readiness,
    responses={503: {"model": schemas.Readiness, "description": "Not ready: which part, why."}},
)
def readyz(request: Request) -> JSONResponse:
    """The database (and, distributed, the broker) can be reached; 503 says which not."""
    settings: Settings = request.app.state.settings
    checks: dict[str, str] = {}
    try:
        with session_scope(settings.db_url) as s:
            s.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    if settings.distributed:
        from docintel.worker.app import app_for

        try:
            with app_for(settings).connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    top_k: int = Field(default=5, ge=1, le=50)


ask_router = APIRouter(tags=["ask"])


@ask_router.post(
    "/v1/ask",
    dependencies=[Depends(writer)],
    response_model=schemas.Answer,
    # a citation has the keys of its source (the model's quote, or the passage): no nulls added
    response_model_exclude_unset=True,
)
async def ask(request: Request, body: Question) -> dict[str, Any]:
    """An answer over the corpus with its citations (document, page or seconds), as `ask`."""
    from docintel.worker.ask import ask as ask_corpus
    from docintel.worker.indexing import index_pending

    state = request.app.state

    def answer() -> dict[str, Any]:
        index_pending(state.settings)
        return ask_corpus(body.question, state.settings, body.top_k, engine=state.work.engine)

    return await run_in_threadpool(answer)


login_router = APIRouter(tags=["login"])


@login_router.get("/login", include_in_schema=False)
def login_link(request: Request, code: str | None = None) -> Any:
    """The one-time login link ``docintel up`` prints: a cookie, then home. Without a code,
    the form that takes a token (POSTed, so a token never sits in a URL or a log)."""
    if code is None:
        return web.login_page(request)
    session = request.app.state.logins.redeem(code)
    if session is None:
        return web.login_page(request, "That login link was used already; paste a token.")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, session, httponly=True, samesite="strict", max_age=30 * 86400)
    return response


reference_router = APIRouter(include_in_schema=False)


@reference_router.get("/openapi.json", dependencies=[Depends(caller)])
def openapi_document(request: Request) -> JSONResponse:
    """The API's OpenAPI document, for a caller with a credential."""
    return JSONResponse(request.app.openapi())


@reference_router.get("/docs", dependencies=[Depends(caller)])
def api_reference(request: Request) -> Any:
    """The interactive API reference, for a caller with a credential."""
    from fastapi.openapi.docs import get_swagger_ui_html

    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="docintel API",
        # installed with the package (swagger-ui-bundle): the reference works offline
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


ERRORS = {
    "401": "No credential, or one that is not valid: send 'Authorization: Bearer <token>'.",
    "403": "A read-only token, or a step this credential may not take.",
    "404": "No such document, page or file.",
    "409": "The document is in a state that does not allow it (still in flight, or done).",
    "413": "The upload is larger than DOCINTEL_MAX_FILE_MB.",
    "415": "The upload is of a type docintel does not read.",
}


def documented(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI document with what a generated client needs besides: the bearer
    scheme every operation uses, and the error responses with their body."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "`docintel token create NAME` makes one.",
    }
    components.setdefault("schemas", {})["Error"] = {
        "title": "Error",
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    }
    schema["security"] = [{"bearer": []}]
    _add_event_schemas(components["schemas"])
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code in _errors_of(operation):
                responses.setdefault(code, {"description": ERRORS[code], "content": error})
    app.openapi_schema = schema
    return schema


def _add_event_schemas(schemas_: dict[str, Any]) -> None:
    """The event stream's data (StatusChange), which no operation's body names."""
    from pydantic import TypeAdapter

    found = TypeAdapter(schemas.StatusChange).json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for name, definition in found.pop("$defs", {}).items():
        schemas_.setdefault(name, definition)
    schemas_["StatusChange"] = found


def _errors_of(operation: dict[str, Any]) -> list[str]:
    """The error statuses an operation can answer: every one needs a credential; one that
    changes things needs a writer; one on a document can miss it; an upload has limits."""
    codes = ["401"]
    path_params = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
    if operation.get("requestBody") or operation.get("operationId", "").startswith(
        ("post", "put", "patch", "delete")
    ):
        codes.append("403")
    if path_params:
        codes += ["404", "409"]
    if "multipart/form-data" in str(operation.get("requestBody", {})):
        codes += ["413", "415"]
    return codes


def purge_quietly(settings: Settings) -> None:
    """Purge the trash of what is older than DOCINTEL_TRASH_DAYS as the API starts; a
    failure is logged, not fatal (a delete or `docintel trash --purge` tries again)."""
    import logging

    from docintel.worker.editing import purge_trash

    try:
        purge_trash(settings)
    except Exception:  # the API serves without it; the reason is in the log
        logging.getLogger("docintel.api").exception("the trash could not be purged")


def create_app(
    settings: Settings, engine: Engine | None = None, queues: LocalQueues | None = None
) -> FastAPI:
    """The API and the web page over ``settings``' database (and queue). ``engine`` is
    injected for in-process work, as the pipeline's entry points take it; ``queues``: the
    local queues of `docintel up`, which uploads join."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.hub.start()
        await run_in_threadpool(purge_quietly, settings)
        yield
        await app.state.hub.stop()
        app.state.work.close()

    app = FastAPI(
        title="docintel",
        summary="Documents and recordings in; text, tables, fields, transcripts and entities out.",
        version="1",
        lifespan=lifespan,
        # served below, behind the same credential as every other request
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.logins = Logins()
    app.state.hub = events.EventHub(settings)
    app.state.work = Work(settings, engine, queues)
    app.state.metrics = metrics.registry_for(settings)
    origins = [o.strip() for o in settings.api_cors_origins.split(",") if o.strip()]
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
        )
    for router in (
        reference_router,
        documents.router,
        finding.router,
        editing.router,
        organising.router,
        events.router,
        ask_router,
        operations,
        metrics.router,
        login_router,
        people.router,
        workspace.router,
        web.router,
        mail_web.router,
        organise_web.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")
    app.openapi = lambda: documented(app)  # type: ignore[method-assign]
    return app


def from_environment() -> FastAPI:
    """The app over the environment's settings: what each of `docintel serve --workers N`'s
    processes builds (uvicorn imports it by name)."""
    from docintel.config import get_settings

    return create_app(get_settings())
