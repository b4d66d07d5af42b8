import json
import os
import subprocess
import sys

from docintel.config import Settings, get_settings, settings_table


def test_defaults_are_embedded(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("DOCINTEL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert not settings.distributed
    assert settings.db_url.startswith("sqlite:///") and settings.db_url.endswith("docintel.db")
    assert settings.engine == "auto"


def test_environment_switches_to_distributed(monkeypatch):
    monkeypatch.setenv("DOCINTEL_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DOCINTEL_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("DOCINTEL_MAX_ATTEMPTS", "5")
    settings = Settings()
    assert settings.distributed
    assert settings.db_url == "postgresql+psycopg://u@h/db"
    assert settings.backend_url == "redis://127.0.0.1:6379/0"
    assert settings.max_attempts == 5


def test_every_setting_is_documented_in_readme():
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    for variable, _default, description in settings_table():
        assert description, f"{variable} has no description"
        assert variable in readme, f"{variable} is missing from the README's settings table"


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from typer.testing import CliRunner; from docintel.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('torch', 'transformers', 'pymupdf', 'fitz', 'librosa') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_worker_parent_and_watcher_import_without_torch():
    """The Celery parent imports the tasks; CUDA must only start in its forked children."""
    code = (
        "import sys, docintel.worker.app, docintel.worker.tasks, docintel.worker.recovery, "
        "docintel.watcher.watch; "
        "print('torch' in sys.modules, 'pymupdf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_config_lists_every_setting_as_json():
    from typer.testing import CliRunner

    from docintel.cli import app

    result = CliRunner().invoke(app, ["config", "--json"])
    assert result.exit_code == 0
    names = {row["variable"] for row in json.loads(result.output)}
    assert {"DOCINTEL_DATABASE_URL", "DOCINTEL_BROKER_URL", "DOCINTEL_ENGINE"} <= names


def test_flower_is_never_started_open(monkeypatch):
    from typer.testing import CliRunner

    from docintel.cli import app

    monkeypatch.setenv("DOCINTEL_BROKER_URL", "redis://127.0.0.1:6379/13")
    monkeypatch.setenv("DOCINTEL_FLOWER_BASIC_AUTH", "")
    get_settings.cache_clear()
    try:
        run = CliRunner().invoke(app, ["flower"])
    finally:
        get_settings.cache_clear()
    assert run.exit_code == 2
    assert "DOCINTEL_FLOWER_BASIC_AUTH=user:password" in run.output


def test_reading_a_new_home_answers_instead_of_a_traceback(tmp_path, monkeypatch):
    """Before anything was processed, the read commands say there is nothing yet."""
    from typer.testing import CliRunner

    from docintel.cli import app
    from docintel.config import get_settings

    monkeypatch.setenv("DOCINTEL_HOME", str(tmp_path / "new-home"))
    monkeypatch.setenv("DOCINTEL_BROKER_URL", "")
    monkeypatch.delenv("DOCINTEL_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    status = CliRunner().invoke(app, ["status", "--json"])
    assert status.exit_code == 0 and '"documents": {}' in status.stdout
    shown = CliRunner().invoke(app, ["show", "1"])
    assert shown.exit_code == 1 and "no document '1'" in shown.stderr
    assert shown.exception is None or isinstance(shown.exception, SystemExit)
    get_settings.cache_clear()


def test_a_cpu_worker_starts_a_process_per_core_and_a_model_worker_one():
    """Celery's own default on the CPU engine; one process per model copy elsewhere; the
    setting wins over both."""
    from docintel.worker.app import pool_size

    cores = os.cpu_count() or 1
    assert pool_size(Settings(engine="cpu")) == cores
    assert pool_size(Settings(engine="cpu"), gpu=0) == 1
    assert pool_size(Settings(engine="gemma")) == 1
    assert pool_size(Settings(engine="openai")) == 1
    assert pool_size(Settings(engine="cpu", worker_concurrency=3)) == 3
    assert pool_size(Settings(engine="gemma", worker_concurrency=2), gpu=0) == 2
