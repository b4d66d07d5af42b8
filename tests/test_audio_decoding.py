"""Recordings are decoded without librosa or audioread: audioread's fallbacks import aifc,
audioop and sunau, which Python 3.13 removed. Checked in a fresh interpreter, on both
decoders (libsndfile for OGG, PyAV for an M4A), and without PyAV (the old librosa fallback)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REMOVED_IN_3_13 = ("aifc", "audioop", "sunau")
SCRIPT = """
import json, sys
from pathlib import Path
if {no_av}:
    sys.modules["av"] = None  # as if PyAV were not installed
if {av19}:  # PyAV 19's open(): no metadata_errors argument any more
    import av
    _open = av.open
    def _open_19(file, *args, **kwargs):
        if "metadata_errors" in kwargs:
            raise TypeError("open() got an unexpected keyword argument 'metadata_errors'")
        return _open(file, *args, **kwargs)
    av.open = _open_19
from docintel.pipeline.audio import stream
from docintel.pipeline.errors import DocumentError
out = {{}}
for name in sys.argv[1:]:
    try:
        out[Path(name).suffix] = round(len(stream.read(Path(name))) / 16000, 1)
    except DocumentError as exc:
        out[Path(name).suffix] = str(exc)
loaded = ("aifc", "audioop", "sunau", "audioread", "librosa")
print(json.dumps({{"read": out, "loaded": [m for m in loaded if m in sys.modules]}}))
"""


@pytest.fixture(scope="module")
def m4a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "meeting.m4a"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(ROOT / "samples" / "meeting.ogg"), "-c:a",
         "aac", str(path)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


def _decode(files: list[Path], no_av: bool = False, av19: bool = False) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(no_av=no_av, av19=av19), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_audio_is_decoded_without_the_modules_python_3_13_removed(m4a):
    result = _decode([ROOT / "samples" / "meeting.ogg", m4a])
    assert result["loaded"] == []
    ogg, aac = result["read"][".ogg"], result["read"][".m4a"]
    assert isinstance(ogg, float) and ogg > 5 and abs(aac - ogg) < 0.2, result


def test_an_m4a_is_read_by_pyav_19_whose_open_has_no_metadata_errors(m4a):
    """PyAV 19 (what a fresh install gets on Python 3.12 and 3.13 today) removed the
    argument; an M4A failed to decode ("unexpected keyword argument 'metadata_errors'")."""
    result = _decode([m4a], av19=True)
    assert isinstance(result["read"][".m4a"], float) and result["read"][".m4a"] > 5, result


def test_without_pyav_an_m4a_names_the_package_instead_of_falling_back_to_audioread(m4a):
    result = _decode([m4a], no_av=True)
    assert result["loaded"] == []
    assert "pip install av" in result["read"][".m4a"]


def test_the_base_install_does_not_depend_on_librosa():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("[")[0].split("=")[0].strip() for d in project["dependencies"]}
    assert "librosa" not in names and "audioread" not in names
    assert {"av", "soxr", "soundfile"} <= names
