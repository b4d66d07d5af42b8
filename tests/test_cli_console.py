"""The commands' tables are drawn at the width of the terminal they run in now, not the one
the process had when docintel was imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, os, sys
from typer.testing import CliRunner
from docintel.cli import app  # imported while COLUMNS is the process's first width
widths = []
for columns in sys.argv[1:]:
    run = CliRunner().invoke(app, ["profiles"], env={"COLUMNS": columns})
    assert run.exit_code == 0, run.output
    widths.append(max(len(line) for line in run.output.splitlines()))
print(json.dumps(widths))
"""


def test_each_command_reads_the_width_it_runs_at(tmp_path):
    """A process imports docintel at 60 columns, then runs a command at 160 and one at 50:
    each table fits its own width. Before, the consoles kept the width read at import, so a
    long-lived process or a test runner drew every later table at that width (a test's
    audit timeline cut to 'and d')."""
    env = {**os.environ, "COLUMNS": "60", "DOCINTEL_HOME": str(tmp_path / "home")}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, "160", "50"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-2000:]
    wide, narrow = json.loads(run.stdout.strip().splitlines()[-1])
    assert 100 < wide <= 160
    assert narrow <= 50
