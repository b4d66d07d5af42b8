"""Alerting: the Prometheus rules shipped in deploy/prometheus load and fire when they should
(promtool's own rule tests), and the series they use are on /metrics, readable with the scrape
token alone."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.apiserver import make_token, serving

RULES = Path(__file__).resolve().parent.parent / "deploy" / "prometheus"


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is needed (Debian: apt-get install prometheus); .ci/run installs it")
    return found


@pytest.mark.parametrize(
    "command", [["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]]
)
def test_the_alert_rules_load_and_pass_their_own_tests(command):
    run = subprocess.run([_promtool(), *command], cwd=RULES, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_the_rules_series_are_on_metrics_and_the_scrape_token_reads_only_them(
    api_settings,
):
    import re

    scrape = "scrape-" + "x" * 24
    settings = api_settings.model_copy(update={"metrics_token": scrape})
    reader = make_token(settings, "reader", read_only=True)
    with serving(settings) as served:
        with served.client(scrape) as prometheus:
            page = prometheus.get("/metrics")
            assert page.status_code == 200
            assert prometheus.get("/v1/documents").status_code == 401  # nothing else
        with served.client("scrape-wrong") as wrong:
            assert wrong.get("/metrics").status_code == 401
        with served.client(reader) as c:
            assert c.get("/metrics").status_code == 200  # an API token still reads it
    families = list(text_string_to_metric_families(page.text))
    names = {s.name for f in families for s in f.samples} | {
        f.name + ("_total" if f.type == "counter" else "") for f in families
    }  # a family with no sample yet (no failure so far) is announced all the same
    used = set(re.findall(r"docintel_[a-z_]+", (RULES / "alerts.yml").read_text()))
    local = used - {"docintel_workers", "docintel_queue_depth"}  # distributed mode's
    assert local <= names, local - names
    assert not [n for n in names if n.endswith("_created")]


def test_the_compose_prometheus_config_and_every_dashboard_query_parse(tmp_path):
    """The Prometheus config the compose file mounts loads (its rule file and token file in
    place), and each query of the Grafana dashboard is valid PromQL (checked as a recording
    rule by promtool) over docintel's series."""
    import json

    import yaml

    config = (RULES / "prometheus.yml").read_text().replace("/etc/prometheus/", f"{tmp_path}/")
    (tmp_path / "prometheus.yml").write_text(config)
    shutil.copy(RULES / "alerts.yml", tmp_path / "alerts.yml")
    (tmp_path / "metrics_token").write_text("scrape-token\n")
    run = subprocess.run(
        [_promtool(), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    dashboard = json.loads((RULES.parent / "grafana" / "dashboards" / "docintel.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(queries) >= 8 and all("docintel_" in q for q in queries)
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{n}", "expr": q} for n, q in enumerate(queries)
    ]}]}  # fmt: skip
    (tmp_path / "queries.yml").write_text(yaml.safe_dump(rules))
    run = subprocess.run(
        [_promtool(), "check", "rules", str(tmp_path / "queries.yml")],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
