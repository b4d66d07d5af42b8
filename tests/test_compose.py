"""The compose file's structure: the services DESIGN.md names, wired to one image."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_services_and_wiring():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {
        "redis",
        "postgres",
        "migrate",
        "watcher",
        "worker-gpu0",
        "flower",
        "vllm",
        "api",
    } <= set(services)
    assert services["api"]["command"][0] == "serve"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("watcher", "worker-gpu0", "flower", "api"):
        svc = services[name]
        assert svc["build"] == "." and svc["image"] == "docintel:latest"
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert svc["environment"]["DOCINTEL_BROKER_URL"].startswith("redis://redis")
        assert svc["environment"]["DOCINTEL_DATABASE_URL"].startswith("postgresql+psycopg://")
    gpu = services["worker-gpu0"]
    assert gpu["command"][:3] == ["worker", "--gpu", "0"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"] and device["device_ids"] == ["0"]
    assert "worker-gpu1" in (ROOT / "docker-compose.yml").read_text()  # shown, commented
    flower = services["flower"]
    assert "DOCINTEL_FLOWER_BASIC_AUTH" in flower["environment"]
    assert ":?" in flower["environment"]["DOCINTEL_FLOWER_BASIC_AUTH"]  # required, not open
    volumes = {v.split(":")[1] for v in services["watcher"]["volumes"]}
    assert {"/data/inbox", "/data/archive"} <= volumes
    assert "pgvector" in services["postgres"]["image"]
    assert services["vllm"]["profiles"] == ["vllm"]


def test_dockerfile_builds_the_package_it_runs():
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["docintel"]' in text
    # every folder pyproject.toml installs under the one import name
    mapped = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for folder in set(mapped["package-dir"].values()):
        assert f"COPY {folder} {folder}" in text
