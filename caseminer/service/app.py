"""The FastAPI application factory.

`create_app(settings)` builds a fresh app (tests inject a fake `loader`); `app_from_env()` is what
uvicorn imports in each worker process (`caseminer serve` passes the options as CASEMINER_* vars).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from caseminer._version import __version__
from caseminer.service.docs import install_docs
from caseminer.service.engine import Engine, default_loader
from caseminer.service.errors import install_handlers
from caseminer.service.limits import BodySizeLimit
from caseminer.service.routes import router
from caseminer.service.settings import ServiceSettings

DESCRIPTION = (
    "Lab values, imaging studies, diagnoses and procedures from clinical case reports, as "
    "validated JSON with evidence offsets. Errors are JSON: {error: {status, code, message}}."
)


def create_app(
    settings: ServiceSettings | None = None, loader: Callable[[], Any] = default_loader
) -> FastAPI:
    """A new app. `loader` returns the spaCy pipeline; it runs once per app (per worker)."""
    settings = settings or ServiceSettings()
    engine = Engine(settings, loader)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.preload:
            await engine.warm_up()
        yield
        engine.close()

    app = FastAPI(
        title="caseminer",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load their scripts from a CDN: see service/docs.py
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    install_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)
    app.include_router(router)
    install_docs(app)
    return app


def app_from_env() -> FastAPI:
    """The app uvicorn starts in each worker: settings from CASEMINER_* environment variables."""
    return create_app(ServiceSettings.from_env())
