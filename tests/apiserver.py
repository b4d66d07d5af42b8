"""A real uvicorn on 127.0.0.1 for the API and browser tests: the app over a settings
object, served from a thread on a port of its own, stopped at the end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from docintel.config import Settings


@dataclass
class Served:
    url: str
    app: object
    settings: Settings

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@contextmanager
def serving(settings: Settings) -> Iterator[Served]:
    import uvicorn

    from docintel.api import create_app
    from docintel.cli_serve import address, bind

    sock = bind("127.0.0.1", 0)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(address(sock), app, settings)
    finally:
        server.should_exit = True
        thread.join(10)


def make_token(settings: Settings, name: str, *, read_only: bool = False) -> str:
    from docintel.store.db import session_scope
    from docintel.store.tokens import create_token

    with session_scope(settings.db_url) as s:
        return create_token(s, name, read_only=read_only)
