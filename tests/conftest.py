"""Fixtures. Redis and PostgreSQL are the real servers on 127.0.0.1; in CI (CI=true) a
missing server fails the test instead of skipping it."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from docintel.config import Settings, get_settings

CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN = os.environ.get(
    "DOCINTEL_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# The Redis database the tests use and flush: DOCINTEL_TEST_REDIS where set; else the first
# empty one of 15..1 that this session claims (a key that marks it taken), so that two test
# sessions on one server, or a deployment on db 0, never flush each other's queues.
REDIS_SERVER = "redis://127.0.0.1:6379"
CLAIM = "docintel:test-session"


def require_server(host: str, port: int, what: str) -> None:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        message = f"{what} is not reachable at {host}:{port}"
        if CI:
            pytest.fail(message + " (CI needs it: start it before the tests)")
        pytest.skip(message)


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Embedded mode on a fresh SQLite file under tmp_path."""
    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCINTEL_BROKER_URL", "")
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()

    from docintel import migrations

    migrations.upgrade(settings.db_url)
    yield settings
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    require_server("127.0.0.1", 5432, "PostgreSQL")
    return PG_ADMIN


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"docintel_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    from docintel.store.db import get_engine

    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def test_redis() -> Iterator[str]:
    require_server("127.0.0.1", 6379, "Redis")
    import redis

    if os.environ.get("DOCINTEL_TEST_REDIS"):
        yield os.environ["DOCINTEL_TEST_REDIS"]
        return
    me = f"{socket.gethostname()}:{os.getpid()}"
    for db in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS_SERVER}/{db}")
        if client.set(CLAIM, me, nx=True, ex=6 * 3600):
            if client.dbsize() == 1:  # empty but for the claim: ours
                yield f"{REDIS_SERVER}/{db}"
                client.flushdb()
                return
            client.delete(CLAIM)  # data of someone else's
    pytest.fail("no empty Redis database in 1..15 to test on: set DOCINTEL_TEST_REDIS")


@pytest.fixture
def redis_url(test_redis: str) -> str:
    """The session's test database, emptied for this test (the claim kept)."""
    import redis

    client = redis.Redis.from_url(test_redis)
    # every key but the claim: a flush would leave the database unclaimed for a moment,
    # and another test session running beside this one would take it (and its messages)
    stale = [key for key in client.scan_iter(count=1000) if key != CLAIM.encode()]
    if stale:
        client.delete(*stale)
    return test_redis


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny random-weight Gemma 4 checkpoint, built offline once per test session."""
    from docintel.testkit.tiny import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-gemma4"))


@pytest.fixture
def distributed(pg_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Distributed mode on a fresh PostgreSQL database and the test Redis, migrated."""
    from docintel import migrations

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", pg_url)
    monkeypatch.setenv("DOCINTEL_BROKER_URL", redis_url)
    get_settings.cache_clear()
    migrations.upgrade(pg_url)
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def api_settings(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The API's settings: PostgreSQL, no broker (work in-process), the CPU engine."""
    from docintel import migrations

    env = {
        "DOCINTEL_HOME": str(tmp_path / "home"),
        "DOCINTEL_DATABASE_URL": pg_url,
        "DOCINTEL_BROKER_URL": "",
        "DOCINTEL_ENGINE": "cpu",
        "DOCINTEL_EMBEDDING_MODEL": "hashing",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    migrations.upgrade(pg_url)
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not (chromium and driver_path):
        pytest.fail(
            "chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
