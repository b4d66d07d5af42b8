"""The Grafana dashboard against a real Prometheus: distributed docintel (the API and a
worker on Redis and PostgreSQL, a file done and a file refused) is scraped by Prometheus
with the shipped prometheus.yml (its targets moved to this machine), and every panel's
query answers with series. The dashboard JSON has what Grafana needs to load it and wire
each panel to the provisioned data source."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from docintel.testkit.samples import write_csv
from tests.apiserver import make_token, serving
from tests.helpers import wait_for
from tests.stack import Stack

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "docintel.json"
PANEL_TYPES = {"timeseries", "barchart", "stat", "gauge", "table", "bargauge", "text"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queries() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]


def test_the_dashboard_json_is_what_grafana_loads():
    """The fields Grafana's dashboard schema requires, and the wiring that makes a panel
    show data: each panel's data source is the one provisioning creates, each target has a
    refId of its own, and panels sit on the 24-column grid without overlapping."""
    dashboard = json.loads(DASHBOARD.read_text())
    sources = yaml.safe_load(
        (DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    (source,) = sources["datasources"]
    assert isinstance(dashboard["uid"], str) and 0 < len(dashboard["uid"]) <= 40
    assert dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    assert dashboard["schemaVersion"] >= 36  # Grafana 9+: data sources referenced by uid
    assert "id" not in dashboard or dashboard["id"] is None  # provisioned: Grafana assigns it
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)) and all(isinstance(i, int) for i in ids)
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        assert panel["type"] in PANEL_TYPES, panel["type"]
        assert panel["datasource"] == {"type": source["type"], "uid": source["uid"]}, panel
        refs = [t["refId"] for t in panel["targets"]]
        assert refs and len(refs) == len(set(refs)), panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"])
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"]) for dy in range(grid["h"])
        }
        assert not cells & mine, f"{panel['title']} overlaps another panel"
        cells |= mine
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/docintel.yml").read_text())
    compose = yaml.safe_load((DEPLOY.parent / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{path}:ro" in mounts


def prometheus_config(tmp_path: Path, api: str, worker: str, token: str) -> Path:
    """The shipped prometheus.yml, scraping every second, its targets on this machine."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(DEPLOY / "prometheus" / "alerts.yml")]
    (tmp_path / "metrics_token").write_text(token + "\n")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == {"docintel", "docintel-workers"}
    jobs["docintel"]["authorization"]["credentials_file"] = str(tmp_path / "metrics_token")
    jobs["docintel"]["static_configs"] = [{"targets": [api]}]
    jobs["docintel-workers"]["static_configs"] = [{"targets": [worker]}]
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.slow
def test_every_panel_answers_from_a_live_docintel(tmp_path, pg_url, redis_url, distributed):
    prometheus_bin = shutil.which("prometheus")
    if prometheus_bin is None:
        pytest.fail("prometheus is needed (Debian: apt-get install prometheus)")
    scrape = "scrape-" + "k" * 24
    settings = distributed.model_copy(update={"metrics_token": scrape})
    worker_port, prom_port = _free_port(), _free_port()
    stack = Stack(settings.home, pg_url, redis_url, DOCINTEL_METRICS_PORT=str(worker_port))
    prometheus = None
    try:
        stack.start_worker()
        writer = make_token(settings, "writer")
        with serving(settings) as served, served.client(writer) as c:
            done = write_csv(tmp_path / "ledger.csv", [["date", "amount"], ["2026-01-01", "1"]])
            refused = tmp_path / "setup.pdf"
            refused.write_bytes(b"MZ\x90\x00" + b"\x00" * 4096)  # a program named .pdf
            for f in (done, refused):
                with open(f, "rb") as fh:
                    assert c.post("/v1/documents", files={"file": (f.name, fh)}).status_code == 201
            assert wait_for(
                lambda: (
                    {d["status"] for d in c.get("/v1/documents").json()["documents"]}
                    == {"done", "failed"}
                ),
                90,
            ), c.get("/v1/documents").json()
            config = prometheus_config(
                tmp_path, served.url.split("//")[1], f"127.0.0.1:{worker_port}", scrape
            )
            prometheus = subprocess.Popen(
                [prometheus_bin, f"--config.file={config}",
                 f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{prom_port}"],
                stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("wb"),
            )  # fmt: skip
            prom = httpx.Client(base_url=f"http://127.0.0.1:{prom_port}", timeout=5)

            def query(expr: str) -> dict:
                return prom.get("/api/v1/query", params={"query": expr}).json()

            def scraped() -> bool:
                try:
                    if prom.get("/-/ready").status_code != 200:  # 503 while it starts
                        return False
                    up = query("count_over_time(up[1m])")["data"]["result"]
                except httpx.HTTPError:
                    return False
                # both targets up, each scraped a few times (deriv and rate need two samples)
                return len(up) == 2 and all(int(r["value"][1]) >= 4 for r in up)

            assert wait_for(scraped, 60), (tmp_path / "prometheus.log").read_text()[-2000:]
            targets = prom.get("/api/v1/targets").json()["data"]["activeTargets"]
            assert {t["health"] for t in targets} == {"up"}, targets
            empty, invalid = [], []
            for title, expr in queries():
                answer = query(expr)
                if answer["status"] != "success":
                    invalid.append((title, expr, answer.get("error")))
                elif not answer["data"]["result"]:
                    empty.append((title, expr))
            assert not invalid, invalid
            assert not empty, f"panels with no series: {empty}"
            # and what they show is what happened: one failure, refused; the worker answers
            reasons = query("sum by (reason) (docintel_failures_total)")["data"]["result"]
            assert [(r["metric"]["reason"], r["value"][1]) for r in reasons] == [("refused", "1")]
            assert query("docintel_workers")["data"]["result"][0]["value"][1] == "1"
            steps = query("sum by (step) (docintel_step_duration_seconds_count)")["data"]
            assert {"route"} <= {r["metric"]["step"] for r in steps["result"]}
            rules = prom.get("/api/v1/rules").json()["data"]["groups"]
            assert {r["health"] for g in rules for r in g["rules"]} == {"ok"}
    finally:
        if prometheus is not None:
            prometheus.terminate()
            prometheus.wait(10)
        stack.stop()
