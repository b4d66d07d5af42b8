"""`docintel serve` (the HTTP API and the web page) and `docintel token` (who may use
them). `docintel up` serves the same app beside its watcher, through ``start_api``."""

from __future__ import annotations

import socket
import threading
from typing import Annotated, Any

import typer

from docintel.cli_common import (
    JsonOpt,
    _database_settings,
    _embedded_settings,
    _print_json,
    _redact,
    app,
    console,
    err,
)
from docintel.config import Settings
from docintel.logs import setup_logging
from docintel.render import safe

token_app = typer.Typer(help="API tokens for the HTTP API and the web page.", no_args_is_help=True)
app.add_typer(token_app, name="token")

PortOpt = Annotated[int | None, typer.Option("--port", help="Port (DOCINTEL_API_PORT; 0: any).")]
HostOpt = Annotated[str | None, typer.Option("--host", help="Address (DOCINTEL_API_HOST).")]


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so a taken port is said plainly and port 0 works."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def make_server(settings: Settings, queues: Any = None) -> Any:
    import uvicorn

    from docintel.api import create_app

    config = uvicorn.Config(
        create_app(settings, queues=queues), log_level="warning", access_log=False
    )
    return uvicorn.Server(config)


def login_hint(server: Any, base: str, settings: Settings) -> str:
    if settings.api_auth == "none":
        return f"{base}/ (DOCINTEL_API_AUTH=none: no login)"
    code = server.config.app.state.logins.new_code()
    return f"{base}/login?code={code} (one-time login link)"


def start_api(settings: Settings, host: str, port: int, queues: Any = None) -> str | None:
    """Serve the API and the page from a thread; the address to print, or None when the
    port cannot be had (the inbox is still watched). Uploads join ``queues`` (`up`'s)."""
    try:
        sock = bind(host, port)
    except OSError as exc:
        err.print(
            f"[yellow]the web page is off[/]: {safe(host)}:{port} is not free ({exc.strerror})"
        )
        return None
    server = make_server(settings, queues)
    threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="docintel-api", daemon=True
    ).start()
    return login_hint(server, address(sock), settings)


@app.command()
def serve(host: HostOpt = None, port: PortOpt = None) -> None:
    """Serve the HTTP API (OpenAPI at /docs) and the web page. With DOCINTEL_BROKER_URL the
    work goes to the queue; without it, it runs in this process."""
    from docintel.config import get_settings

    settings = get_settings()
    settings = _database_settings() if settings.distributed else _embedded_settings()
    setup_logging()
    host, port = host or settings.api_host, settings.api_port if port is None else port
    try:
        sock = bind(host, port)
    except OSError as exc:
        err.print(f"[red]{safe(host)}:{port} is not free[/] ({exc.strerror}); use --port")
        raise typer.Exit(1) from exc
    mode = "queue " + _redact(settings.broker_url) if settings.distributed else "in-process work"
    if settings.api_workers > 1:
        import uvicorn

        err.print(
            f"[bold]docintel serve[/]: {address(sock)}/ with {settings.api_workers} processes "
            f"(log in with a token); database {safe(_redact(settings.db_url))}, {safe(mode)}",
            soft_wrap=True,
        )
        uvicorn.run(
            "docintel.api.app:from_environment",
            factory=True,
            fd=sock.fileno(),
            workers=settings.api_workers,
            log_level="warning",
            access_log=False,
        )
        return
    server = make_server(settings)
    err.print(
        f"[bold]docintel serve[/]: {safe(login_hint(server, address(sock), settings))}\n"
        f"  database {safe(_redact(settings.db_url))}, {safe(mode)}; Ctrl-C to stop",
        soft_wrap=True,  # a link broken over two lines does not open
    )
    server.run(sockets=[sock])


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what the token is for.")],
    read_only: Annotated[bool, typer.Option("--read-only", help="May read, not change.")] = False,
    user: Annotated[
        str | None, typer.Option("--user", help="The user it belongs to (acts with their role).")
    ] = None,
) -> None:
    """Make a token and print its secret (shown this once; only a hash is kept). Without
    --user it acts as an admin (a viewer with --read-only), as tokens did before users."""
    from docintel.store.db import session_scope
    from docintel.store.tokens import TokenError, create_token

    settings = _database_settings()
    try:
        with session_scope(settings.db_url) as s:
            secret = create_token(s, name, read_only=read_only, user=user)
    except TokenError as exc:
        err.print(f"[red]{safe(str(exc))}[/]")
        raise typer.Exit(1) from exc
    err.print(
        f"token {safe(name)}{' (read-only)' if read_only else ''}; keep it, it is not shown again:"
    )
    print(secret)


@token_app.command("list")
def token_list(as_json: JsonOpt = False) -> None:
    """The tokens: name, read-only, made, last used, revoked (never the secrets)."""
    from docintel.store.db import session_scope
    from docintel.store.tokens import list_tokens

    settings = _database_settings()
    with session_scope(settings.db_url) as s:
        rows = list_tokens(s)
    if as_json:
        _print_json(rows)
        return
    from rich.table import Table

    table = Table("name", "read-only", "made", "last used", "revoked")
    for r in rows:
        table.add_row(
            safe(r["name"]),
            "yes" if r["read_only"] else "",
            safe((r["created_at"] or "")[:19]),
            safe((r["last_used_at"] or "")[:19]),
            "yes" if r["revoked"] else "",
        )
    console.print(table)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument()]) -> None:
    """Revoke a token: it stops working at once."""
    from docintel.store.db import session_scope
    from docintel.store.tokens import TokenError, revoke_token

    settings = _database_settings()
    try:
        with session_scope(settings.db_url) as s:
            revoke_token(s, name)
    except TokenError as exc:
        err.print(f"[red]{safe(str(exc))}[/]")
        raise typer.Exit(1) from exc
    console.print(f"revoked {safe(name)}")
